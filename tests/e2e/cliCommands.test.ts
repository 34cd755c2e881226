/**
 * `golive verify`, `golive checklist` and `golive cleanup-test` run as child processes
 * (`node bin/golive.js …`) against a stack deployed once with the real Pulumi CLI on the sandbox,
 * moto and a webhook receiver that verifies signatures.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { secrets as runtimeSecrets } from "@selgeo-golive/runtime";
import { goLiveConfig, signedWith, useRehearsal } from "./helpers/rehearsal";

const { readGeneratedSecret } = runtimeSecrets;

/** How /orders answers: verify signatures (the good receiver) or fail with 500. */
let ordersMode: "verify" | "500" = "verify";
const secrets = new Map<string, string>();
let out: Record<string, any>;

const rig = useRehearsal({
  receiver: (d) => {
    // /lax: a receiver that accepts everything (does not validate signatures).
    if (d.path === "/lax") return 200;
    if (d.path === "/orders" && ordersMode === "500") return 500;
    return signedWith(d, secrets.get(d.path)) ? 200 : 400;
  },
  stack: "clicmd",
  config: (r) =>
    goLiveConfig(r, {
      events: ["conversion.created", "commission.created", "commission.refunded", "conversion.fraud_detected", "participant.approved"],
      commissionRules: { standard: { type: "percentage", percentage: 20, holdPeriodDays: 0, autoApprove: true } },
    }),
  up: true,
});
const api = (method: string, p: string, body?: unknown, key?: string) => rig.api(method, p, body, key);
/** `golive <args>` in the project folder with the workspace's environment (no test key unless given). */
const golive = (args: string[], extraEnv: Record<string, string> = {}) => rig.golive(args, { env: { SELGEO_TEST_SECRET_KEY: undefined, ...extraEnv } });
let receiverUrl = "";

async function stripeAdmin(p: string, body: unknown): Promise<any> {
  const res = await fetch(`${rig.sandbox.stripeUrl}${p}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${p} -> ${res.status} ${await res.text()}`);
  return res.json();
}

beforeAll(async () => {
  receiverUrl = rig.receiver.url;
  out = await rig.ws.outputs(true);
  const { value } = await readGeneratedSecret({ arn: out.webhookSecretArns.orders, ...rig.moto.clientConfig });
  secrets.set("/orders", value);
}, 60_000);

describe("golive verify / checklist / cleanup-test on a deployed stack", { timeout: 120_000 }, () => {
  it("verify passes on a good stack", async () => {
    const r = await golive(["verify", "--stack", "clicmd", "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.passed).toBe(true);
    const by = (check: string) => report.checks.find((c: any) => c.check === check);
    expect(by("ping").status).toBe("passed");
    expect(by("ping").evidence).toMatch(/del_\w+ succeeded, HTTP 200/);
    expect(by("forged ping rejected").status).toBe("passed");
    expect(by("forged ping rejected").evidence).toMatch(/HTTP 400/);
    expect(by("signature with the Secrets Manager secret").status).toBe("passed");
    expect(by("stripe test event").status).toBe("passed");
    expect(by("stripe test event").evidence).toMatch(/evt_\w+.*valid signature/);
    // the human form too
    const human = await golive(["verify", "--stack", "clicmd"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/verification passed/);
  });

  it("verify fails, naming the endpoint, when the receiver answers 500", async () => {
    ordersMode = "500";
    try {
      const r = await golive(["verify", "--stack", "clicmd"]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/ping \[orders\]\s+✘ failed.*HTTP 500/);
      expect(r.stdout).toMatch(/verification FAILED: .*ping \[orders\]/);
    } finally {
      ordersMode = "verify";
    }
  });

  it("verify fails when the receiver accepts forged signatures", async () => {
    const id = out.webhookEndpointIds.orders;
    await api("POST", `/api/v1/webhook_endpoints/${id}`, { url: `${receiverUrl}/lax` });
    try {
      const r = await golive(["verify", "--stack", "clicmd", "--json"]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const forged = JSON.parse(r.stdout).checks.find((c: any) => c.check === "forged ping rejected");
      expect(forged.status).toBe("failed");
      expect(forged.target).toBe("orders");
      expect(forged.evidence).toMatch(/ACCEPTED a wrongly signed ping/);
    } finally {
      await api("POST", `/api/v1/webhook_endpoints/${id}`, { url: `${receiverUrl}/orders` });
    }
  });

  it("checklist: nine items; the full flow needs attention until a purchase and a refund went through", async () => {
    const before = await golive(["checklist", "--stack", "clicmd", "--json"]);
    expect(before.code, before.stdout + before.stderr).toBe(0);
    const items = JSON.parse(before.stdout) as Array<{ item: string; title: string; status: string; evidence: string }>;
    expect(items.map((i) => i.item)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "post-launch"]);
    const st = (list: typeof items, item: string) => list.find((i) => i.item === item)!;
    expect(st(items, "1").status).toBe("passed");
    expect(st(items, "2").status).toBe("passed");
    expect(st(items, "2").evidence).toMatch(/charge\.refunded, checkout\.session\.completed, invoice\.paid/);
    expect(st(items, "3").status).toBe("needs_attention"); // the receiver is on 127.0.0.1
    expect(st(items, "4").status).toBe("passed");
    expect(st(items, "5").evidence).toMatch(/X-RateLimit-Limit \d+/);
    expect(st(items, "6").status).toBe("passed");
    expect(st(items, "7").status).toBe("needs_attention");
    expect(st(items, "7").evidence).toMatch(/run the full flow/);
    expect(st(items, "8").status).toBe("passed");
    expect(st(items, "8").evidence).toContain(out.inviteUrl);

    const prog = out.programId as string;
    const partner = await api("POST", `/api/v1/programs/${prog}/participants`, { email: "pat@partner.example", name: "Pat" });
    await api("POST", `/api/v1/programs/${prog}/participants/${partner.id}/approve`);
    const click = await api("POST", "/v1/clicks", { program: prog, partner: partner.id, url: "https://shop.example/pricing" }, rig.sandbox.info.keys.test.pk);
    const checkout = await stripeAdmin("/_stripe/checkout", { amount_total: 10_000, currency: "usd", client_reference_id: click.id, wait: true });
    await stripeAdmin("/_stripe/refund", { payment_intent: checkout.payment_intent.id, wait: true });

    const after = await golive(["checklist", "--stack", "clicmd", "--json"]);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    const items2 = JSON.parse(after.stdout);
    expect(st(items2, "7").status).toBe("passed");
    expect(st(items2, "7").evidence).toMatch(/1 conversion\(s\), 1 commission\(s\), 1 refunded/);
    expect(["passed", "needs_attention"]).toContain(st(items2, "post-launch").status);
    const human = await golive(["checklist", "--stack", "clicmd"]);
    expect(human.stdout).toMatch(/7 Test the full flow\s+✔ passed/);
  });

  it("cleanup-test lists planted test data, removes it only with --apply, and refuses a live key", async () => {
    const planted = await api("POST", "/api/v1/webhook_endpoints", { url: "http://localhost:9999/hooks", events: ["ping"] });
    const draft = await api("POST", "/api/v1/programs", { name: "Integration test program" });
    expect(draft.status).toBe("draft");

    const dry = await golive(["cleanup-test", "--stack", "clicmd", "--json"]);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.applied).toBe(false);
    expect(plan.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "webhook_endpoint", id: planted.id, action: "delete", result: "planned" }),
        expect.objectContaining({ kind: "program", id: draft.id, action: "archive", result: "planned" }),
      ]),
    );
    // The stack's own endpoint (on 127.0.0.1) is left to pulumi destroy.
    expect(plan.entries.map((e: any) => e.id)).not.toContain(out.webhookEndpointIds.orders);
    // A dry run changed nothing.
    expect((await api("GET", `/api/v1/webhook_endpoints/${planted.id}`)).id).toBe(planted.id);

    const applied = await golive(["cleanup-test", "--stack", "clicmd", "--apply"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(new RegExp(`${planted.id}\\s+deleted`));
    expect(applied.stdout).toMatch(new RegExp(`${draft.id}\\s+archived`));
    await expect(api("GET", `/api/v1/webhook_endpoints/${planted.id}`)).rejects.toMatchObject({ status: 404 });
    expect((await api("GET", `/api/v1/programs/${draft.id}`)).status).toBe("archived");
    expect((await api("GET", `/api/v1/webhook_endpoints/${out.webhookEndpointIds.orders}`)).status).toBe("enabled");
    expect((await api("GET", `/api/v1/programs/${out.programId}`)).status).toBe("active");

    const live = await golive(["cleanup-test", "--stack", "clicmd", "--apply", "--test-key", rig.sandbox.info.keys.live.sk]);
    expect(live.code).not.toBe(0);
    expect(live.stderr).toMatch(/LIVE key.*refuses live keys/);
    expect(live.stderr).not.toContain(rig.sandbox.info.keys.live.sk);
    const liveEnv = await golive(["cleanup-test", "--stack", "clicmd"], { SELGEO_TEST_SECRET_KEY: rig.sandbox.info.keys.live.sk });
    expect(liveEnv.code).not.toBe(0);
    expect(liveEnv.stderr).toMatch(/LIVE key/);
  });
});
