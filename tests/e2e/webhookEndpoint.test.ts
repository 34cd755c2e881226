/**
 * WebhookEndpoint through the real Pulumi CLI against the sandbox over real HTTP: preview, up, no-op
 * up, in-place update, drift through refresh, destroy, a create whose response is lost, and secrets
 * kept out of plain-text state.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { signedWith, useRehearsal } from "./helpers/rehearsal";

const receiverSecrets = new Map<string, string>();

const rig = useRehearsal(
  {
    // Paths with a known secret verify the signature; the rest accept everything.
    receiver: (d) => {
      const secret = receiverSecrets.get(d.path);
      return !secret || signedWith(d, secret) ? 200 : 400;
    },
    stack: "e2e",
    config: () => config(["conversion.created", "commission.created"]),
    keys: ["SELGEO_SECRET_KEY"],
  },
  180_000,
);
const api = (method: string, p: string, body?: unknown) => rig.request(method, p, body);
let receiverUrl: string;
let sk: string;
beforeAll(() => {
  receiverUrl = rig.receiver.url;
  sk = rig.sk;
});

async function admin(method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${rig.sandbox.url}/_sandbox${p}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.status === 204 ? undefined : res.json();
}

async function endpoints(): Promise<any[]> {
  return (await api("GET", "/api/v1/webhook_endpoints?limit=100")).data;
}

function writes(counts: { by_method: Record<string, number> }): number {
  return (counts.by_method.POST ?? 0) + (counts.by_method.DELETE ?? 0);
}

function config(events: string[]) {
  return {
    "selgeo:mode": "test",
    "selgeo:apiUrl": rig.sandbox.url,
    "selgeo:webhookEndpoints": {
      orders: { url: `${rig.receiver.url}/selgeo`, events, description: "order sync" },
    },
  };
}

describe("WebhookEndpoint with the real Pulumi CLI", { timeout: 240_000 }, () => {
  let firstId: string;

  it("preview lists the create and sends no write request", async () => {
    await admin("DELETE", "/requests");
    const r = await rig.ws.mustRun(["preview", "--diff"]);
    expect(r.stdout).toMatch(/\+ pulumi-nodejs:dynamic\/selgeo:WebhookEndpoint: \(create\)/);
    expect(r.stdout).toMatch(/url\s*: "http:\/\/127\.0\.0\.1:\d+\/selgeo"/);
    expect(r.stdout).toMatch(/\+ 2 to create/);
    expect(writes(await admin("GET", "/requests"))).toBe(0);
    expect(await endpoints()).toHaveLength(0);
  });

  it("up creates the endpoint with its events", async () => {
    await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
    const eps = await endpoints();
    expect(eps).toHaveLength(1);
    expect(eps[0].url).toBe(`${receiverUrl}/selgeo`);
    expect([...eps[0].events].sort()).toEqual(["commission.created", "conversion.created"]);
    expect(eps[0].status).toBe("enabled");
    firstId = eps[0].id;
    const out = await rig.ws.outputs();
    expect((out.webhookEndpointIds as Record<string, string>).orders).toBe(firstId);
  });

  it("a second up changes nothing and sends no write request", async () => {
    await admin("DELETE", "/requests");
    const r = await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
    expect(r.stdout).toMatch(/2 unchanged/);
    expect(r.stdout).not.toMatch(/updated|created|deleted/);
    expect(writes(await admin("GET", "/requests"))).toBe(0);
  });

  it("an events change is an in-place update: same id, same secret", async () => {
    const before = await rig.ws.outputs();
    rig.ws.writeConfig(config(["conversion.created", "commission.created", "commission.refunded"]));
    const preview = await rig.ws.mustRun(["preview", "--diff"]);
    expect(preview.stdout).toMatch(/~ .*update|1 to update/);
    expect(preview.stdout).not.toMatch(/replace/);
    await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
    const eps = await endpoints();
    expect(eps).toHaveLength(1);
    expect(eps[0].id).toBe(firstId);
    expect(eps[0].events).toContain("commission.refunded");
    const after = await rig.ws.outputs();
    expect(after.webhookSecretFingerprints).toEqual(before.webhookSecretFingerprints);
    expect((after.webhookSecretFingerprints as Record<string, string>).orders).toMatch(/^sha256:[0-9a-f]{12}$/);
  });

  it("an endpoint disabled through the API shows as drift, and up repairs it", async () => {
    await api("POST", `/api/v1/webhook_endpoints/${firstId}`, { status: "disabled" });
    const drift = await rig.ws.run(["preview", "--refresh", "--expect-no-changes", "--diff"]);
    expect(drift.code).not.toBe(0);
    expect(drift.stdout + drift.stderr).toMatch(/enabled/);
    await rig.ws.mustRun(["up", "--refresh", "--yes", "--skip-preview"]);
    const [ep] = await endpoints();
    expect(ep.status).toBe("enabled");
    expect(ep.id).toBe(firstId);
  });

  it("an endpoint deleted through the API is reported by refresh and recreated by up", async () => {
    await api("DELETE", `/api/v1/webhook_endpoints/${firstId}`);
    const refresh = await rig.ws.mustRun(["refresh", "--yes", "--skip-preview"]);
    expect(refresh.stdout).toMatch(/deleted|1 deleted|- .*orders/);
    await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
    const eps = await endpoints();
    expect(eps).toHaveLength(1);
    expect(eps[0].id).not.toBe(firstId);
  });

  it("the state file holds no plain-text signing secret or API key", () => {
    const state = readFileSync(rig.ws.stateFile(), "utf8");
    expect(state).not.toMatch(/whsec_/);
    expect(state).not.toContain(sk);
    expect(state).toMatch(/"secretFingerprint"/);
  });

  it("destroy removes the endpoint", async () => {
    await rig.ws.mustRun(["destroy", "--yes", "--skip-preview"]);
    expect(await endpoints()).toHaveLength(0);
  });

  it("a create whose response is dropped after commit leaves exactly one endpoint", async () => {
    await admin("POST", "/faults", {
      rules: [{ kind: "drop_after_commit", method: "POST", path_prefix: "/api/v1/webhook_endpoints", count: 1 }],
    });
    await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
    await admin("DELETE", "/faults");
    const eps = await endpoints();
    expect(eps).toHaveLength(1);
    const state = readFileSync(rig.ws.stateFile(), "utf8");
    expect(state).toContain(eps[0].id);
    expect(state).not.toMatch(/whsec_/);
    await rig.ws.mustRun(["destroy", "--yes", "--skip-preview"]);
  });

  it("adopts an existing endpoint without rotating its secret", async () => {
    const existing = await api("POST", "/api/v1/webhook_endpoints", { url: `${receiverUrl}/adopted`, events: ["ping"] });
    receiverSecrets.set("/adopted", existing.secret);
    const cfg = config(["conversion.created"]);
    rig.ws.writeConfig({
      ...cfg,
      "selgeo:webhookEndpoints": { legacy: { url: `${receiverUrl}/adopted`, events: ["conversion.created", "commission.created"], adoptId: existing.id } },
    });
    await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
    const eps = await endpoints();
    expect(eps.map((e) => e.id)).toEqual([existing.id]);
    expect([...eps[0].events].sort()).toEqual(["commission.created", "conversion.created"]);
    // The receiver still verifies deliveries with the secret it had before the adoption.
    const ping = await api("POST", `/api/v1/webhook_endpoints/${existing.id}/ping`, {});
    expect(ping.status).toBe("succeeded");
    await rig.ws.mustRun(["destroy", "--yes", "--skip-preview"]);
    rig.ws.writeConfig(cfg);
  });

  it("a live key on a test stack fails at preview naming the config path, with no request sent", async () => {
    await admin("DELETE", "/requests");
    const wrongKey = rig.sandbox.info.keys.live.sk;
    const r = await rig.ws.run(["preview"], { SELGEO_SECRET_KEY: wrongKey });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/selgeo:secretKey: a live-mode key on a test stack/);
    expect((r.stdout + r.stderr).includes(wrongKey)).toBe(false);
    expect((await admin("GET", "/requests")).total).toBe(0);
  });
});
