/**
 * `golive drift` end to end: a stack (4 endpoints, the Stripe endpoint and integration, an active
 * program with 2 rules) goes up with the real Pulumi CLI on the sandbox, its Stripe emulator and
 * moto; then every drift kind is introduced at once behind Pulumi's back and one `golive drift
 * --json` must report each with the right kind, resource and property (exit 2). `--remediate`
 * repairs all managed drift and leaves the unmanaged Stripe endpoint in place (exit 2, only that
 * item left); `--remediate --delete-unmanaged` deletes it (exit 0).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DeleteSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { stripeFor } from "../contract/sandbox/stripe/helpers";
import { useRehearsal } from "./helpers/rehearsal";

const rig = useRehearsal(
  {
    receiver: true,
    stack: "drift",
    config: ({ sandbox, receiver }) => {
      const ep = (p: string) => ({ url: `${receiver.url}/${p}`, events: ["conversion.created", "commission.created"] });
      return {
        "selgeo:mode": "test",
        "selgeo:apiUrl": sandbox.url,
        "selgeo:stripeApiUrl": sandbox.stripeUrl,
        "selgeo:aws": { region: "us-east-1", recoveryWindowDays: 0 },
        "selgeo:webhookEndpoints": { orders: ep("orders"), gone: ep("gone"), rotated: ep("rotated"), lost: ep("lost") },
        "selgeo:stripe": {},
        "selgeo:program": { name: "Drift Partners", status: "active" },
        "selgeo:commissionRules": {
          standard: { type: "percentage", percentage: 20, holdPeriodDays: 0, autoApprove: true },
          launch: { type: "flat", flatAmount: 500, currency: "usd" },
        },
      };
    },
  },
  180_000,
);
const api = (method: string, p: string, body?: unknown) => rig.api(method, p, body);
/** Runs `golive <args>` the way cron would: no TTY, environment only. */
const golive = (args: string[]) => rig.golive(args, { cron: true });
let stripe: Stripe;
let receiverUrl = "";
beforeAll(() => {
  stripe = stripeFor(rig.sandbox, "test");
  receiverUrl = rig.receiver.url;
});

describe("golive drift with the real Pulumi CLI", { timeout: 300_000 }, () => {
  let out: Record<string, any>;
  let unmanagedId = "";

  it("reports no drift right after up (exit 0, no colour without a TTY)", async () => {
    await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
    out = await rig.ws.outputs();
    const r = await golive(["drift", "--stack", "drift", "--cwd", rig.ws.projectDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^no drift/);
    expect(r.stdout).not.toContain("\u001b[");
  });

  it("reports every drift kind with its resource and property (exit 2)", async () => {
    const ids = out.webhookEndpointIds as Record<string, string>;
    const programId = out.programId as string;
    const ruleId = (out.commissionRuleIds as Record<string, string>).standard;
    await api("DELETE", `/api/v1/webhook_endpoints/${ids.gone}`);
    await api("POST", `/api/v1/webhook_endpoints/${ids.orders}`, { status: "disabled", events: ["ping"], url: `${receiverUrl}/elsewhere` });
    await api("POST", `/api/v1/webhook_endpoints/${ids.rotated}/rotate_secret`, { expires_in: 0 });
    const sm = new SecretsManagerClient(rig.moto.clientConfig);
    await sm.send(new DeleteSecretCommand({ SecretId: (out.webhookSecretArns as Record<string, string>).lost, ForceDeleteWithoutRecovery: true }));
    await api("POST", `/api/v1/programs/${programId}/commission_rules/${ruleId}`, { percentage: 35 });
    await api("POST", `/api/v1/programs/${programId}`, { status: "paused" });
    const integration = await api("GET", "/api/v1/integrations/stripe");
    unmanagedId = (await stripe.webhookEndpoints.create({ url: integration.webhook_url, enabled_events: ["invoice.paid"] })).id;

    const record = path.join(mkdtempSync(path.join(tmpdir(), "golive-drift-")), "steps.json");
    const r = await golive(["drift", "--stack", "drift", "--cwd", rig.ws.projectDir, "--json", "--record", record]);
    expect(r.code, r.stderr).toBe(2);
    const report = JSON.parse(r.stdout);
    if (process.env.DRIFT_RECORD) writeFileSync(process.env.DRIFT_RECORD, readFileSync(record));
    const found = (kind: string, type: string, name: string, property?: string) =>
      report.items.find((i: any) => i.kind === kind && i.resource.type === type && i.resource.name === name && (property === undefined || i.property === property));
    const expectations: Array<[string, string, string, string | undefined, unknown?, unknown?]> = [
      ["deleted", "selgeo:WebhookEndpoint", "gone", undefined],
      ["disabled", "selgeo:WebhookEndpoint", "orders", "enabled", true, false],
      ["events_changed", "selgeo:WebhookEndpoint", "orders", "events", ["commission.created", "conversion.created"], ["ping"]],
      ["url_changed", "selgeo:WebhookEndpoint", "orders", "url", `${receiverUrl}/orders`, `${receiverUrl}/elsewhere`],
      ["secret_rotated", "selgeo:WebhookEndpoint", "rotated", "secretState", "in_sync", "rotated_outside_pulumi"],
      ["secret_missing", "selgeo:WebhookEndpoint", "lost", "secretState", "in_sync"],
      ["rule_changed", "selgeo:CommissionRule", "standard", "percentage", 20, 35],
      ["program_paused", "selgeo:ProgramStatus", "program", "status", "active", "paused"],
      ["unmanaged_stripe_endpoint", "stripe:WebhookEndpoint", unmanagedId, "url"],
    ];
    for (const [kind, type, name, property, expected, actual] of expectations) {
      const item = found(kind, type, name, property);
      expect(item, `${kind} ${type} ${name} ${property} in ${JSON.stringify(report.items, null, 1)}`).toBeTruthy();
      if (expected !== undefined) expect(item.expected).toEqual(expected);
      if (actual !== undefined) expect(item.actual).toEqual(actual);
    }
    expect(report.drift).toBe(true);
    // The Stripe endpoint the stack manages is not reported as unmanaged.
    expect(report.items.some((i: any) => i.resource.id === out.stripeWebhookEndpointId)).toBe(false);
  });

  it("--remediate repairs the managed drift and leaves the unmanaged Stripe endpoint (exit 2, only that left)", async () => {
    const r = await golive(["drift", "--stack", "drift", "--cwd", rig.ws.projectDir, "--json", "--remediate"]);
    expect(r.code, r.stderr).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.before.items.length).toBeGreaterThanOrEqual(9);
    expect(doc.after.items.map((i: any) => i.kind)).toEqual(["unmanaged_stripe_endpoint"]);
    expect(r.stderr).toContain("up --refresh will change");
    const now = await rig.ws.outputs();
    const prog = await api("GET", `/api/v1/programs/${now.programId}`);
    expect(prog.status).toBe("active");
    const orders = await api("GET", `/api/v1/webhook_endpoints/${(now.webhookEndpointIds as Record<string, string>).orders}`);
    expect(orders.status).toBe("enabled");
    expect((await stripe.webhookEndpoints.retrieve(unmanagedId)).id).toBe(unmanagedId);
  });

  it("--remediate --delete-unmanaged deletes it, and the check comes back clean (exit 0)", async () => {
    const r = await golive(["drift", "--stack", "drift", "--cwd", rig.ws.projectDir, "--json", "--remediate", "--delete-unmanaged"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.remediation.deletedUnmanaged).toEqual([unmanagedId]);
    expect(doc.after.items).toEqual([]);
    await expect(stripe.webhookEndpoints.retrieve(unmanagedId)).rejects.toThrow();
  });
});
