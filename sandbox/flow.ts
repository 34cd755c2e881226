/**
 * The conversion flow: participants, clicks, conversions, commissions, refunds, hold release,
 * fraud heuristics and the attribution audit log. Route handlers and the Stripe receiver call
 * these inside a transaction and collect the events to send in an {@link Outbox}, flushed only
 * after the commit, so a rolled-back request never tells a webhook receiver about data that does
 * not exist.
 */
import { type AttributionAuditEntry, type AttributionDecision, type Click, type Commission, type CommissionStatus, type Conversion, type FraudAlert, type Participant, type ParticipantStatus, type StripeConversionEvent, FLOW_ID_PREFIXES, ID_PREFIXES, computeCommission, isWithinRecurringWindow, refundCommission, SECONDS_PER_DAY } from "@selgeo-golive/runtime";
import { programRules } from "./commissionRules";
import type { SandboxDb } from "./db";
import type { DeliveryService } from "./deliveries";
import { resourceMissing } from "./errors";
import { newId } from "./ids";
import type { ProgramRow } from "./programs";
import type { ScopedRow } from "./tableSql";
import { bit } from "./validate";

/** Whose data: an account and a mode. */
export interface Scope {
  accountId: string;
  livemode: boolean;
}

/**
 * Fraud heuristics (deliberately simple and documented, so a merchant can trigger each one):
 * more than this many conversions from one click…
 */
export const FRAUD_MAX_CONVERSIONS_PER_CLICK = 3;
/** …a click older than this many days at conversion time (a stale cookie being replayed)… */
export const FRAUD_MAX_CLICK_AGE_DAYS = 90;
/** …or a customer email equal to the partner's own (self-referral). */

/** Events to emit once the transaction committed. */
export class Outbox {
  private readonly items: { scope: Scope; type: string; object: Record<string, unknown> }[] = [];

  add(scope: Scope, type: string, object: object): void {
    this.items.push({ scope, type, object: object as Record<string, unknown> });
  }

  /** Fans every queued event out with the delivery service, in order. */
  flush(deliveries: DeliveryService): void {
    for (const { scope, type, object } of this.items.splice(0)) deliveries.emitEvent(scope.accountId, scope.livemode, type, object);
  }
}

// ----- rows and wire objects -----

export interface ParticipantRow extends ScopedRow {
  program_id: string;
  email: string;
  name: string;
  status: ParticipantStatus;
  metadata: string;
  created: number;
  approved_at: number | null;
}

export function participantObject(r: ParticipantRow): Participant {
  return {
    id: r.id, object: "participant", livemode: r.livemode === 1, program: r.program_id, email: r.email, name: r.name, status: r.status,
    metadata: JSON.parse(r.metadata) as Record<string, string>, created: r.created, approved_at: r.approved_at,
  };
}

export interface ClickRow extends ScopedRow {
  program_id: string;
  participant_id: string;
  url: string;
  created: number;
}

export function clickObject(r: ClickRow): Click {
  return { id: r.id, object: "click", livemode: r.livemode === 1, program: r.program_id, partner: r.participant_id, url: r.url, created: r.created };
}

export interface ConversionRow extends ScopedRow {
  program_id: string;
  participant_id: string;
  click_id: string | null;
  source: "api" | "stripe";
  stripe_event_type: string | null;
  stripe_event_id: string | null;
  external_id: string | null;
  customer: string | null;
  customer_email: string | null;
  payment_intent: string | null;
  subscription: string | null;
  recurring: number;
  amount: number;
  currency: string;
  fee: number | null;
  refunded_amount: number;
  status: Conversion["status"];
  fraud_reasons: string;
  metadata: string;
  created: number;
}

export function conversionObject(db: SandboxDb, r: ConversionRow): Conversion {
  const commissions = (db.prepare("SELECT id FROM commissions WHERE conversion_id = ? ORDER BY seq").all(r.id) as { id: string }[]).map((c) => c.id);
  const fraud = JSON.parse(r.fraud_reasons) as string[];
  return {
    id: r.id, object: "conversion", livemode: r.livemode === 1, program: r.program_id, partner: r.participant_id, click: r.click_id, source: r.source,
    stripe_event_type: r.stripe_event_type, stripe_event: r.stripe_event_id, external_id: r.external_id, customer: r.customer,
    payment_intent: r.payment_intent, subscription: r.subscription, recurring: r.recurring === 1, amount: r.amount, currency: r.currency, fee: r.fee,
    refunded_amount: r.refunded_amount, status: r.status, fraud_suspected: fraud.length > 0, fraud_reasons: fraud, commissions,
    metadata: JSON.parse(r.metadata) as Record<string, string>, created: r.created,
  };
}

export interface CommissionRow extends ScopedRow {
  program_id: string;
  participant_id: string;
  conversion_id: string;
  rule_id: string;
  amount: number;
  currency: string;
  status: CommissionStatus;
  available_on: number | null;
  auto_approve: number;
  refunded_amount: number;
  reason: string | null;
  created: number;
  approved_at: number | null;
}

export function commissionObject(r: CommissionRow): Commission {
  return {
    id: r.id, object: "commission", livemode: r.livemode === 1, program: r.program_id, partner: r.participant_id, conversion: r.conversion_id,
    commission_rule: r.rule_id, amount: r.amount, currency: r.currency, status: r.status, available_on: r.available_on, auto_approve: r.auto_approve === 1,
    refunded_amount: r.refunded_amount, reason: r.reason, created: r.created, approved_at: r.approved_at,
  };
}

export interface AuditRow extends ScopedRow {
  type: AttributionDecision;
  message: string;
  conversion_id: string | null;
  commission_id: string | null;
  program_id: string | null;
  participant_id: string | null;
  click_id: string | null;
  customer: string | null;
  stripe_event_id: string | null;
  created: number;
}

export function auditObject(r: AuditRow): AttributionAuditEntry {
  return {
    id: r.id, object: "attribution_audit_entry", livemode: r.livemode === 1, type: r.type, message: r.message, conversion: r.conversion_id,
    commission: r.commission_id, program: r.program_id, partner: r.participant_id, click: r.click_id, customer: r.customer, stripe_event: r.stripe_event_id,
    created: r.created,
  };
}

export interface FraudAlertRow extends ScopedRow {
  conversion_id: string;
  program_id: string;
  participant_id: string;
  reasons: string;
  created: number;
}

export function fraudAlertObject(r: FraudAlertRow): FraudAlert {
  return {
    id: r.id, object: "fraud_alert", livemode: r.livemode === 1, conversion: r.conversion_id, program: r.program_id, partner: r.participant_id,
    reasons: JSON.parse(r.reasons) as string[], created: r.created,
  };
}

// ----- lookups -----

function scoped<T>(db: SandboxDb, table: string, scope: Scope, id: string): T | undefined {
  return db.prepare(`SELECT * FROM ${table} WHERE id = ? AND account_id = ? AND livemode = ?`).get(id, scope.accountId, bit(scope.livemode)) as T | undefined;
}

export function findClick(db: SandboxDb, scope: Scope, id: string): ClickRow | undefined {
  return scoped<ClickRow>(db, "clicks", scope, id);
}

export function getParticipant(db: SandboxDb, program: ProgramRow, id: string, param = "participant_id"): ParticipantRow {
  const row = db.prepare("SELECT * FROM participants WHERE id = ? AND program_id = ?").get(id, program.id) as ParticipantRow | undefined;
  if (!row) throw resourceMissing(`participant of program ${program.id}`, id, param);
  return row;
}

export function getConversion(db: SandboxDb, scope: Scope, id: string): ConversionRow {
  const row = scoped<ConversionRow>(db, "conversions", scope, id);
  if (!row) throw resourceMissing("conversion", id);
  return row;
}

export function getCommission(db: SandboxDb, scope: Scope, id: string): CommissionRow {
  const row = scoped<CommissionRow>(db, "commissions", scope, id);
  if (!row) throw resourceMissing("commission", id);
  return row;
}

function commissionRow(db: SandboxDb, id: string): CommissionRow {
  return db.prepare("SELECT * FROM commissions WHERE id = ?").get(id) as CommissionRow;
}

function conversionRow(db: SandboxDb, id: string): ConversionRow {
  return db.prepare("SELECT * FROM conversions WHERE id = ?").get(id) as ConversionRow;
}

// ----- the audit log -----

/** References an audit entry may carry. */
export interface AuditRefs {
  conversion?: string | null;
  commission?: string | null;
  program?: string | null;
  partner?: string | null;
  click?: string | null;
  customer?: string | null;
  stripe_event?: string | null;
}

/** Writes one attribution decision. */
export function audit(db: SandboxDb, scope: Scope, now: number, type: AttributionDecision, message: string, refs: AuditRefs = {}): void {
  db.prepare(
    `INSERT INTO attribution_audit_log (id, account_id, livemode, type, message, conversion_id, commission_id, program_id, participant_id, click_id, customer, stripe_event_id, created)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    newId(FLOW_ID_PREFIXES.auditEntry), scope.accountId, bit(scope.livemode), type, message, refs.conversion ?? null, refs.commission ?? null, refs.program ?? null,
    refs.partner ?? null, refs.click ?? null, refs.customer ?? null, refs.stripe_event ?? null, now,
  );
}

// ----- conversions and commissions -----

/** What a new conversion is made of. */
export interface NewConversion {
  program: ProgramRow;
  participant: ParticipantRow;
  click: ClickRow | null;
  source: "api" | "stripe";
  /** Which rules apply: those whose `applies_to` holds this (API conversions count as checkouts). */
  trigger: StripeConversionEvent;
  stripeEventId?: string | null;
  externalId?: string | null;
  customer?: string | null;
  customerEmail?: string | null;
  paymentIntent?: string | null;
  subscription?: string | null;
  amount: number;
  currency: string;
  /** Fee in minor units when known AND usable (null = unknown ⇒ net-basis rules need review). */
  fee: number | null;
  metadata?: Record<string, string>;
  /** For recurring conversions: when the customer's first conversion happened. */
  firstConversionAt?: number;
}

/** The heuristics of {@link FRAUD_MAX_CONVERSIONS_PER_CLICK} and friends; [] = looks fine. */
export function fraudReasons(db: SandboxDb, input: NewConversion, now: number): string[] {
  const reasons: string[] = [];
  if (input.click) {
    const { n } = db.prepare("SELECT COUNT(*) AS n FROM conversions WHERE click_id = ?").get(input.click.id) as { n: number };
    if (n + 1 > FRAUD_MAX_CONVERSIONS_PER_CLICK) {
      reasons.push(`click_reused: this is conversion ${n + 1} from click ${input.click.id}; more than ${FRAUD_MAX_CONVERSIONS_PER_CLICK} from one click is suspicious.`);
    }
    const ageDays = (now - input.click.created) / SECONDS_PER_DAY;
    if (ageDays > FRAUD_MAX_CLICK_AGE_DAYS) {
      reasons.push(`stale_click: click ${input.click.id} is ${Math.floor(ageDays)} days old; clicks older than ${FRAUD_MAX_CLICK_AGE_DAYS} days are not expected to convert.`);
    }
  }
  if (input.customerEmail && input.customerEmail.trim().toLowerCase() === input.participant.email.toLowerCase()) {
    reasons.push("self_referral: the customer's email is the partner's own email.");
  }
  return reasons;
}

/**
 * Records a conversion and the commissions of every rule of its program that applies to its
 * trigger (and, when recurring, whose window still covers now); audits and queues events.
 */
export function recordConversion(db: SandboxDb, scope: Scope, now: number, input: NewConversion, outbox: Outbox): ConversionRow {
  const fraud = fraudReasons(db, input, now);
  const id = newId(ID_PREFIXES.conversion);
  const recurring = input.firstConversionAt !== undefined;
  db.prepare(
    `INSERT INTO conversions (id, account_id, livemode, program_id, participant_id, click_id, source, stripe_event_type, stripe_event_id, external_id, customer,
       customer_email, payment_intent, subscription, recurring, amount, currency, fee, status, fraud_reasons, metadata, created)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'recorded', ?, ?, ?)`,
  ).run(
    id, scope.accountId, bit(scope.livemode), input.program.id, input.participant.id, input.click?.id ?? null, input.source,
    input.source === "stripe" ? input.trigger : null, input.stripeEventId ?? null, input.externalId ?? null, input.customer ?? null, input.customerEmail ?? null,
    input.paymentIntent ?? null, input.subscription ?? null, bit(recurring), input.amount, input.currency, input.fee, JSON.stringify(fraud),
    JSON.stringify(input.metadata ?? {}), now,
  );
  const refs = { conversion: id, program: input.program.id, partner: input.participant.id, click: input.click?.id ?? null, customer: input.customer ?? null, stripe_event: input.stripeEventId ?? null };

  const commissions: CommissionRow[] = [];
  for (const rule of programRules(db, input.program.id)) {
    if (!(JSON.parse(rule.applies_to) as string[]).includes(input.trigger)) continue;
    if (recurring && !isWithinRecurringWindow(input.firstConversionAt as number, now, rule.recurring_months)) {
      audit(db, scope, now, "outside_recurring_window", `Rule ${rule.id} pays recurring commissions for ${rule.recurring_months} months from the first conversion (${input.firstConversionAt}); this payment is later. No commission.`, refs);
      continue;
    }
    const c = computeCommission({
      rule: { ...rule, auto_approve: rule.auto_approve === 1 },
      amount: input.amount,
      fee: input.fee,
      currency: input.currency,
      created: now,
    });
    if (c.status === null) {
      if (c.reason?.startsWith("currency_mismatch")) audit(db, scope, now, "currency_mismatch", `Rule ${rule.id}: ${c.reason}`, refs);
      continue;
    }
    let status = c.status;
    let reason = c.reason;
    if (fraud.length > 0) {
      // A suspected conversion never pays out automatically; a person decides.
      status = "needs_review";
      reason = `fraud_suspected: ${fraud.join(" ")}${reason ? ` Also ${reason}` : ""}`;
    }
    const cid = newId(ID_PREFIXES.commission);
    db.prepare(
      `INSERT INTO commissions (id, account_id, livemode, program_id, participant_id, conversion_id, rule_id, amount, currency, status, available_on, auto_approve, reason, created, approved_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      cid, scope.accountId, bit(scope.livemode), input.program.id, input.participant.id, id, rule.id, c.amount, input.currency, status, c.available_on,
      rule.auto_approve, reason, now, status === "approved" ? now : null,
    );
    commissions.push(commissionRow(db, cid));
  }

  const row = conversionRow(db, id);
  const object = conversionObject(db, row);
  outbox.add(scope, "conversion.created", object);
  if (fraud.length > 0) {
    db.prepare("INSERT INTO fraud_alerts (id, account_id, livemode, conversion_id, program_id, participant_id, reasons, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run(
      newId(FLOW_ID_PREFIXES.fraudAlert), scope.accountId, bit(scope.livemode), id, input.program.id, input.participant.id, JSON.stringify(fraud), now,
    );
    audit(db, scope, now, "fraud_suspected", `Conversion ${id} flagged: ${fraud.join(" ")} Its commissions need review.`, refs);
    outbox.add(scope, "conversion.fraud_detected", object);
  }
  for (const c of commissions) {
    outbox.add(scope, "commission.created", commissionObject(c));
    if (c.status === "approved") outbox.add(scope, "commission.approved", commissionObject(c));
  }
  return row;
}

/**
 * Remembers that a customer belongs to the conversion's partner (first conversion wins), so
 * later `invoice.paid` events earn recurring commissions.
 */
export function attributeCustomer(db: SandboxDb, scope: Scope, now: number, conversion: ConversionRow, stripeEventId: string | null): void {
  if (!conversion.customer) return;
  const res = db
    .prepare(
      `INSERT OR IGNORE INTO customer_attributions (account_id, livemode, program_id, customer, participant_id, first_conversion_id, first_conversion_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(scope.accountId, bit(scope.livemode), conversion.program_id, conversion.customer, conversion.participant_id, conversion.id, now);
  const refs = { conversion: conversion.id, program: conversion.program_id, partner: conversion.participant_id, customer: conversion.customer, stripe_event: stripeEventId };
  if (res.changes > 0) {
    audit(db, scope, now, "customer_attributed", `Customer ${conversion.customer} is now attributed to partner ${conversion.participant_id} in program ${conversion.program_id}; their recurring payments earn commissions within each rule's recurring_months.`, refs);
  }
}

/** The customer's attributions (one per program), oldest first. */
export function customerAttributions(db: SandboxDb, scope: Scope, customer: string): { program_id: string; participant_id: string; first_conversion_id: string; first_conversion_at: number }[] {
  return db
    .prepare("SELECT * FROM customer_attributions WHERE account_id = ? AND livemode = ? AND customer = ? ORDER BY first_conversion_at")
    .all(scope.accountId, bit(scope.livemode), customer) as { program_id: string; participant_id: string; first_conversion_id: string; first_conversion_at: number }[];
}

/**
 * Applies a refund to every conversion of a payment intent. `amountRefunded` is cumulative
 * (Stripe's `charge.amount_refunded`); `chargeAmount` is the charge's amount (default: the
 * conversion's). Returns how many conversions matched.
 */
export function applyRefund(
  db: SandboxDb,
  scope: Scope,
  now: number,
  refund: { paymentIntent: string; amountRefunded: number; chargeAmount?: number; stripeEventId?: string | null },
  outbox: Outbox,
): number {
  const conversions = db
    .prepare("SELECT * FROM conversions WHERE account_id = ? AND livemode = ? AND payment_intent = ? ORDER BY seq")
    .all(scope.accountId, bit(scope.livemode), refund.paymentIntent) as ConversionRow[];
  for (const conv of conversions) {
    const original = refund.chargeAmount && refund.chargeAmount > 0 ? refund.chargeAmount : conv.amount;
    const refundedOfConversion = Math.min(conv.amount, Math.round((conv.amount * Math.min(refund.amountRefunded, original)) / original));
    const convStatus = refund.amountRefunded >= original ? "refunded" : refund.amountRefunded > 0 ? "partially_refunded" : conv.status;
    db.prepare("UPDATE conversions SET refunded_amount = MAX(refunded_amount, ?), status = ? WHERE id = ?").run(refundedOfConversion, convStatus, conv.id);
    const refs = { conversion: conv.id, program: conv.program_id, partner: conv.participant_id, customer: conv.customer, stripe_event: refund.stripeEventId ?? null };
    const changed: string[] = [];
    for (const c of db.prepare("SELECT * FROM commissions WHERE conversion_id = ? ORDER BY seq").all(conv.id) as CommissionRow[]) {
      const r = refundCommission(c, Math.min(refund.amountRefunded, original), original);
      if (r.delta === 0 && r.status === c.status) continue;
      db.prepare("UPDATE commissions SET refunded_amount = ?, status = ? WHERE id = ?").run(r.refunded_amount, r.status, c.id);
      changed.push(`${c.id} ${r.status} (${r.refunded_amount} of ${c.amount})`);
      outbox.add(scope, "commission.refunded", commissionObject(commissionRow(db, c.id)));
    }
    audit(db, scope, now, "refund_applied", `Payment ${refund.paymentIntent}: ${refund.amountRefunded} of ${original} refunded; conversion ${conv.id} is ${convStatus}. Commissions: ${changed.length ? changed.join(", ") : "none changed"}.`, refs);
  }
  return conversions.length;
}

/**
 * Releases holds: every `pending` commission of an auto-approving rule whose `available_on`
 * has passed becomes `approved` (and `commission.approved` is sent). Runs after a clock
 * advance and before commission reads, across all accounts.
 */
export function releaseHolds(db: SandboxDb, now: number, deliveries: DeliveryService): number {
  const outbox = new Outbox();
  const released = db.transaction(() => {
    const due = db.prepare("SELECT * FROM commissions WHERE status = 'pending' AND auto_approve = 1 AND available_on <= ? ORDER BY seq").all(now) as CommissionRow[];
    for (const c of due) {
      db.prepare("UPDATE commissions SET status = 'approved', approved_at = ? WHERE id = ?").run(now, c.id);
      const scope = { accountId: c.account_id, livemode: c.livemode === 1 };
      outbox.add(scope, "commission.approved", commissionObject(commissionRow(db, c.id)));
    }
    return due.length;
  })();
  outbox.flush(deliveries);
  return released;
}
