/**
 * The payment side of the emulator: customers, payment intents, charges with balance transactions,
 * refunds, checkout sessions and invoices, created by the sandbox-only simulation routes
 * (`/_stripe/checkout`, `/_stripe/invoice_paid`, `/_stripe/refund`) and readable through the
 * ordinary `GET /v1/<collection>/{id}` routes.
 *
 * Objects carry the fields Selgeo's attribution needs, named and typed as in Stripe's API.
 * One addition is not Stripe's: `fee_amount` on the checkout session and the invoice. Real Stripe
 * reports the processing fee only on the charge's balance transaction
 * (`charge.balance_transaction` → `fee`), which a receiver would have to fetch; the field stands in
 * for that lookup so a net-basis commission can be computed from the event alone. The balance
 * transaction exists too and says the same.
 */
import type { SandboxDb } from "../db";
import { newId, randomBase62 } from "../ids";
import { invalidParam, noSuch } from "./errors";
import { mergeMetadata } from "./endpoints";
import type { StripeWebhookService, StripeEvent, StripeDelivery } from "./webhooks";

/** Stripe-like default pricing: 2.9 % + 30 minor units, rounded to an integer. */
export function defaultFee(amount: number): number {
  return Math.round(amount * 0.029) + 30;
}

/** A stored object (any type), by id, in one mode. */
export function getObject(db: SandboxDb, livemode: boolean, object: string, id: string, kind: string, param = "id"): Record<string, unknown> {
  const row = db.prepare("SELECT data FROM stripe_emu_objects WHERE id = ? AND object = ? AND livemode = ?").get(id, object, livemode ? 1 : 0) as { data: string } | undefined;
  if (!row) throw noSuch(kind, id, param);
  return JSON.parse(row.data) as Record<string, unknown>;
}

function putObject(db: SandboxDb, obj: Record<string, unknown>): void {
  db.prepare(
    `INSERT INTO stripe_emu_objects (id, object, livemode, data, created) VALUES (@id, @object, @livemode, @data, @created)
     ON CONFLICT(id) DO UPDATE SET data = excluded.data`,
  ).run({ id: obj.id, object: obj.object, livemode: obj.livemode ? 1 : 0, data: JSON.stringify(obj), created: obj.created });
}

/** Parameters of a simulated payment (after validation). */
interface Payment {
  livemode: boolean;
  amount: number;
  currency: string;
  fee: number;
  customer: string;
  metadata: Record<string, string>;
  description: string | null;
}

/** The objects one successful payment creates. */
interface PaymentObjects {
  payment_intent: Record<string, unknown>;
  charge: Record<string, unknown>;
  balance_transaction: Record<string, unknown>;
}

/** Emitted events and their queued deliveries. */
export interface Emitted {
  events: StripeEvent[];
  deliveries: StripeDelivery[];
}

/** Runs the simulations against one database and webhook service. */
export class StripePayments {
  constructor(
    private readonly db: SandboxDb,
    private readonly webhooks: StripeWebhookService,
    private readonly now: () => number,
  ) {}

  /**
   * A completed Checkout payment: customer (created unless given), payment intent, charge and
   * balance transaction, the `checkout.session`; events customer.created (new customer only),
   * payment_intent.succeeded, charge.succeeded and checkout.session.completed.
   */
  checkout(body: Record<string, unknown>): Record<string, unknown> & Emitted {
    const livemode = bool(body.livemode, "livemode");
    const amount = positiveInt(body.amount_total, "amount_total");
    const currency = currencyParam(body.currency);
    const fee = feeParam(body.fee_amount, amount);
    const metadata = mergeMetadata({}, metadataParam(body.metadata));
    const clientReferenceId = optionalText(body.client_reference_id, "client_reference_id", 200);
    const email = optionalText(body.email, "email", 512) ?? null;
    const emitted: Emitted = { events: [], deliveries: [] };
    const result = this.db.transaction(() => {
      const t = this.now();
      let customer: Record<string, unknown>;
      let newCustomer = false;
      if (body.customer !== undefined && body.customer !== null) {
        customer = getObject(this.db, livemode, "customer", text(body.customer, "customer"), "customer", "customer");
      } else {
        newCustomer = true;
        customer = {
          id: newId("cus_"),
          object: "customer",
          created: t,
          currency: currency,
          description: null,
          email,
          livemode,
          metadata: {},
          name: null,
        };
        putObject(this.db, customer);
      }
      const pay = this.createPayment({ livemode, amount, currency, fee, customer: customer.id as string, metadata, description: null });
      const session = {
        id: `cs_${livemode ? "live" : "test"}_${randomBase62(58)}`,
        object: "checkout.session",
        amount_subtotal: amount,
        amount_total: amount,
        client_reference_id: clientReferenceId ?? null,
        created: t,
        currency,
        customer: customer.id,
        customer_details: { email: customer.email ?? null, name: customer.name ?? null },
        expires_at: t + 24 * 3600,
        invoice: null,
        livemode,
        metadata,
        mode: "payment",
        payment_intent: pay.payment_intent.id,
        payment_status: "paid",
        status: "complete",
        subscription: null,
        success_url: null,
        url: null,
        fee_amount: fee,
      };
      putObject(this.db, session);
      if (newCustomer) this.emit(emitted, livemode, "customer.created", customer);
      this.emit(emitted, livemode, "payment_intent.succeeded", pay.payment_intent);
      this.emit(emitted, livemode, "charge.succeeded", pay.charge);
      const event = this.emit(emitted, livemode, "checkout.session.completed", session);
      return { session, customer, ...pay, event };
    })();
    return { ...result, ...emitted };
  }

  /** A paid invoice of an existing customer: payment objects, the `invoice`, events invoice.payment_succeeded and invoice.paid (plus payment_intent.succeeded, charge.succeeded). */
  invoicePaid(body: Record<string, unknown>): Record<string, unknown> & Emitted {
    const livemode = bool(body.livemode, "livemode");
    const amount = positiveInt(body.amount_paid, "amount_paid");
    const currency = currencyParam(body.currency);
    const fee = feeParam(body.fee_amount, amount);
    const metadata = mergeMetadata({}, metadataParam(body.metadata));
    const subscription = optionalText(body.subscription, "subscription", 200) ?? null;
    if (body.customer === undefined || body.customer === null) throw invalidParam("Missing required param: customer.", "customer", "parameter_missing");
    const emitted: Emitted = { events: [], deliveries: [] };
    const result = this.db.transaction(() => {
      const t = this.now();
      const customer = getObject(this.db, livemode, "customer", text(body.customer, "customer"), "customer", "customer");
      const pay = this.createPayment({ livemode, amount, currency, fee, customer: customer.id as string, metadata: {}, description: subscription ? "Subscription update" : null });
      const invoice = {
        id: newId("in_"),
        object: "invoice",
        amount_due: amount,
        amount_paid: amount,
        amount_remaining: 0,
        billing_reason: subscription ? "subscription_cycle" : "manual",
        created: t,
        currency,
        customer: customer.id,
        customer_email: customer.email ?? null,
        livemode,
        metadata,
        payment_intent: pay.payment_intent.id,
        status: "paid",
        status_transitions: { finalized_at: t, paid_at: t },
        subscription,
        fee_amount: fee,
      };
      putObject(this.db, invoice);
      this.emit(emitted, livemode, "payment_intent.succeeded", pay.payment_intent);
      this.emit(emitted, livemode, "charge.succeeded", pay.charge);
      this.emit(emitted, livemode, "invoice.payment_succeeded", invoice);
      const event = this.emit(emitted, livemode, "invoice.paid", invoice);
      return { invoice, ...pay, event };
    })();
    return { ...result, ...emitted };
  }

  /** Refunds a payment intent's charge (fully by default): the `refund`, the updated `charge`, events refund.created and charge.refunded. */
  refund(body: Record<string, unknown>): Record<string, unknown> & Emitted {
    const livemode = bool(body.livemode, "livemode");
    if (body.payment_intent === undefined || body.payment_intent === null) throw invalidParam("Missing required param: payment_intent.", "payment_intent", "parameter_missing");
    const emitted: Emitted = { events: [], deliveries: [] };
    const result = this.db.transaction(() => {
      const t = this.now();
      const pi = getObject(this.db, livemode, "payment_intent", text(body.payment_intent, "payment_intent"), "payment_intent", "payment_intent");
      const charge = getObject(this.db, livemode, "charge", pi.latest_charge as string, "charge", "charge");
      const remaining = (charge.amount as number) - (charge.amount_refunded as number);
      if (remaining <= 0) throw invalidParam(`Charge ${charge.id} has already been refunded.`, "charge", "charge_already_refunded");
      const amount = body.amount === undefined || body.amount === null ? remaining : positiveInt(body.amount, "amount");
      if (amount > remaining) {
        throw invalidParam(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`, "amount");
      }
      const txn = {
        id: newId("txn_"),
        object: "balance_transaction",
        amount: -amount,
        available_on: t,
        created: t,
        currency: charge.currency,
        description: "REFUND FOR CHARGE",
        fee: 0,
        fee_details: [],
        net: -amount,
        reporting_category: "refund",
        source: null as string | null,
        status: "available",
        type: "refund",
      };
      const refund = {
        id: newId("re_"),
        object: "refund",
        amount,
        balance_transaction: txn.id,
        charge: charge.id,
        created: t,
        currency: charge.currency,
        livemode,
        metadata: {},
        payment_intent: pi.id,
        reason: optionalText(body.reason, "reason", 100) ?? null,
        status: "succeeded",
      };
      txn.source = refund.id;
      putObject(this.db, { ...txn, livemode });
      putObject(this.db, refund);
      const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
      const refundedTotal = (charge.amount_refunded as number) + amount;
      const updated = { ...charge, amount_refunded: refundedTotal, refunded: refundedTotal === charge.amount };
      putObject(this.db, updated);
      this.emit(emitted, livemode, "refund.created", refund);
      const event = this.emit(emitted, livemode, "charge.refunded", updated, previous);
      return { refund, charge: updated, payment_intent: pi, event };
    })();
    return { ...result, ...emitted };
  }

  private createPayment(p: Payment): PaymentObjects {
    const t = this.now();
    const piId = newId("pi_");
    const chId = newId("ch_");
    const balance_transaction = {
      id: newId("txn_"),
      object: "balance_transaction",
      amount: p.amount,
      available_on: t + 2 * 24 * 3600,
      created: t,
      currency: p.currency,
      description: p.description,
      exchange_rate: null,
      fee: p.fee,
      fee_details: [{ amount: p.fee, application: null, currency: p.currency, description: "Stripe processing fees", type: "stripe_fee" }],
      livemode: p.livemode,
      net: p.amount - p.fee,
      reporting_category: "charge",
      source: chId,
      status: "pending",
      type: "charge",
    };
    const charge = {
      id: chId,
      object: "charge",
      amount: p.amount,
      amount_captured: p.amount,
      amount_refunded: 0,
      balance_transaction: balance_transaction.id,
      captured: true,
      created: t,
      currency: p.currency,
      customer: p.customer,
      description: p.description,
      livemode: p.livemode,
      metadata: p.metadata,
      outcome: { network_status: "approved_by_network", risk_level: "normal", seller_message: "Payment complete.", type: "authorized" },
      paid: true,
      payment_intent: piId,
      payment_method_details: { card: { brand: "visa", country: "US", exp_month: 12, exp_year: 2034, funding: "credit", last4: "4242" }, type: "card" },
      refunded: false,
      status: "succeeded",
    };
    const payment_intent = {
      id: piId,
      object: "payment_intent",
      amount: p.amount,
      amount_capturable: 0,
      amount_received: p.amount,
      capture_method: "automatic",
      created: t,
      currency: p.currency,
      customer: p.customer,
      description: p.description,
      latest_charge: chId,
      livemode: p.livemode,
      metadata: p.metadata,
      payment_method_types: ["card"],
      status: "succeeded",
    };
    putObject(this.db, balance_transaction);
    putObject(this.db, charge);
    putObject(this.db, payment_intent);
    return { payment_intent, charge, balance_transaction };
  }

  private emit(into: Emitted, livemode: boolean, type: string, object: Record<string, unknown>, previous?: Record<string, unknown>): StripeEvent {
    const { event, deliveries } = this.webhooks.emit(livemode, type, object, { previousAttributes: previous });
    into.events.push(event);
    into.deliveries.push(...deliveries);
    return event;
  }
}

/**
 * The object of a dashboard-style test event: obviously fake ids (all zeros) and
 * `metadata.stripe_emulator_test_event = "true"`, never stored, so nothing downstream mistakes it
 * for a purchase it should pay commission on.
 */
export function testEventObject(type: string, livemode: boolean, now: number): Record<string, unknown> {
  const zeros = "0".repeat(14);
  const metadata = { stripe_emulator_test_event: "true" };
  // Every object of a sale: the same fake customer, paying in usd.
  const sale = { created: now, currency: "usd", customer: `cus_${zeros}`, livemode, metadata };
  const base = type.startsWith("customer.subscription.") ? "subscription" : type.split(".")[0];
  switch (base) {
    case "checkout":
      return {
        id: `cs_${livemode ? "live" : "test"}_${zeros}`,
        object: "checkout.session",
        amount_subtotal: 2000,
        amount_total: 2000,
        client_reference_id: null,
        ...sale,
        mode: "payment",
        payment_intent: `pi_${zeros}`,
        payment_status: "paid",
        status: "complete",
        subscription: null,
        fee_amount: defaultFee(2000),
      };
    case "invoice":
      return {
        id: `in_${zeros}`,
        object: "invoice",
        amount_due: 2000,
        amount_paid: 2000,
        amount_remaining: 0,
        ...sale,
        payment_intent: `pi_${zeros}`,
        status: "paid",
        subscription: null,
        fee_amount: defaultFee(2000),
      };
    case "charge":
      return {
        id: `ch_${zeros}`,
        object: "charge",
        amount: 2000,
        amount_captured: 2000,
        amount_refunded: type === "charge.refunded" ? 2000 : 0,
        ...sale,
        paid: true,
        payment_intent: `pi_${zeros}`,
        refunded: type === "charge.refunded",
        status: "succeeded",
      };
    case "payment_intent":
      return { id: `pi_${zeros}`, object: "payment_intent", amount: 2000, ...sale, status: "succeeded" };
    case "subscription":
      return { id: `sub_${zeros}`, object: "subscription", ...sale, status: "active" };
    case "customer":
      return { id: `cus_${zeros}`, object: "customer", created: now, email: null, livemode, metadata, name: null };
    default:
      return { id: `${base.slice(0, 8)}_${zeros}`, object: base, created: now, livemode, metadata };
  }
}

// --- validation of the JSON bodies of the /_stripe routes -------------------------------------

function bool(v: unknown, param: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw invalidParam(`Invalid boolean: ${param} must be true or false.`, param);
  return v;
}

function positiveInt(v: unknown, param: string): number {
  if (v === undefined || v === null) throw invalidParam(`Missing required param: ${param}.`, param, "parameter_missing");
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
    throw invalidParam(`Invalid ${param}: must be a positive integer amount in minor units (e.g. 2000 for $20.00).`, param, "parameter_invalid_integer");
  }
  return v;
}

function feeParam(v: unknown, amount: number): number {
  if (v === undefined || v === null) return defaultFee(amount);
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > amount) {
    throw invalidParam(`Invalid fee_amount: must be an integer from 0 to the amount (${amount}).`, "fee_amount", "parameter_invalid_integer");
  }
  return v;
}

function currencyParam(v: unknown): string {
  if (v === undefined || v === null) throw invalidParam("Missing required param: currency.", "currency", "parameter_missing");
  if (typeof v !== "string" || !/^[A-Za-z]{3}$/.test(v)) throw invalidParam(`Invalid currency: ${String(v)}. Use a three-letter ISO code such as usd.`, "currency");
  return v.toLowerCase();
}

function text(v: unknown, param: string): string {
  if (typeof v !== "string" || v === "") throw invalidParam(`Invalid ${param}: must be a non-empty string.`, param);
  return v;
}

function optionalText(v: unknown, param: string, max: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = text(v, param);
  if (s.length > max) throw invalidParam(`Invalid ${param}: at most ${max} characters.`, param);
  return s;
}

function metadataParam(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw invalidParam("Invalid metadata: must be an object of string values.", "metadata");
  return v as Record<string, string>;
}
