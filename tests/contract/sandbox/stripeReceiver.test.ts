import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttributionAuditLog, Commission, CommissionList, Conversion, ConversionList, StripeEventLogList } from "@selgeo-golive/runtime";
import { call, expectError, useSandbox } from "./helpers";
import type { Merchant } from "./flowHelpers";
import { checkoutSession, rand, setUpMerchant, stripeEvent, stripeSignature } from "./flowHelpers";

const DAY = 86_400;

describe("sandbox: the public Stripe receiver", () => {
  let m: Merchant;

  const sb = useSandbox({ deliveryTimeoutMs: 2_000 });
  beforeAll(async () => {
    m = await setUpMerchant(sb);
  });
  afterAll(async () => {
    await m?.close();
  });

  const stripeLog = async (key = m.sk) => StripeEventLogList.parse((await call(sb.url, "GET", "/api/v1/integrations/stripe/events?limit=100", { key })).body).data;
  const auditLog = async (query = "") => AttributionAuditLog.parse((await call(sb.url, "GET", `/api/v1/attribution_audit_log?limit=100${query}`, { key: m.sk })).body).data;
  const conversions = async (query = "") => ConversionList.parse((await call(sb.url, "GET", `/api/v1/conversions?limit=100${query}`, { key: m.sk })).body).data;
  const commissionsOf = async (conversion: string) => CommissionList.parse((await call(sb.url, "GET", `/api/v1/commissions?conversion=${conversion}`, { key: m.sk })).body).data;

  it("rejects a bad or missing signature with 400 and logs it", async () => {
    const event = stripeEvent("checkout.session.completed", checkoutSession());
    const raw = JSON.stringify(event);
    const forged = await m.sendStripe(event, { signature: stripeSignature(`whsec_${rand()}`, raw) });
    expect(expectError(forged, 400, "signature_verification_failed").message).toMatch(/Stripe-Signature|signing secret/);
    const stale = await m.sendStripe(event, { signature: stripeSignature(m.stripeSecret, raw, Math.floor(Date.now() / 1000) - 301) });
    expect(expectError(stale, 400, "signature_verification_failed").message).toMatch(/tolerance is 300 s/);
    const missing = await fetch(m.webhookUrl, { method: "POST", body: raw });
    expect(missing.status).toBe(400);

    const log = (await stripeLog()).filter((e) => e.id === event.id);
    expect(log).toHaveLength(3);
    for (const entry of log) expect(entry).toMatchObject({ object: "stripe_event", type: "checkout.session.completed", livemode: false, signature_valid: false, processed: false });
    expect(log.map((e) => e.error)).toEqual([expect.stringMatching(/^missing_header/), expect.stringMatching(/^timestamp_outside_tolerance/), expect.stringMatching(/^signature_mismatch/)]);
    expect(await conversions()).toHaveLength(0);
    // Even an unverifiable event is logged once it reaches a merchant's receiver…
    expect(expectError(await m.sendStripe(event, { url: m.webhookUrl.replace(/\/test$/, "/live") }), 400, "webhook_secret_not_configured").message).toMatch(/webhook_signing_secret/);
    expect((await stripeLog(m.liveSk)).find((e) => e.id === event.id)).toMatchObject({ signature_valid: false, error: expect.stringMatching(/^webhook_secret_not_configured/) });
    // …but an unknown merchant or mode has no receiver at all.
    expect((await m.sendStripe(event, { url: m.webhookUrl.replace(/\/test$/, "/staging") })).status).toBe(404);
  });

  it("accepts events signed by the official SDK's test header", async () => {
    const event = stripeEvent("customer.created", { id: `cus_${rand()}`, object: "customer" });
    const payload = JSON.stringify(event);
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: m.stripeSecret });
    const res = await m.sendStripe(event, { signature: header });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ received: true, processed: false });
    expect((await stripeLog()).find((e) => e.id === event.id)).toMatchObject({ signature_valid: true, processed: false, error: expect.stringMatching(/^unhandled_event_type/) });
  });

  it("checkout → conversion, attributed customer, commission, signed conversion.created and commission.created", async () => {
    const click = await m.click();
    const session = checkoutSession({ client_reference_id: click, amount_total: 12_345, fee_amount: 388 });
    const event = stripeEvent("checkout.session.completed", session);
    const res = await m.sendStripe(event);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ received: true, processed: true });

    const [conv] = await conversions(`&click=${click}`);
    expect(conv).toMatchObject({
      object: "conversion", livemode: false, program: m.program, partner: m.partner, click, source: "stripe", stripe_event_type: "checkout.session.completed",
      stripe_event: event.id, customer: session.customer, payment_intent: session.payment_intent, amount: 12_345, currency: "usd", fee: 388, recurring: false,
      status: "recorded", fraud_suspected: false, refunded_amount: 0,
    });
    const [com] = await commissionsOf(conv.id);
    expect(com).toMatchObject({ object: "commission", conversion: conv.id, partner: m.partner, commission_rule: m.rule, amount: 2_469, currency: "usd", status: "pending", refunded_amount: 0 });
    expect(com.available_on! - com.created).toBe(30 * DAY);
    expect(conv.commissions).toEqual([com.id]);

    const [created] = await m.waitForEvents("conversion.created", 1, (e) => e.data.object.id === conv.id);
    expect(created.data.object).toMatchObject({ id: conv.id, amount: 12_345, partner: m.partner });
    const [comCreated] = await m.waitForEvents("commission.created", 1, (e) => e.data.object.id === com.id);
    expect(Commission.parse(comCreated.data.object)).toMatchObject({ id: com.id, amount: 2_469 });
    expect(m.delivered.every((d) => d.verified)).toBe(true);

    const audit = await auditLog(`&conversion=${conv.id}`);
    expect(audit.map((a) => a.type).sort()).toEqual(["attributed", "customer_attributed"]);
    expect(audit.find((a) => a.type === "attributed")).toMatchObject({ click, partner: m.partner, program: m.program, stripe_event: event.id });
    expect((await stripeLog()).find((e) => e.id === event.id)).toMatchObject({ signature_valid: true, processed: true, duplicate_deliveries: 0, error: null });
  });

  it("dedupes a redelivered event by Stripe event id", async () => {
    const event = stripeEvent("checkout.session.completed", checkoutSession({ client_reference_id: await m.click() }));
    expect((await m.sendStripe(event)).body).toEqual({ received: true, processed: true });
    const again = await m.sendStripe(event);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
    expect((await conversions()).filter((c) => c.stripe_event === event.id)).toHaveLength(1);
    const entries = (await stripeLog()).filter((e) => e.id === event.id);
    expect(entries).toHaveLength(1);
    expect(entries[0].duplicate_deliveries).toBe(1);
    expect((await auditLog("&type=duplicate_ignored")).some((a) => a.stripe_event === event.id)).toBe(true);
  });

  it("ignores (and logs) an event of the other mode", async () => {
    const event = stripeEvent("checkout.session.completed", checkoutSession({ client_reference_id: await m.click() }), true);
    const res = await m.sendStripe(event);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, ignored: "mode_mismatch" });
    expect((await conversions()).filter((c) => c.stripe_event === event.id)).toHaveLength(0);
    expect((await stripeLog()).find((e) => e.id === event.id)).toMatchObject({ livemode: true, signature_valid: true, processed: false, error: expect.stringMatching(/^mode_mismatch/) });
    expect((await auditLog("&type=mode_mismatch")).map((a) => a.stripe_event)).toContain(event.id);
  });

  it("audits checkouts without a click or with an unknown click, and creates nothing", async () => {
    const none = stripeEvent("checkout.session.completed", checkoutSession());
    const unknown = stripeEvent("checkout.session.completed", checkoutSession({ metadata: { selgeo_click_id: `clk_${rand()}` } }));
    expect((await m.sendStripe(none)).status).toBe(200);
    expect((await m.sendStripe(unknown)).status).toBe(200);
    expect((await auditLog("&type=no_click")).map((a) => a.stripe_event)).toContain(none.id);
    expect((await auditLog("&type=unknown_click")).map((a) => a.stripe_event)).toContain(unknown.id);
    expect((await conversions()).filter((c) => c.stripe_event === none.id || c.stripe_event === unknown.id)).toEqual([]);
  });

  it("charge.refunded: partial then full refund → commission.refunded each time", async () => {
    const session = checkoutSession({ client_reference_id: await m.click(), amount_total: 10_000 });
    await m.sendStripe(stripeEvent("checkout.session.completed", session));
    const [conv] = (await conversions()).filter((c) => c.payment_intent === session.payment_intent);
    const [com] = await commissionsOf(conv.id);
    expect(com.amount).toBe(2_000);

    const charge = { id: `ch_${rand()}`, object: "charge", payment_intent: session.payment_intent, amount: 10_000, currency: "usd" };
    const partial = stripeEvent("charge.refunded", { ...charge, amount_refunded: 2_500 });
    expect((await m.sendStripe(partial)).body).toEqual({ received: true, processed: true });
    const [r1] = await m.waitForEvents("commission.refunded", 1, (e) => e.data.object.id === com.id);
    expect(r1.data.object).toMatchObject({ status: "partially_refunded", refunded_amount: 500, amount: 2_000 });
    expect(Conversion.parse((await call(sb.url, "GET", `/api/v1/conversions/${conv.id}`, { key: m.sk })).body)).toMatchObject({ status: "partially_refunded", refunded_amount: 2_500 });

    const full = stripeEvent("charge.refunded", { ...charge, amount_refunded: 10_000 });
    await m.sendStripe(full);
    const both = await m.waitForEvents("commission.refunded", 2, (e) => e.data.object.id === com.id);
    expect(both[1].data.object).toMatchObject({ status: "refunded", refunded_amount: 2_000 });
    expect((await call(sb.url, "GET", `/api/v1/commissions/${com.id}`, { key: m.sk })).body).toMatchObject({ status: "refunded", refunded_amount: 2_000 });
    expect((await auditLog(`&conversion=${conv.id}&type=refund_applied`))).toHaveLength(2);

    const stray = stripeEvent("charge.refunded", { ...charge, payment_intent: `pi_${rand()}`, amount_refunded: 100 });
    await m.sendStripe(stray);
    expect((await auditLog("&type=refund_unmatched")).map((a) => a.stripe_event)).toContain(stray.id);
    expect(m.delivered.every((d) => d.verified)).toBe(true);
  });
});

describe("sandbox: recurring commissions, fee data and holds", () => {
  const sb = useSandbox({ deliveryTimeoutMs: 2_000 });

  it("invoice.paid earns recurring commissions inside recurring_months only", async () => {
    const m = await setUpMerchant(sb, { type: "percentage", percentage: 10, recurring_months: 1 });
    try {
      const customer = `cus_${rand()}`;
      const session = checkoutSession({ client_reference_id: await m.click(), customer, amount_total: 5_000, subscription: `sub_${rand()}` });
      await m.sendStripe(stripeEvent("checkout.session.completed", session));
      const invoice = (over: Record<string, unknown>) => ({ id: `in_${rand()}`, object: "invoice", customer, amount_paid: 5_000, currency: "usd", subscription: session.subscription, payment_intent: `pi_${rand()}`, ...over });

      // The subscription's first invoice is paid by the checkout already recorded: not twice.
      const first = stripeEvent("invoice.paid", invoice({ payment_intent: session.payment_intent }));
      await m.sendStripe(first);
      const list = async () => ConversionList.parse((await call(sb.url, "GET", `/api/v1/conversions?customer=${customer}`, { key: m.sk })).body).data;
      expect(await list()).toHaveLength(1);

      await call(sb.url, "POST", "/_sandbox/clock/advance", { body: { seconds: 20 * DAY } });
      await m.sendStripe(stripeEvent("invoice.paid", invoice({})));
      const inside = (await list())[0];
      expect(inside).toMatchObject({ recurring: true, source: "stripe", stripe_event_type: "invoice.paid", partner: m.partner, click: null, amount: 5_000 });
      expect(inside.commissions).toHaveLength(1);
      expect((await call(sb.url, "GET", `/api/v1/commissions/${inside.commissions[0]}`, { key: m.sk })).body).toMatchObject({ amount: 500, status: "pending" });

      await call(sb.url, "POST", "/_sandbox/clock/advance", { body: { seconds: 15 * DAY } });
      const late = stripeEvent("invoice.paid", invoice({}));
      await m.sendStripe(late);
      const outside = (await list())[0];
      expect(outside).toMatchObject({ recurring: true, stripe_event: late.id });
      expect(outside.commissions).toEqual([]);
      const audit = AttributionAuditLog.parse((await call(sb.url, "GET", `/api/v1/attribution_audit_log?conversion=${outside.id}`, { key: m.sk })).body).data;
      expect(audit.map((a) => a.type).sort()).toEqual(["outside_recurring_window", "recurring"]);

      const stranger = stripeEvent("invoice.paid", invoice({ customer: `cus_${rand()}` }));
      await m.sendStripe(stranger);
      const noAttr = AttributionAuditLog.parse((await call(sb.url, "GET", "/api/v1/attribution_audit_log?type=no_attribution", { key: m.sk })).body).data;
      expect(noAttr.map((a) => a.stripe_event)).toContain(stranger.id);
    } finally {
      await m.close();
    }
  });

  it("net basis: computed after the fee with fee data, needs_review without", async () => {
    const m = await setUpMerchant(sb, { type: "percentage", percentage: 10, basis: "net", auto_approve: true, hold_period_days: 0 });
    try {
      const withFee = checkoutSession({ client_reference_id: await m.click(), amount_total: 10_000, fee_amount: 320 });
      await m.sendStripe(stripeEvent("checkout.session.completed", withFee));
      const c1 = CommissionList.parse((await call(sb.url, "GET", `/api/v1/commissions?program=${m.program}`, { key: m.sk })).body).data[0];
      expect(c1).toMatchObject({ amount: 968, status: "approved" });
      await m.waitForEvents("commission.approved", 1, (e) => e.data.object.id === c1.id);

      await call(sb.url, "POST", "/_sandbox/stripe_integration", { body: { account_id: m.accountId, livemode: false, fee_data_available: false } });
      const noFee = checkoutSession({ client_reference_id: await m.click(), amount_total: 10_000, fee_amount: 320 });
      await m.sendStripe(stripeEvent("checkout.session.completed", noFee));
      const review = CommissionList.parse((await call(sb.url, "GET", "/api/v1/commissions?status=needs_review", { key: m.sk })).body).data;
      expect(review).toHaveLength(1);
      expect(review[0]).toMatchObject({ amount: 1_000, status: "needs_review", reason: expect.stringMatching(/^fee_unknown/) });
      // A reviewer settles the amount.
      const approved = await call(sb.url, "POST", `/api/v1/commissions/${review[0].id}/approve`, { key: m.sk, body: { amount: 968 } });
      expect(approved.body).toMatchObject({ status: "approved", amount: 968, reason: null });
    } finally {
      await m.close();
    }
  });

  it("a hold ends with a clock advance: pending → approved and commission.approved delivered", async () => {
    const m = await setUpMerchant(sb, { type: "flat", flat_amount: 1_500, currency: "usd", hold_period_days: 7, auto_approve: true });
    try {
      await m.sendStripe(stripeEvent("checkout.session.completed", checkoutSession({ client_reference_id: await m.click() })));
      const [com] = CommissionList.parse((await call(sb.url, "GET", `/api/v1/commissions?program=${m.program}`, { key: m.sk })).body).data;
      expect(com).toMatchObject({ amount: 1_500, status: "pending", auto_approve: true, approved_at: null });
      await call(sb.url, "POST", "/_sandbox/clock/advance", { body: { seconds: 6 * DAY } });
      expect((await call(sb.url, "GET", `/api/v1/commissions/${com.id}`, { key: m.sk })).body.status).toBe("pending");
      await call(sb.url, "POST", "/_sandbox/clock/advance", { body: { seconds: DAY } });
      const [event] = await m.waitForEvents("commission.approved", 1, (e) => e.data.object.id === com.id);
      expect(event.data.object).toMatchObject({ status: "approved", approved_at: expect.any(Number) });
      expect((await call(sb.url, "GET", `/api/v1/commissions/${com.id}`, { key: m.sk })).body.status).toBe("approved");
    } finally {
      await m.close();
    }
  });
});
