/**
 * `golive drift` end to end: a stack (4 endpoints, the Stripe endpoint and integration, an active
 * program with 2 rules) goes up with the real Pulumi CLI on the sandbox, its Stripe emulator and
 * moto; then every drift kind is introduced at once behind Pulumi's back and one `golive drift
 * --json` must report each with the right kind, resource and property (exit 2). `--remediate`
 * repairs all managed drift and leaves the unmanaged Stripe endpoint in place (exit 2, only that
 * item left); `--remediate --delete-unmanaged` deletes it (exit 0).
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DeleteSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMoto, type MotoServer } from "../../sandbox/moto";
import { PulumiWorkspace, REPO_ROOT } from "../../cli/pulumiCli";
import { startSandbox } from "../../sandbox/server";

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

let sandbox: Sandbox;
let moto: MotoServer;
let ws: PulumiWorkspace;
let stripe: Stripe;
let receiver: Server;
let receiverUrl = "";
let env: Record<string, string>;
let sk = "";

async function api(method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sandbox.url}${p}`, {
    method,
    headers: { Authorization: `Bearer ${sk}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Runs `node bin/golive.js <args>` the way cron would: no TTY, environment only. */
function golive(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "golive.js"), ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

beforeAll(async () => {
  moto = await startMoto({ port: 0 });
  sandbox = await startSandbox({ port: 0, dataDir: mkdtempSync(path.join(tmpdir(), "golive-sbx-")) });
  sk = sandbox.info.keys.test.sk;
  const stripeKey = sandbox.info.stripe_keys!.test.secret_key;
  const su = new URL(sandbox.stripeUrl);
  stripe = new Stripe(stripeKey, { host: su.hostname, port: Number(su.port), protocol: "http", maxNetworkRetries: 0 });
  receiver = createServer((_req, res) => res.writeHead(200).end());
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const addr = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  const ep = (p: string) => ({ url: `${receiverUrl}/${p}`, events: ["conversion.created", "commission.created"] });
  const wsEnv = { ...moto.env, SELGEO_SECRET_KEY: sk, STRIPE_SECRET_KEY: stripeKey };
  ws = await PulumiWorkspace.create({
    stack: "drift",
    config: {
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
    },
    env: wsEnv,
  });
  env = {
    ...(process.env as Record<string, string>),
    ...wsEnv,
    PULUMI_HOME: ws.homeDir,
    PULUMI_BACKEND_URL: `file://${ws.stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
  };
  delete env.FORCE_COLOR;
}, 180_000);

afterAll(async () => {
  await new Promise((r) => receiver?.close(r));
  await sandbox?.close();
  await moto?.close();
});

describe("golive drift with the real Pulumi CLI", { timeout: 300_000 }, () => {
  let out: Record<string, any>;
  let unmanagedId = "";

  it("reports no drift right after up (exit 0, no colour without a TTY)", async () => {
    await ws.mustRun(["up", "--yes", "--skip-preview"]);
    out = await ws.outputs();
    const r = await golive(["drift", "--stack", "drift", "--cwd", ws.projectDir]);
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
    const sm = new SecretsManagerClient(moto.clientConfig);
    await sm.send(new DeleteSecretCommand({ SecretId: (out.webhookSecretArns as Record<string, string>).lost, ForceDeleteWithoutRecovery: true }));
    await api("POST", `/api/v1/programs/${programId}/commission_rules/${ruleId}`, { percentage: 35 });
    await api("POST", `/api/v1/programs/${programId}`, { status: "paused" });
    const integration = await api("GET", "/api/v1/integrations/stripe");
    unmanagedId = (await stripe.webhookEndpoints.create({ url: integration.webhook_url, enabled_events: ["invoice.paid"] })).id;

    const record = path.join(mkdtempSync(path.join(tmpdir(), "golive-drift-")), "steps.json");
    const r = await golive(["drift", "--stack", "drift", "--cwd", ws.projectDir, "--json", "--record", record]);
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
    const r = await golive(["drift", "--stack", "drift", "--cwd", ws.projectDir, "--json", "--remediate"]);
    expect(r.code, r.stderr).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.before.items.length).toBeGreaterThanOrEqual(9);
    expect(doc.after.items.map((i: any) => i.kind)).toEqual(["unmanaged_stripe_endpoint"]);
    expect(r.stderr).toContain("up --refresh will change");
    const now = await ws.outputs();
    const prog = await api("GET", `/api/v1/programs/${now.programId}`);
    expect(prog.status).toBe("active");
    const orders = await api("GET", `/api/v1/webhook_endpoints/${(now.webhookEndpointIds as Record<string, string>).orders}`);
    expect(orders.status).toBe("enabled");
    expect((await stripe.webhookEndpoints.retrieve(unmanagedId)).id).toBe(unmanagedId);
  });

  it("--remediate --delete-unmanaged deletes it, and the check comes back clean (exit 0)", async () => {
    const r = await golive(["drift", "--stack", "drift", "--cwd", ws.projectDir, "--json", "--remediate", "--delete-unmanaged"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.remediation.deletedUnmanaged).toEqual([unmanagedId]);
    expect(doc.after.items).toEqual([]);
    await expect(stripe.webhookEndpoints.retrieve(unmanagedId)).rejects.toThrow();
  });
});
