/**
 * Value rules that Selgeo or Stripe enforce only when a request arrives, declared here so the stack
 * config, the providers' `check` and the sandbox refuse the same values: at preview, before any
 * write, instead of after half a deployment.
 */

/**
 * ISO 4217 codes of circulating currencies, lower case as Selgeo and Stripe spell them. Fund codes
 * (BOV, CLF, USN, …), precious metals and the X-codes for testing or "no currency" are left out:
 * nobody pays a commission in them.
 */
export const ISO_4217_CURRENCIES = [
  "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt", "bgn",
  "bhd", "bif", "bmd", "bnd", "bob", "brl", "bsd", "btn", "bwp", "byn", "bzd", "cad", "cdf", "chf",
  "clp", "cny", "cop", "crc", "cuc", "cup", "cve", "czk", "djf", "dkk", "dop", "dzd", "egp", "ern",
  "etb", "eur", "fjd", "fkp", "gbp", "gel", "ghs", "gip", "gmd", "gnf", "gtq", "gyd", "hkd", "hnl",
  "htg", "huf", "idr", "ils", "inr", "iqd", "irr", "isk", "jmd", "jod", "jpy", "kes", "kgs", "khr",
  "kmf", "kpw", "krw", "kwd", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "lyd", "mad", "mdl",
  "mga", "mkd", "mmk", "mnt", "mop", "mru", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn",
  "nio", "nok", "npr", "nzd", "omr", "pab", "pen", "pgk", "php", "pkr", "pln", "pyg", "qar", "ron",
  "rsd", "rub", "rwf", "sar", "sbd", "scr", "sdg", "sek", "sgd", "shp", "sle", "sll", "sos", "srd",
  "ssp", "stn", "svc", "syp", "szl", "thb", "tjs", "tmt", "tnd", "top", "try", "ttd", "twd", "tzs",
  "uah", "ugx", "usd", "uyu", "uzs", "ved", "ves", "vnd", "vuv", "wst", "xaf", "xcd", "xcg", "xof",
  "xpf", "yer", "zar", "zmw", "zwg", "zwl",
] as const;
/** One of {@link ISO_4217_CURRENCIES}. */
export type IsoCurrency = (typeof ISO_4217_CURRENCIES)[number];
const CURRENCY_SET: ReadonlySet<string> = new Set(ISO_4217_CURRENCIES);

/** True for a lower-case ISO 4217 code of a circulating currency. */
export function isIsoCurrency(code: string): boolean {
  return CURRENCY_SET.has(code);
}

/**
 * The event types a Stripe webhook endpoint may subscribe to (`enabled_events`), `*` included.
 *
 * Copied from the `enabled_events` enum of `POST /v1/webhook_endpoints` in Stripe's OpenAPI spec as
 * bundled with stripe-mock v0.203.0 (API 2026-08-26.dahlia), so the config, and the emulator,
 * reject exactly the names real Stripe rejects. Regenerate from a newer spec rather than editing by hand.
 */
export const STRIPE_EVENT_TYPES = [
  "*",
  "account.application.authorized",
  "account.application.deauthorized",
  "account.external_account.created",
  "account.external_account.deleted",
  "account.external_account.updated",
  "account.updated",
  "application_fee.created",
  "application_fee.refund.updated",
  "application_fee.refunded",
  "balance.available",
  "balance_settings.updated",
  "billing.alert.triggered",
  "billing.credit_balance_transaction.created",
  "billing.credit_grant.created",
  "billing.credit_grant.updated",
  "billing.meter.created",
  "billing.meter.deactivated",
  "billing.meter.reactivated",
  "billing.meter.updated",
  "billing_portal.configuration.created",
  "billing_portal.configuration.updated",
  "billing_portal.session.created",
  "capability.updated",
  "cash_balance.funds_available",
  "charge.captured",
  "charge.dispute.closed",
  "charge.dispute.created",
  "charge.dispute.funds_reinstated",
  "charge.dispute.funds_withdrawn",
  "charge.dispute.updated",
  "charge.expired",
  "charge.failed",
  "charge.pending",
  "charge.refund.updated",
  "charge.refunded",
  "charge.succeeded",
  "charge.updated",
  "checkout.session.async_payment_failed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.completed",
  "checkout.session.expired",
  "climate.order.canceled",
  "climate.order.created",
  "climate.order.delayed",
  "climate.order.delivered",
  "climate.order.product_substituted",
  "climate.product.created",
  "climate.product.pricing_updated",
  "coupon.created",
  "coupon.deleted",
  "coupon.updated",
  "credit_note.created",
  "credit_note.updated",
  "credit_note.voided",
  "customer.created",
  "customer.deleted",
  "customer.discount.created",
  "customer.discount.deleted",
  "customer.discount.updated",
  "customer.source.created",
  "customer.source.deleted",
  "customer.source.expiring",
  "customer.source.updated",
  "customer.subscription.created",
  "customer.subscription.deleted",
  "customer.subscription.paused",
  "customer.subscription.pending_update_applied",
  "customer.subscription.pending_update_expired",
  "customer.subscription.resumed",
  "customer.subscription.trial_will_end",
  "customer.subscription.updated",
  "customer.tax_id.created",
  "customer.tax_id.deleted",
  "customer.tax_id.updated",
  "customer.updated",
  "customer_cash_balance_transaction.created",
  "entitlements.active_entitlement_summary.updated",
  "file.created",
  "financial_connections.account.account_numbers_updated",
  "financial_connections.account.created",
  "financial_connections.account.deactivated",
  "financial_connections.account.disconnected",
  "financial_connections.account.expected_deactivation_date_updated",
  "financial_connections.account.reactivated",
  "financial_connections.account.refreshed_balance",
  "financial_connections.account.refreshed_ownership",
  "financial_connections.account.refreshed_transactions",
  "financial_connections.account.supported_payment_method_types_updated",
  "financial_connections.account.upcoming_account_number_expiry",
  "financial_connections.account.upcoming_deactivation",
  "financial_connections.authorization.expected_deactivation_date_updated",
  "financial_connections.authorization.upcoming_deactivation",
  "identity.verification_session.canceled",
  "identity.verification_session.created",
  "identity.verification_session.processing",
  "identity.verification_session.redacted",
  "identity.verification_session.requires_input",
  "identity.verification_session.verified",
  "invoice.created",
  "invoice.deleted",
  "invoice.finalization_failed",
  "invoice.finalized",
  "invoice.marked_uncollectible",
  "invoice.overdue",
  "invoice.overpaid",
  "invoice.paid",
  "invoice.payment_action_required",
  "invoice.payment_attempt_required",
  "invoice.payment_failed",
  "invoice.payment_succeeded",
  "invoice.sent",
  "invoice.upcoming",
  "invoice.updated",
  "invoice.voided",
  "invoice.will_be_due",
  "invoice_payment.paid",
  "invoiceitem.created",
  "invoiceitem.deleted",
  "issuing_authorization.created",
  "issuing_authorization.request",
  "issuing_authorization.updated",
  "issuing_card.created",
  "issuing_card.updated",
  "issuing_cardholder.created",
  "issuing_cardholder.updated",
  "issuing_dispute.closed",
  "issuing_dispute.created",
  "issuing_dispute.funds_reinstated",
  "issuing_dispute.funds_rescinded",
  "issuing_dispute.submitted",
  "issuing_dispute.updated",
  "issuing_personalization_design.activated",
  "issuing_personalization_design.deactivated",
  "issuing_personalization_design.rejected",
  "issuing_personalization_design.updated",
  "issuing_token.created",
  "issuing_token.updated",
  "issuing_transaction.created",
  "issuing_transaction.purchase_details_receipt_updated",
  "issuing_transaction.updated",
  "mandate.updated",
  "payment_intent.amount_capturable_updated",
  "payment_intent.canceled",
  "payment_intent.created",
  "payment_intent.partially_funded",
  "payment_intent.payment_failed",
  "payment_intent.processing",
  "payment_intent.requires_action",
  "payment_intent.succeeded",
  "payment_link.created",
  "payment_link.updated",
  "payment_method.attached",
  "payment_method.automatically_updated",
  "payment_method.detached",
  "payment_method.updated",
  "payout.canceled",
  "payout.created",
  "payout.failed",
  "payout.paid",
  "payout.reconciliation_completed",
  "payout.updated",
  "person.created",
  "person.deleted",
  "person.updated",
  "plan.created",
  "plan.deleted",
  "plan.updated",
  "price.created",
  "price.deleted",
  "price.updated",
  "product.created",
  "product.deleted",
  "product.updated",
  "promotion_code.created",
  "promotion_code.updated",
  "quote.accepted",
  "quote.canceled",
  "quote.created",
  "quote.finalized",
  "radar.early_fraud_warning.created",
  "radar.early_fraud_warning.updated",
  "refund.created",
  "refund.failed",
  "refund.updated",
  "reporting.report_run.failed",
  "reporting.report_run.succeeded",
  "reporting.report_type.updated",
  "reserve.hold.created",
  "reserve.hold.updated",
  "reserve.plan.created",
  "reserve.plan.disabled",
  "reserve.plan.expired",
  "reserve.plan.updated",
  "reserve.release.created",
  "review.closed",
  "review.opened",
  "setup_intent.canceled",
  "setup_intent.created",
  "setup_intent.requires_action",
  "setup_intent.setup_failed",
  "setup_intent.succeeded",
  "sigma.scheduled_query_run.created",
  "source.canceled",
  "source.chargeable",
  "source.failed",
  "source.mandate_notification",
  "source.refund_attributes_required",
  "source.transaction.created",
  "source.transaction.updated",
  "subscription_schedule.aborted",
  "subscription_schedule.canceled",
  "subscription_schedule.completed",
  "subscription_schedule.created",
  "subscription_schedule.expiring",
  "subscription_schedule.released",
  "subscription_schedule.updated",
  "tax.settings.updated",
  "tax_rate.created",
  "tax_rate.updated",
  "terminal.reader.action_failed",
  "terminal.reader.action_succeeded",
  "terminal.reader.action_updated",
  "test_helpers.test_clock.advancing",
  "test_helpers.test_clock.created",
  "test_helpers.test_clock.deleted",
  "test_helpers.test_clock.internal_failure",
  "test_helpers.test_clock.ready",
  "topup.canceled",
  "topup.created",
  "topup.failed",
  "topup.reversed",
  "topup.succeeded",
  "transfer.created",
  "transfer.reversed",
  "transfer.updated",
  "treasury.credit_reversal.created",
  "treasury.credit_reversal.posted",
  "treasury.debit_reversal.completed",
  "treasury.debit_reversal.created",
  "treasury.debit_reversal.initial_credit_granted",
  "treasury.financial_account.closed",
  "treasury.financial_account.created",
  "treasury.financial_account.features_status_updated",
  "treasury.inbound_transfer.canceled",
  "treasury.inbound_transfer.created",
  "treasury.inbound_transfer.failed",
  "treasury.inbound_transfer.succeeded",
  "treasury.outbound_payment.canceled",
  "treasury.outbound_payment.created",
  "treasury.outbound_payment.expected_arrival_date_updated",
  "treasury.outbound_payment.failed",
  "treasury.outbound_payment.posted",
  "treasury.outbound_payment.returned",
  "treasury.outbound_payment.tracking_details_updated",
  "treasury.outbound_transfer.canceled",
  "treasury.outbound_transfer.created",
  "treasury.outbound_transfer.expected_arrival_date_updated",
  "treasury.outbound_transfer.failed",
  "treasury.outbound_transfer.posted",
  "treasury.outbound_transfer.returned",
  "treasury.outbound_transfer.tracking_details_updated",
  "treasury.received_credit.created",
  "treasury.received_credit.failed",
  "treasury.received_credit.succeeded",
  "treasury.received_debit.created",
] as const;
/** One of {@link STRIPE_EVENT_TYPES}. */
export type StripeEventType = (typeof STRIPE_EVENT_TYPES)[number];
/** {@link STRIPE_EVENT_TYPES} as a set. */
export const STRIPE_EVENT_TYPE_SET: ReadonlySet<string> = new Set(STRIPE_EVENT_TYPES);

/** Longest recurring-commission window Selgeo accepts: 100 years; omit it (null) for forever. */
export const MAX_RECURRING_MONTHS = 1200;

/**
 * True when a percentage has at most two decimals. `19.99 * 100` is 1998.9999999999998 in binary
 * floating point, so an exact comparison would refuse values a merchant writes every day.
 */
export function hasAtMostTwoDecimals(n: number): boolean {
  return Math.abs(n * 100 - Math.round(n * 100)) < 1e-6;
}

/** Keys that would reach JavaScript's object prototype when a map is copied: never names or keys. */
export const RESERVED_OBJECT_KEYS = ["__proto__", "constructor", "prototype"] as const;

/** True for `__proto__`, `constructor` or `prototype`. */
export function isReservedObjectKey(key: string): boolean {
  return (RESERVED_OBJECT_KEYS as readonly string[]).includes(key);
}

// C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a reviewer sees.
/* eslint-disable no-control-regex -- matching control characters is the point of these two patterns */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
/* eslint-enable no-control-regex */

/**
 * What is wrong with a free-text value, or null: control characters (and bidi overrides) hide
 * text in a review and break logs. Descriptions (`multiline`) may hold newlines and tabs.
 */
export function textProblem(value: string, multiline = false): string | null {
  const m = (multiline ? CONTROL_MULTILINE : CONTROL).exec(value);
  if (!m) return null;
  const code = m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  return `contains the control character U+${code} at position ${m.index}; remove it`;
}

/** The candidate closest to `input` (edit distance, case-insensitive), when it is close enough to be a typo. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const a = input.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(a, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(a.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Math.abs(a.length - b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
