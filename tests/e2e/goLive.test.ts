/**
 * The whole checklist set through the real Pulumi CLI: webhook endpoints, the Stripe endpoint
 * (official SDK against the sandbox's Stripe emulator), Selgeo's Stripe integration, a program
 * with commission rules, and its status applied last. Then drift of each kind, repaired by `up`,
 * and a purchase and a refund flowing from Stripe through Selgeo to a verifying receiver.
 */
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { secrets as runtimeSecrets } from "@selgeo-golive/runtime";
import { stripeFor } from "../contract/sandbox/stripe/helpers";
import { goLiveConfig, signedWith, useRehearsal, waitFor } from "./helpers/rehearsal";

const { readGeneratedSecret } = runtimeSecrets;

const secrets = new Map<string, string>();
const received: Array<{ type: string; verified: boolean; body: any }> = [];

const rig = useRehearsal(
  {
    receiver: (d) => {
      const verified = signedWith(d, secrets.get(d.path));
      const body = JSON.parse(d.body);
      received.push({ type: body.type, verified, body });
      return verified ? 200 : 400;
    },
    stack: "golive",
    config: (r) =>
      goLiveConfig(r, {
        events: ["conversion.created", "commission.created", "commission.refunded", "conversion.fraud_detected", "participant.approved"],
        commissionRules: {
          standard: { type: "percentage", percentage: 20, holdPeriodDays: 0, autoApprove: true },
          launch: { type: "flat", flatAmount: 500, currency: "usd", appliesTo: ["checkout.session.completed"] },
        },
        extra: { "selgeo:publishableKey": r.sandbox.info.keys.test.pk },
      }),
  },
  180_000,
);
const api = (method: string, p: string, body?: unknown, key?: string) => rig.api(method, p, body, key);
let stripe: Stripe;
beforeAll(() => {
  stripe = stripeFor(rig.sandbox, "test");
});

async function post(base: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${p}`, { method: body === undefined ? "DELETE" : "POST", headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.status === 204 ? undefined : res.json();
}

const get = async (base: string, p: string): Promise<any> => (await fetch(`${base}${p}`)).json();
const writes = (c: { by_method: Record<string, number> }) => (c.by_method.POST ?? 0) + (c.by_method.DELETE ?? 0);

describe("the whole go-live with the real Pulumi CLI", { timeout: 300_000 }, () => {
  let out: Record<string, any>;

  it("goes up in one `pulumi up`, the program becoming active last", async () => {
    const up = await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
    const createdAt = (name: string) => up.stdout.search(new RegExp(`${name}.*created`));
    const statusLine = createdAt("selgeo:ProgramStatus program");
    expect(statusLine).toBeGreaterThan(0);
    for (const other of ["selgeo:WebhookEndpoint orders", "stripe:WebhookEndpoint stripe", "selgeo:StripeIntegration stripe", "selgeo:CommissionRule standard", "selgeo:CommissionRule launch"]) {
      expect(createdAt(other), other).toBeGreaterThan(0);
      expect(createdAt(other), other).toBeLessThan(statusLine);
    }
    out = await rig.ws.outputs(true);
    const prog = await api("GET", `/api/v1/programs/${out.programId}`);
    expect(prog.status).toBe("active");
    expect(out.inviteUrl).toBe(prog.invite_url);
    expect(out.applicationUrl).toBe(prog.application_url);
    expect(out.trackingSnippet).toContain(`data-merchant="${rig.sandbox.info.keys.test.pk}"`);
    const integration = await api("GET", "/api/v1/integrations/stripe");
    expect(integration.connected).toBe(true);
    expect(integration.webhook_secret_configured).toBe(true);
    const stripeEp = await stripe.webhookEndpoints.retrieve(out.stripeWebhookEndpointId);
    expect(stripeEp.url).toBe(integration.webhook_url);
    expect([...stripeEp.enabled_events].sort()).toEqual(["charge.refunded", "checkout.session.completed", "invoice.paid"]);
    const rules = (await api("GET", `/api/v1/programs/${out.programId}/commission_rules`)).data;
    expect(rules).toHaveLength(2);
    // The signing secret lives in Secrets Manager only; the receiver reads it from there.
    const { value } = await readGeneratedSecret({ arn: out.webhookSecretArns.orders, ...rig.moto.clientConfig });
    secrets.set("/orders", value);
  });

  it("a second up writes nothing to Selgeo or Stripe", async () => {
    await post(rig.sandbox.url, "/_sandbox/requests");
    await post(rig.sandbox.stripeUrl, "/_stripe/requests");
    const r = await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
    expect(r.stdout).not.toMatch(/created|updated|deleted|replaced/);
    expect(writes(await get(rig.sandbox.url, "/_sandbox/requests"))).toBe(0);
    expect(writes(await get(rig.sandbox.stripeUrl, "/_stripe/requests"))).toBe(0);
  });

  it("changes behind Pulumi's back are each reported by refresh and repaired by up", async () => {
    const rules = (await api("GET", `/api/v1/programs/${out.programId}/commission_rules`)).data as any[];
    const standard = rules.find((r) => r.type === "percentage");
    const launch = rules.find((r) => r.type === "flat");
    await api("POST", `/api/v1/programs/${out.programId}/commission_rules/${standard.id}`, { percentage: 35 });
    await api("DELETE", `/api/v1/programs/${out.programId}/commission_rules/${launch.id}`);
    await stripe.webhookEndpoints.update(out.stripeWebhookEndpointId, { disabled: true });
    await stripe.webhookEndpoints.update(out.stripeWebhookEndpointId, { enabled_events: ["checkout.session.completed", "invoice.paid"] });
    await api("POST", `/api/v1/programs/${out.programId}`, { status: "paused" });

    const drift = await rig.ws.run(["preview", "--refresh", "--expect-no-changes", "--diff"]);
    const text = drift.stdout + drift.stderr;
    expect(drift.code).not.toBe(0);
    expect(text).toMatch(/percentage\s*: 35 => 20/);
    expect(text).toMatch(/\+ pulumi-nodejs:dynamic\/selgeo:CommissionRule: \(create\)[\s\S]*launch|launch[\s\S]*create/);
    expect(text).toMatch(/enabled\s*: false => true/);
    expect(text).toMatch(/charge\.refunded/);
    expect(text).toMatch(/status\s*: "paused" => "active"/);

    await rig.ws.mustRun(["up", "--refresh", "--yes", "--skip-preview"]);
    const after = (await api("GET", `/api/v1/programs/${out.programId}/commission_rules`)).data as any[];
    expect(after).toHaveLength(2);
    expect(after.find((r) => r.id === standard.id).percentage).toBe(20);
    expect(after.some((r) => r.type === "flat" && r.flat_amount === 500)).toBe(true);
    const ep = await stripe.webhookEndpoints.retrieve(out.stripeWebhookEndpointId);
    expect(ep.status).toBe("enabled");
    expect(ep.enabled_events).toContain("charge.refunded");
    expect((await api("GET", `/api/v1/programs/${out.programId}`)).status).toBe("active");

    const clean = await rig.ws.run(["preview", "--refresh", "--expect-no-changes"]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
  });

  it("a purchase and a refund on the Stripe emulator reach the merchant as signed webhooks", async () => {
    const prog = out.programId as string;
    const partner = await api("POST", `/api/v1/programs/${prog}/participants`, { email: "pat@partner.example", name: "Pat" });
    await api("POST", `/api/v1/programs/${prog}/participants/${partner.id}/approve`);
    const click = await api("POST", "/v1/clicks", { program: prog, partner: partner.id, url: "https://shop.example/pricing" }, rig.sandbox.info.keys.test.pk);
    expect(click.id).toMatch(/^clk_/);

    const checkout = await post(rig.sandbox.stripeUrl, "/_stripe/checkout", { amount_total: 10_000, currency: "usd", client_reference_id: click.id, wait: true });
    const created = await waitFor("commission.created", () => (received.filter((r) => r.type === "commission.created").length >= 2 ? received : undefined));
    expect(created.filter((r) => r.type === "conversion.created" && r.verified)).toHaveLength(1);
    expect(created.filter((r) => r.type === "commission.created").every((r) => r.verified)).toBe(true);
    const commissions = (await api("GET", `/api/v1/commissions?program=${prog}`)).data as any[];
    expect(commissions.map((c) => c.amount).sort((a, b) => a - b)).toEqual([500, 2000]);

    await post(rig.sandbox.stripeUrl, "/_stripe/refund", { payment_intent: checkout.payment_intent.id, wait: true });
    const refunded = await waitFor("commission.refunded", () => {
      const r = received.filter((x) => x.type === "commission.refunded");
      return r.length >= 2 ? r : undefined;
    });
    expect(refunded.every((r) => r.verified)).toBe(true);
    const events = (await api("GET", "/api/v1/integrations/stripe/events?limit=100")).data as any[];
    expect(events.filter((e) => e.signature_valid).map((e) => e.type)).toEqual(expect.arrayContaining(["checkout.session.completed", "charge.refunded"]));
  });
});
