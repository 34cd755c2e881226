import Stripe from "stripe";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { VerifyingReceiver } from "./helpers";
import { eventually, startVerifyingReceiver, stripeCall, stripeFor, useSandbox } from "./helpers";

const SELGEO_EVENTS = ["checkout.session.completed", "invoice.paid", "charge.refunded"] as const;

describe("Stripe emulator: signed event delivery, verified by the SDK's constructEvent", () => {
  let test: Stripe;
  let receiver: VerifyingReceiver;
  let endpoint: Stripe.WebhookEndpoint;

  const sb = useSandbox();
  beforeAll(async () => {
    test = stripeFor(sb, "test");
  });

  async function withEndpoint(events: readonly string[] = SELGEO_EVENTS): Promise<void> {
    receiver = await startVerifyingReceiver();
    endpoint = await test.webhookEndpoints.create({ url: receiver.url, enabled_events: events as Stripe.WebhookEndpointCreateParams.EnabledEvent[] });
    receiver.secret = endpoint.secret!;
  }
  afterEach(async () => {
    if (endpoint) await test.webhookEndpoints.del(endpoint.id).catch(() => undefined);
    await receiver?.close();
  });

  it("test_event: a dashboard-style test event reaches the endpoint and verifies", async () => {
    await withEndpoint();
    const res = await stripeCall(sb, "POST", "/_stripe/test_event", { body: { wait: true } });
    expect(res.status).toBe(200);
    expect(res.body.deliveries).toHaveLength(1);
    expect(res.body.deliveries[0]).toMatchObject({ endpoint: endpoint.id, status: "succeeded", attempts: 1, response_status: 200 });
    const [d] = await receiver.waitFor(1);
    expect(d.error).toBeUndefined();
    expect(d.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = d.event!;
    expect(event).toMatchObject({ id: res.body.event.id, object: "event", type: "checkout.session.completed", livemode: false, pending_webhooks: 1, request: { id: null } });
    expect(typeof event.api_version).toBe("string");
    const session = event.data.object as Stripe.Checkout.Session;
    expect(session.object).toBe("checkout.session");
    expect(session.metadata).toEqual({ stripe_emulator_test_event: "true" });
    // The wire body is Stripe's pretty-printed JSON; verification is over those exact bytes.
    expect(d.raw).toContain('\n  "id": ');
    // The emulator also exposes the event through the API.
    expect((await test.events.retrieve(event.id)).type).toBe("checkout.session.completed");
  });

  it("a wrong secret is rejected by constructEvent (and the delivery counts as failed)", async () => {
    await withEndpoint();
    receiver.secret = "whsec_" + "x".repeat(32);
    const res = await stripeCall(sb, "POST", "/_stripe/test_event", { body: { endpoint: endpoint.id, type: "invoice.paid", wait: true } });
    const [d] = await receiver.waitFor(1);
    expect(d.event).toBeUndefined();
    expect(d.error).toMatch(/No signatures found matching the expected signature/);
    expect(res.body.deliveries[0]).toMatchObject({ status: "pending", attempts: 1, response_status: 400 });
    // And the real secret verifies the very same bytes.
    expect(Stripe.webhooks.constructEvent(d.raw, d.signature, endpoint.secret!).type).toBe("invoice.paid");
    // A tampered body fails with the right secret too.
    expect(() => Stripe.webhooks.constructEvent(d.raw.replace('"invoice.paid"', '"charge.refunded"'), d.signature, endpoint.secret!)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it("checkout → invoice_paid → refund: Selgeo's three events, with the objects attribution needs", async () => {
    await withEndpoint();
    const checkout = await stripeCall(sb, "POST", "/_stripe/checkout", {
      body: { amount_total: 5000, currency: "USD", client_reference_id: "clk_123", metadata: { selgeo_click_id: "clk_123" }, wait: true },
    });
    expect(checkout.status).toBe(200);
    const { session, payment_intent, charge, customer, balance_transaction } = checkout.body;
    const fee = Math.round(5000 * 0.029) + 30;
    expect(session).toMatchObject({
      object: "checkout.session",
      amount_total: 5000,
      currency: "usd",
      customer: customer.id,
      payment_intent: payment_intent.id,
      client_reference_id: "clk_123",
      metadata: { selgeo_click_id: "clk_123" },
      mode: "payment",
      payment_status: "paid",
      livemode: false,
      fee_amount: fee,
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(customer.id).toMatch(/^cus_/);
    expect(payment_intent.id).toMatch(/^pi_/);
    expect(charge).toMatchObject({ amount: 5000, amount_refunded: 0, refunded: false, payment_intent: payment_intent.id, customer: customer.id, balance_transaction: balance_transaction.id });
    expect(balance_transaction).toMatchObject({ fee, net: 5000 - fee, source: charge.id });
    // Only the subscribed type was delivered, though customer/payment_intent/charge events exist too.
    expect(checkout.body.events.map((e: Stripe.Event) => e.type)).toEqual(["customer.created", "payment_intent.succeeded", "charge.succeeded", "checkout.session.completed"]);
    expect(checkout.body.deliveries).toHaveLength(1);

    const paid = await stripeCall(sb, "POST", "/_stripe/invoice_paid", { body: { customer: customer.id, amount_paid: 2500, currency: "usd", subscription: "sub_abc", fee_amount: 100, wait: true } });
    expect(paid.status).toBe(200);
    expect(paid.body.invoice).toMatchObject({ object: "invoice", customer: customer.id, amount_paid: 2500, currency: "usd", subscription: "sub_abc", fee_amount: 100 });
    expect(paid.body.invoice.payment_intent).toMatch(/^pi_/);

    const partial = await stripeCall(sb, "POST", "/_stripe/refund", { body: { payment_intent: payment_intent.id, amount: 1000, wait: true } });
    expect(partial.body.charge).toMatchObject({ id: charge.id, amount: 5000, amount_refunded: 1000, refunded: false });
    const rest = await stripeCall(sb, "POST", "/_stripe/refund", { body: { payment_intent: payment_intent.id, wait: true } });
    expect(rest.body.charge).toMatchObject({ amount_refunded: 5000, refunded: true });
    const again = await stripeCall(sb, "POST", "/_stripe/refund", { body: { payment_intent: payment_intent.id } });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe("charge_already_refunded");

    const got = await receiver.waitFor(4);
    expect(got.every((d) => d.error === undefined && d.status === 200)).toBe(true);
    expect(got.map((d) => d.event!.type)).toEqual(["checkout.session.completed", "invoice.paid", "charge.refunded", "charge.refunded"]);
    const completed = got[0].event!.data.object as Stripe.Checkout.Session & { fee_amount: number };
    expect(completed).toMatchObject({ id: session.id, client_reference_id: "clk_123", payment_intent: payment_intent.id, fee_amount: fee });
    const invoice = got[1].event!.data.object as unknown as Record<string, unknown>;
    expect(invoice).toMatchObject({ id: paid.body.invoice.id, object: "invoice", customer: customer.id, amount_paid: 2500, subscription: "sub_abc", fee_amount: 100 });
    const refunded = got[3].event!.data.object as Stripe.Charge;
    expect(refunded).toMatchObject({ object: "charge", id: charge.id, amount: 5000, amount_refunded: 5000, refunded: true, currency: "usd", payment_intent: payment_intent.id, customer: customer.id });
    expect((got[2].event!.data.object as Stripe.Charge).amount_refunded).toBe(1000);
    expect(got[3].event!.data.previous_attributes).toEqual({ amount_refunded: 1000, refunded: false });

    // The created objects are readable through the SDK.
    expect((await test.checkout.sessions.retrieve(session.id)).payment_status).toBe("paid");
    expect((await test.charges.retrieve(charge.id)).amount_refunded).toBe(5000);
    expect((await test.balanceTransactions.retrieve(balance_transaction.id)).fee).toBe(fee);
    expect((await test.customers.retrieve(customer.id)).id).toBe(customer.id);
    // Objects of one mode are invisible to the other.
    await expect(stripeFor(sb, "live").charges.retrieve(charge.id)).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("an existing customer is reused; unknown ids and bad amounts are Stripe-shaped errors", async () => {
    await withEndpoint(["*"]);
    const first = await stripeCall(sb, "POST", "/_stripe/checkout", { body: { amount_total: 1000, currency: "eur" } });
    const second = await stripeCall(sb, "POST", "/_stripe/checkout", { body: { amount_total: 1000, currency: "eur", customer: first.body.customer.id, fee_amount: 0 } });
    expect(second.body.session.customer).toBe(first.body.customer.id);
    expect(second.body.events.map((e: Stripe.Event) => e.type)).not.toContain("customer.created");
    expect(second.body.session.fee_amount).toBe(0);
    // '*' gets every event: 4 + 3.
    await receiver.waitFor(7);
    const bad = await stripeCall(sb, "POST", "/_stripe/checkout", { body: { amount_total: 10.5, currency: "usd" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: "invalid_request_error", param: "amount_total" });
    const noCustomer = await stripeCall(sb, "POST", "/_stripe/invoice_paid", { body: { customer: "cus_missing", amount_paid: 100, currency: "usd" } });
    expect(noCustomer.status).toBe(404);
    expect(noCustomer.body.error).toMatchObject({ code: "resource_missing", param: "customer" });
    const liveCustomer = await stripeCall(sb, "POST", "/_stripe/invoice_paid", { body: { livemode: true, customer: first.body.customer.id, amount_paid: 100, currency: "usd" } });
    expect(liveCustomer.status).toBe(404);
  });

  it("only enabled endpoints of the event's mode subscribed to its type receive it", async () => {
    await withEndpoint(["invoice.paid"]);
    const other = await startVerifyingReceiver();
    try {
      const disabled = await test.webhookEndpoints.create({ url: other.url, enabled_events: ["checkout.session.completed"] });
      other.secret = disabled.secret!;
      await test.webhookEndpoints.update(disabled.id, { disabled: true });
      const res = await stripeCall(sb, "POST", "/_stripe/checkout", { body: { amount_total: 700, currency: "usd", wait: true } });
      expect(res.body.deliveries).toEqual([]);
      const liveRes = await stripeCall(sb, "POST", "/_stripe/test_event", { body: { livemode: true, type: "invoice.paid" } });
      expect(liveRes.body.deliveries).toEqual([]);
      await new Promise((r) => setTimeout(r, 200));
      expect(receiver.deliveries).toHaveLength(0);
      expect(other.deliveries).toHaveLength(0);
      await test.webhookEndpoints.del(disabled.id);
    } finally {
      await other.close();
    }
  });

  it("a failed delivery is retried with backoff and logged", async () => {
    await withEndpoint(["invoice.paid"]);
    receiver.respond = (n) => (n === 1 ? 500 : 200);
    const res = await stripeCall(sb, "POST", "/_stripe/test_event", { body: { type: "invoice.paid", wait: true } });
    const id = res.body.deliveries[0].id;
    expect(res.body.deliveries[0]).toMatchObject({ status: "pending", attempts: 1, response_status: 500 });
    expect(res.body.deliveries[0].next_attempt_at).toBeGreaterThan(Date.now() - 100);
    const done = await eventually(async () => {
      const log = (await stripeCall(sb, "GET", `/_stripe/deliveries?endpoint=${endpoint.id}`)).body.data;
      const d = log.find((x: { id: string }) => x.id === id);
      return d?.status === "succeeded" ? d : undefined;
    });
    expect(done).toMatchObject({ attempts: 2, response_status: 200, next_attempt_at: null, event_type: "invoice.paid" });
    const [a, b] = await receiver.waitFor(2);
    // Every attempt sends the same event bytes.
    expect(b.raw).toBe(a.raw);
  });
});
