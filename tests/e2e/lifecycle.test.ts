/**
 * The paths a stack lives through after its first `up`, with the real Pulumi CLI on the sandbox,
 * its Stripe emulator and moto: destroy→up cycles within the 24 h idempotency window (every kind,
 * no duplicate, the program active again), a crashed create after a destroy, and the repair of a
 * Stripe signing secret lost in Secrets Manager (exactly one Stripe endpoint afterwards, its secret
 * stored and held by Selgeo).
 */
import { DeleteSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import type { PulumiWorkspace } from "../../cli/pulumiCli";
import { secrets } from "@selgeo-golive/runtime";
import { stripeFor } from "../contract/sandbox/stripe/helpers";
import { useRehearsal } from "./helpers/rehearsal";

const { fingerprint, readGeneratedSecret } = secrets;

const rig = useRehearsal({ stack: "lifecycle", config: () => config() }, 180_000);
const api = (method: string, p: string, body?: unknown) => rig.api(method, p, body);
let sm: SecretsManagerClient;
let stripe: Stripe;
beforeAll(() => {
  sm = new SecretsManagerClient(rig.moto.clientConfig);
  stripe = stripeFor(rig.sandbox, "test");
});

const config = () => ({
  "selgeo:mode": "test",
  "selgeo:apiUrl": rig.sandbox.url,
  "selgeo:stripeApiUrl": rig.sandbox.stripeUrl,
  "selgeo:aws": { region: "us-east-1", recoveryWindowDays: 7 },
  "selgeo:webhookEndpoints": {
    orders: { url: "https://hooks.example.com/orders", events: ["conversion.created", "commission.created"] },
    refunds: { url: "https://hooks.example.com/refunds", events: ["commission.refunded"] },
  },
  "selgeo:stripe": {},
  "selgeo:program": { name: "Lifecycle Partners", status: "active" },
  "selgeo:commissionRules": {
    standard: { type: "percentage", percentage: 20 },
    launch: { type: "flat", flatAmount: 500, currency: "usd" },
  },
});

/** What exists in Selgeo and Stripe right now, counted through their list APIs. */
async function census() {
  const endpoints = (await api("GET", "/api/v1/webhook_endpoints?limit=100")).data as any[];
  const programs = (await api("GET", "/api/v1/programs?limit=100")).data as any[];
  const livePrograms = programs.filter((p) => p.status !== "archived");
  const rules = (await Promise.all(livePrograms.map(async (p) => (await api("GET", `/api/v1/programs/${p.id}/commission_rules?limit=100`)).data))).flat();
  const integration = await api("GET", "/api/v1/integrations/stripe");
  const stripeEndpoints = (await stripe.webhookEndpoints.list({ limit: 100 })).data.filter((e) => e.url === integration.webhook_url);
  return { endpoints, livePrograms, rules, integration, stripeEndpoints };
}

/** Exactly one of everything, the program active, and Selgeo holding the stored Stripe secret. */
async function assertConverged() {
  const out = await rig.ws.outputs();
  const c = await census();
  expect(c.endpoints.map((e) => e.metadata.golive_resource).sort()).toEqual(["selgeo-golive/lifecycle/orders", "selgeo-golive/lifecycle/refunds"]);
  expect(c.livePrograms.map((p) => [p.id, p.status])).toEqual([[out.programId, "active"]]);
  expect(c.rules).toHaveLength(2);
  expect(c.stripeEndpoints.map((e) => e.id)).toEqual([out.stripeWebhookEndpointId]);
  const { value } = await readGeneratedSecret({ arn: out.stripeWebhookSecretArn as string, ...rig.moto.clientConfig });
  expect(c.integration.connected).toBe(true);
  expect(c.integration.webhook_secret_fingerprint).toBe(fingerprint(value));
  for (const arn of Object.values(out.webhookSecretArns as Record<string, string>)) {
    expect((await readGeneratedSecret({ arn, ...rig.moto.clientConfig })).value).toMatch(/^whsec_/);
  }
  // Stripe signs with the stored secret and Selgeo verifies it: a test event proves the pair.
  const sent = (await (
    await fetch(`${rig.sandbox.stripeUrl}/_stripe/test_event`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ endpoint: out.stripeWebhookEndpointId, wait: true }),
    })
  ).json()) as { event: { id: string } };
  const log = (await api("GET", "/api/v1/integrations/stripe/events?limit=100")).data as any[];
  expect(log.find((e) => e.id === sent.event.id)?.signature_valid).toBe(true);
  const noop = await rig.ws.run(["preview", "--refresh", "--expect-no-changes"]);
  expect(noop.code, noop.stdout + noop.stderr).toBe(0);
  return out;
}

async function assertDestroyed() {
  const c = await census();
  expect(c.endpoints).toHaveLength(0);
  expect(c.livePrograms).toHaveLength(0);
  expect(c.stripeEndpoints).toHaveLength(0);
  expect(c.integration.connected).toBe(false);
}

describe("lifecycle with the real Pulumi CLI", { timeout: 600_000 }, () => {
  it("destroy→up→destroy→up converges within the idempotency window: every kind recreated once, the program active", async () => {
    await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
    const ids = [await assertConverged()];
    for (let cycle = 0; cycle < 2; cycle++) {
      await rig.ws.mustRun(["destroy", "--yes", "--skip-preview"]);
      await assertDestroyed();
      const up = await rig.ws.run(["up", "--yes", "--skip-preview"]);
      expect(up.code, up.stdout + up.stderr).toBe(0);
      ids.push(await assertConverged());
    }
    // Each cycle made new objects (the old ones are gone or archived), never a replay of a dead one.
    for (const key of ["programId", "stripeWebhookEndpointId"] as const) expect(new Set(ids.map((o) => o[key])).size, key).toBe(3);
    expect(new Set(ids.map((o) => (o.webhookEndpointIds as Record<string, string>).orders)).size).toBe(3);
  });

  it("after a destroy, creates whose responses are lost after commit still leave no duplicate", async () => {
    await rig.ws.mustRun(["destroy", "--yes", "--skip-preview"]);
    await rig.upThroughFaults([
      { kind: "drop_after_commit", method: "POST", path_prefix: "/api/v1/programs", count: 3 },
      { kind: "drop_after_commit", method: "POST", path_prefix: "/api/v1/webhook_endpoints", count: 2 },
    ]);
    await assertConverged();
  });

  it.each([
    ["deleted for good", true],
    ["scheduled for deletion", false],
  ])("a Stripe signing secret %s in Secrets Manager: up --refresh leaves exactly one Stripe endpoint, its secret stored and held by Selgeo", async (_what, force) => {
    if (!(await rig.ws.outputs()).stripeWebhookEndpointId) await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
    const before = await rig.ws.outputs();
    await sm.send(new DeleteSecretCommand({ SecretId: before.stripeWebhookSecretArn as string, ...(force ? { ForceDeleteWithoutRecovery: true } : { RecoveryWindowInDays: 7 }) }));
    const drift = await rig.ws.run(["preview", "--refresh", "--expect-no-changes", "--diff"]);
    expect(drift.code).not.toBe(0);
    expect(drift.stdout).toMatch(/secretState\s*: "(missing|deleted)_from_secrets_manager" => "in_sync"/);
    const up = await rig.ws.run(["up", "--refresh", "--yes", "--skip-preview"]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const after = await assertConverged();
    expect(after.stripeWebhookEndpointId).not.toBe(before.stripeWebhookEndpointId);
  });

  describe("adoption", () => {
    let adopt: PulumiWorkspace;
    let endpointId = "";
    let programId = "";
    const adoptConfig = (extra: Record<string, unknown> = {}) => ({
      "selgeo:mode": "test",
      "selgeo:apiUrl": rig.sandbox.url,
      "selgeo:aws": { region: "us-east-1", recoveryWindowDays: 0 },
      "selgeo:webhookEndpoints": {
        legacy: { adoptId: endpointId, url: "https://hooks.example.com/new", events: ["conversion.created"], ...extra },
      },
      "selgeo:program": { adoptId: programId, name: "Adopted Partners", status: "draft" },
    });
    const writes = async () => {
      const c = (await (await fetch(`${rig.sandbox.url}/_sandbox/requests`)).json()) as { by_method: Record<string, number> };
      return (c.by_method.POST ?? 0) + (c.by_method.DELETE ?? 0);
    };

    beforeAll(async () => {
      endpointId = (await api("POST", "/api/v1/webhook_endpoints", { url: "https://hooks.example.com/legacy", events: ["ping"], description: "made by hand" })).id;
      programId = (await api("POST", "/api/v1/programs", { name: "Legacy Partners", currency: "usd" })).id;
      adopt = await rig.workspace("adopt", adoptConfig(), { keys: ["SELGEO_SECRET_KEY"] });
    }, 120_000);

    it("the preview lists each field the take-over changes, warns that the secret is not stored, and writes nothing", async () => {
      await fetch(`${rig.sandbox.url}/_sandbox/requests`, { method: "DELETE" });
      const preview = await adopt.run(["preview", "--diff"]);
      const text = preview.stdout + preview.stderr;
      expect(preview.code, text).toBe(0);
      for (const line of [
        "url: https://hooks.example.com/legacy => https://hooks.example.com/new",
        "events: [ping] => [conversion.created]",
        "description: made by hand => (empty)",
        "name: Legacy Partners => Adopted Partners",
      ]) {
        expect(text).toContain(line);
      }
      expect(text).toMatch(/selgeo:webhookEndpoints\.legacy: adopted we_\w+; its signing secret is not in Secrets Manager[\s\S]*secretRotation: 1/);
      expect(await writes()).toBe(0);
    });

    it("up takes the objects over in place; secretRotation rotates the adopted secret into Secrets Manager", async () => {
      await adopt.mustRun(["up", "--yes", "--skip-preview"]);
      let out = await adopt.outputs();
      expect((out.webhookEndpointIds as Record<string, string>).legacy).toBe(endpointId);
      expect(out.programId).toBe(programId);
      expect((out.webhookSecretStates as Record<string, string>).legacy).toBe("adopted");
      expect((await api("GET", `/api/v1/webhook_endpoints/${endpointId}`)).url).toBe("https://hooks.example.com/new");

      adopt.writeConfig(adoptConfig({ secretRotation: 1 }));
      await adopt.mustRun(["up", "--yes", "--skip-preview"]);
      out = await adopt.outputs();
      expect((out.webhookSecretStates as Record<string, string>).legacy).toBe("in_sync");
      const { value } = await readGeneratedSecret({ arn: (out.webhookSecretArns as Record<string, string>).legacy, ...rig.moto.clientConfig });
      expect(fingerprint(value)).toBe((await api("GET", `/api/v1/webhook_endpoints/${endpointId}`)).secret_fingerprint);
      const clean = await adopt.run(["preview", "--refresh", "--expect-no-changes"]);
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    });

    it("an adoptId that does not exist fails the preview, naming it, before any write", async () => {
      const ghost = await rig.workspace(
        "ghost",
        { ...adoptConfig(), "selgeo:webhookEndpoints": { legacy: { adoptId: "we_doesnotexist", url: "https://hooks.example.com/x", events: ["ping"] } } },
        { keys: ["SELGEO_SECRET_KEY"] },
      );
      await fetch(`${rig.sandbox.url}/_sandbox/requests`, { method: "DELETE" });
      const r = await ghost.run(["preview"]);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/selgeo:webhookEndpoints\.legacy\.adoptId: no Selgeo webhook endpoint we_doesnotexist/);
      expect(await writes()).toBe(0);
    });
  });
});
