/**
 * The public Stripe receiver, `POST /v1/stripe/webhooks/{account}/{mode}`: what a merchant's
 * Stripe webhook endpoint posts to (the integration's `webhook_url`).
 *
 * Order of checks, each outcome written to the Stripe event log:
 *   1. signature: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(whsec, "<t>.<raw body>")>`
 *      against the mode's configured signing secret, 300 s tolerance on REAL time (Stripe
 *      signs with its own clock, not the sandbox's) → 400 when it fails;
 *   2. dedupe by Stripe event id: a redelivery of an event already accepted answers 200 and
 *      only counts `duplicate_deliveries`;
 *   3. mode: an event whose `livemode` differs from the URL's mode is logged and ignored (200),
 *      so a test event can never create live commissions;
 *   4. processing of `checkout.session.completed`, `invoice.paid`, `charge.refunded`; other types
 *      are logged as not processed. A processing problem (e.g. a missing field) is recorded on
 *      the log entry and answered 200: Stripe retrying the same bytes would not fix it.
 */
import { type StripeEventLogEntry, FLOW_ID_PREFIXES, verifySignatureHeader } from "@selgeo-golive/runtime";
import { getAccount } from "./accounts";
import { ApiError, invalidRequest } from "./errors";
import type { Scope } from "./flow";
import { applyRefund, attributeCustomer, audit, customerAttributions, findClick, Outbox, recordConversion } from "./flow";
import type { ParticipantRow } from "./flow";
import { newId } from "./ids";
import type { ProgramRow } from "./programs";
import { type Route, route } from "./router";
import type { SandboxServices } from "./services";
import { feeDataAvailable, getIntegration } from "./stripeIntegration";
import type { ScopedRow } from "./tableSql";
import { bit } from "./validate";

/** Name of Stripe's signature header. */
export const STRIPE_SIGNATURE_HEADER = "Stripe-Signature";
/** Stripe's default tolerance, seconds. */
export const STRIPE_TOLERANCE_SECONDS = 300;

/** A `stripe_events` row. */
export interface StripeEventRow extends ScopedRow {
  event_id: string | null;
  type: string | null;
  event_livemode: number | null;
  signature_valid: number;
  processed: number;
  duplicate_deliveries: number;
  error: string | null;
  received_at: number;
}

/** The wire object of a log entry. */
export function stripeEventObject(r: StripeEventRow): StripeEventLogEntry {
  return {
    id: r.event_id,
    object: "stripe_event",
    log_id: r.id,
    type: r.type,
    livemode: r.event_livemode === null ? null : r.event_livemode === 1,
    signature_valid: r.signature_valid === 1,
    received_at: r.received_at,
    processed: r.processed === 1,
    duplicate_deliveries: r.duplicate_deliveries,
    error: r.error,
  };
}

/** What the receiver could read from a body before trusting it. */
interface Claimed {
  event?: Record<string, unknown>;
  id: string | null;
  type: string | null;
  livemode: boolean | null;
}

function readClaims(raw: Buffer): Claimed {
  try {
    const v = JSON.parse(raw.toString("utf8")) as unknown;
    if (v === null || typeof v !== "object" || Array.isArray(v)) return { id: null, type: null, livemode: null };
    const e = v as Record<string, unknown>;
    return {
      event: e,
      id: typeof e.id === "string" ? e.id.slice(0, 255) : null,
      type: typeof e.type === "string" ? e.type.slice(0, 255) : null,
      livemode: typeof e.livemode === "boolean" ? e.livemode : null,
    };
  } catch {
    return { id: null, type: null, livemode: null };
  }
}

/** The receiver route. */
export const stripeReceiverRoutes: Route[] = [
  route("POST /v1/stripe/webhooks/{account}/{mode}", { auth: "none", rawBody: true }, (req, s) =>
    receive(req.params.account, req.params.mode, req.rawBody, headerValue(req.headers[STRIPE_SIGNATURE_HEADER.toLowerCase()]), s)),
];

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(",") : v;
}

function receive(accountId: string, mode: string, raw: Buffer, signature: string | undefined, s: SandboxServices): { status: number; body: unknown } {
  const { db, clock } = s;
  if ((mode !== "test" && mode !== "live") || !getAccount(db, accountId)) {
    throw new ApiError(404, "not_found_error", "resource_missing", `No Selgeo receiver at this URL: use the webhook_url from GET /api/v1/integrations/stripe.`);
  }
  const scope: Scope = { accountId, livemode: mode === "live" };
  const now = clock.nowSeconds();
  const claims = readClaims(raw);
  const log = (valid: boolean, error: string | null, processed = false): string => {
    const id = newId(FLOW_ID_PREFIXES.stripeEventLog);
    db.prepare(
      "INSERT INTO stripe_events (id, account_id, livemode, event_id, type, event_livemode, signature_valid, processed, error, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(id, accountId, bit(scope.livemode), claims.id, claims.type, claims.livemode === null ? null : bit(claims.livemode), bit(valid), bit(processed), error, now);
    return id;
  };

  const integration = getIntegration(db, accountId, scope.livemode);
  if (integration.webhook_secret === null) {
    const message = `No Stripe webhook signing secret is configured for ${mode} mode, so this event cannot be verified. Send it with POST /api/v1/integrations/stripe {"webhook_signing_secret": "whsec_…"}.`;
    log(false, `webhook_secret_not_configured: ${message}`);
    throw invalidRequest("webhook_secret_not_configured", message);
  }
  const check = verifySignatureHeader(signature, raw, integration.webhook_secret, { toleranceSeconds: STRIPE_TOLERANCE_SECONDS, now: Math.floor(clock.realNowMs() / 1000) });
  if (!check.ok) {
    // The shared verifier names Selgeo's header; this one is Stripe's.
    const message = check.message.replace(/Selgeo-Signature/g, STRIPE_SIGNATURE_HEADER).replace("the endpoint's current whsec_ secret", "the Stripe endpoint's whsec_ signing secret");
    log(false, `${check.reason}: ${message}`);
    throw invalidRequest("signature_verification_failed", message);
  }
  if (!claims.event || claims.id === null || claims.type === null) {
    log(true, "invalid_event: the body is not a Stripe event (needs id, type, data.object).");
    throw invalidRequest("invalid_event", "The body is not a Stripe event object (expected JSON with id, type, livemode and data.object).");
  }

  const previous = db
    .prepare("SELECT id FROM stripe_events WHERE account_id = ? AND livemode = ? AND event_id = ? AND signature_valid = 1 ORDER BY seq LIMIT 1")
    .get(accountId, bit(scope.livemode), claims.id) as { id: string } | undefined;
  if (previous) {
    db.prepare("UPDATE stripe_events SET duplicate_deliveries = duplicate_deliveries + 1 WHERE id = ?").run(previous.id);
    audit(db, scope, now, "duplicate_ignored", `Stripe event ${claims.id} (${claims.type}) was delivered again; it was already received, nothing done.`, { stripe_event: claims.id });
    return { status: 200, body: { received: true, duplicate: true } };
  }
  if (claims.livemode !== scope.livemode) {
    const message = `Stripe event ${claims.id} has livemode ${String(claims.livemode)} but was sent to the ${mode}-mode receiver; ignored. Register each mode's webhook_url in the Stripe account of that mode.`;
    log(true, `mode_mismatch: ${message}`);
    audit(db, scope, now, "mode_mismatch", message, { stripe_event: claims.id });
    return { status: 200, body: { received: true, ignored: "mode_mismatch" } };
  }

  const logId = log(true, null);
  const outbox = new Outbox();
  let error: string | null = null;
  let processed = true;
  try {
    db.transaction(() => {
      const handled = processEvent(s, scope, now, claims.event as Record<string, unknown>, claims.id as string, feeDataAvailable(integration), outbox);
      if (!handled) {
        processed = false;
        error = `unhandled_event_type: Selgeo acts on checkout.session.completed, invoice.paid and charge.refunded; ${claims.type} was logged only.`;
      }
    })();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    processed = false;
    error = `${err.code}: ${err.message}`;
  }
  db.prepare("UPDATE stripe_events SET processed = ?, error = ? WHERE id = ?").run(bit(processed), error, logId);
  outbox.flush(s.deliveries);
  return { status: 200, body: { received: true, processed, ...(error ? { error } : {}) } };
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function str(v: unknown): string | null {
  return typeof v === "string" && v.length > 0 ? v : null;
}
function int(o: Record<string, unknown>, name: string, required: boolean): number | null {
  const v = o[name];
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return v;
  if (v === undefined || v === null) {
    if (required) throw invalidRequest("invalid_event", `data.object.${name} is missing: it must be a non-negative integer in minor units.`);
    return null;
  }
  throw invalidRequest("invalid_event", `data.object.${name} must be a non-negative integer in minor units; got ${JSON.stringify(v)}.`);
}
function currencyOf(o: Record<string, unknown>): string {
  const c = str(o.currency);
  if (!c || !/^[a-zA-Z]{3}$/.test(c)) throw invalidRequest("invalid_event", "data.object.currency must be a three-letter currency code.");
  return c.toLowerCase();
}

/** Dispatches a verified, first-seen event of the right mode. Returns false for types Selgeo ignores. */
function processEvent(s: SandboxServices, scope: Scope, now: number, event: Record<string, unknown>, eventId: string, feeData: boolean, outbox: Outbox): boolean {
  const { db } = s;
  const o = obj(obj(event.data).object);
  const type = event.type as string;
  // Fee data comes with the event (the emulator includes the balance transaction's fee); when
  // the integration has no fee data it is unknown, and net-basis rules need review.
  const fee = feeData ? int(o, "fee_amount", false) : null;

  if (type === "checkout.session.completed") {
    const customer = str(o.customer);
    const clickId = str(o.client_reference_id) ?? str(obj(o.metadata).selgeo_click_id);
    const refs = { stripe_event: eventId, customer, click: clickId };
    if (!clickId) {
      audit(db, scope, now, "no_click", `Checkout ${str(o.id) ?? "?"} carries no client_reference_id or metadata.selgeo_click_id: not an affiliate sale.`, refs);
      return true;
    }
    const click = findClick(db, scope, clickId);
    if (!click) {
      audit(db, scope, now, "unknown_click", `Checkout ${str(o.id) ?? "?"} names click ${clickId}, which does not exist in ${scope.livemode ? "live" : "test"} mode; no conversion.`, refs);
      return true;
    }
    const program = db.prepare("SELECT * FROM programs WHERE id = ?").get(click.program_id) as ProgramRow;
    const participant = db.prepare("SELECT * FROM participants WHERE id = ?").get(click.participant_id) as ParticipantRow;
    if (program.status === "archived") {
      audit(db, scope, now, "program_archived", `Click ${clickId} belongs to archived program ${program.id}; no conversion.`, { ...refs, program: program.id, partner: participant.id });
      return true;
    }
    const amount = int(o, "amount_total", true) as number;
    const details = obj(o.customer_details);
    const conv = recordConversion(db, scope, now, {
      program, participant, click, source: "stripe", trigger: "checkout.session.completed", stripeEventId: eventId, customer,
      customerEmail: str(details.email) ?? str(o.customer_email), paymentIntent: str(o.payment_intent), subscription: str(o.subscription),
      amount, currency: currencyOf(o), fee,
    }, outbox);
    audit(db, scope, now, "attributed", `Checkout ${str(o.id) ?? "?"} (${amount} ${conv.currency}) attributed to partner ${participant.id} through click ${clickId}: conversion ${conv.id}.`, { ...refs, conversion: conv.id, program: program.id, partner: participant.id });
    attributeCustomer(db, scope, now, conv, eventId);
    return true;
  }

  if (type === "invoice.paid") {
    const customer = str(o.customer);
    const paymentIntent = str(o.payment_intent);
    const attributions = customer ? customerAttributions(db, scope, customer) : [];
    if (attributions.length === 0) {
      audit(db, scope, now, "no_attribution", `Invoice ${str(o.id) ?? "?"} of customer ${customer ?? "(none)"}: the customer is not attributed to any partner; no conversion.`, { stripe_event: eventId, customer });
      return true;
    }
    const amount = int(o, "amount_paid", true) as number;
    const currency = currencyOf(o);
    for (const a of attributions) {
      const refs = { stripe_event: eventId, customer, program: a.program_id, partner: a.participant_id };
      if (paymentIntent && db.prepare("SELECT 1 FROM conversions WHERE program_id = ? AND payment_intent = ?").get(a.program_id, paymentIntent)) {
        // A subscription's first invoice is paid by the checkout already recorded.
        audit(db, scope, now, "duplicate_ignored", `Invoice ${str(o.id) ?? "?"}: payment ${paymentIntent} is already a conversion of program ${a.program_id}.`, refs);
        continue;
      }
      const program = db.prepare("SELECT * FROM programs WHERE id = ?").get(a.program_id) as ProgramRow;
      if (program.status === "archived") {
        audit(db, scope, now, "program_archived", `Program ${program.id} is archived; no recurring conversion.`, refs);
        continue;
      }
      const participant = db.prepare("SELECT * FROM participants WHERE id = ?").get(a.participant_id) as ParticipantRow;
      const conv = recordConversion(db, scope, now, {
        program, participant, click: null, source: "stripe", trigger: "invoice.paid", stripeEventId: eventId, customer, paymentIntent,
        subscription: str(o.subscription), amount, currency, fee, firstConversionAt: a.first_conversion_at,
      }, outbox);
      audit(db, scope, now, "recurring", `Invoice ${str(o.id) ?? "?"} (${amount} ${currency}) of customer ${customer} (first conversion ${a.first_conversion_id} at ${a.first_conversion_at}): recurring conversion ${conv.id} for partner ${a.participant_id}.`, { ...refs, conversion: conv.id });
    }
    return true;
  }

  if (type === "charge.refunded") {
    const paymentIntent = str(o.payment_intent);
    const refunded = int(o, "amount_refunded", true) as number;
    const matched = paymentIntent ? applyRefund(db, scope, now, { paymentIntent, amountRefunded: refunded, chargeAmount: int(o, "amount", false) ?? undefined, stripeEventId: eventId }, outbox) : 0;
    if (matched === 0) {
      audit(db, scope, now, "refund_unmatched", `Refund of payment ${paymentIntent ?? "(none)"}: no conversion has this payment intent; nothing to reverse.`, { stripe_event: eventId });
    }
    return true;
  }
  return false;
}
