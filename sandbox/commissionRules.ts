/** Commission rule storage, validation and wire shape. */
// The same limits the stack config applies, so a config that passes preview never fails here.
import { hasAtMostTwoDecimals, MAX_RECURRING_MONTHS, type CommissionBasis, type CommissionRule, type CommissionRuleType, type StripeConversionEvent, COMMISSION_BASES, COMMISSION_RULE_DEFAULTS, COMMISSION_RULE_TYPES, STRIPE_CONVERSION_EVENTS } from "@selgeo-golive/runtime";
import type { SandboxDb } from "./db";
import { invalidRequest, resourceMissing } from "./errors";
import type { ProgramRow } from "./programs";
import { optionalBoolean, optionalCurrency, optionalEnum, optionalInteger, optionalString, rejectUnknown, validateMetadata } from "./validate";

/** A `commission_rules` row. */
export interface RuleRow {
  seq: number;
  id: string;
  account_id: string;
  livemode: number;
  program_id: string;
  name: string;
  type: CommissionRuleType;
  percentage: number | null;
  flat_amount: number | null;
  currency: string | null;
  basis: CommissionBasis;
  hold_period_days: number;
  auto_approve: number;
  applies_to: string;
  recurring_months: number | null;
  metadata: string;
  created: number;
}

/** A rule's settable fields after validation and defaults: what gets stored. */
export interface RuleFields {
  name: string;
  type: CommissionRuleType;
  percentage: number | null;
  flat_amount: number | null;
  currency: string | null;
  basis: CommissionBasis;
  hold_period_days: number;
  auto_approve: boolean;
  applies_to: StripeConversionEvent[];
  recurring_months: number | null;
  metadata: Record<string, string>;
}

const FIELDS = ["name", "type", "percentage", "flat_amount", "currency", "basis", "hold_period_days", "auto_approve", "applies_to", "recurring_months", "metadata"] as const;

/**
 * Validates a create body (`existing` undefined) or an update merged onto `existing`. The
 * result is checked as a whole because the rules are about combinations: `percentage` iff
 * type percentage, `flat_amount` + `currency` iff type flat. Switching `type` in an update drops
 * the other type's fields, so the caller sends only what the new type needs.
 */
export function validateRuleFields(body: Record<string, unknown>, existing?: RuleFields): RuleFields {
  rejectUnknown(body, FIELDS, "Commission rules");
  if (!existing && body.type === undefined) {
    throw invalidRequest("parameter_missing", `Missing required parameter 'type': "percentage" (with percentage) or "flat" (with flat_amount and currency).`, "type");
  }
  const type = optionalEnum(body, "type", COMMISSION_RULE_TYPES) ?? (existing as RuleFields).type;
  const switched = existing !== undefined && existing.type !== type;
  const base: Partial<RuleFields> = existing && !switched ? existing : { ...existing, percentage: null, flat_amount: null, currency: null };

  const percentage = body.percentage === undefined ? (base.percentage ?? null) : parsePercentage(body.percentage);
  const flatAmount = body.flat_amount === undefined ? (base.flat_amount ?? null) : parseFlatAmount(body.flat_amount);
  const currency = body.currency === undefined ? (base.currency ?? null) : body.currency === null ? null : (optionalCurrency(body) as string);

  if (type === "percentage") {
    if (percentage === null) throw invalidRequest("parameter_missing", "A percentage rule needs 'percentage': a number from 0 to 100 with at most 2 decimals (e.g. 20 or 12.5).", "percentage");
    if (flatAmount !== null) throw invalidRequest("parameter_invalid", "flat_amount only applies to flat rules: remove it, or set type to \"flat\".", "flat_amount");
    if (currency !== null) throw invalidRequest("parameter_invalid", "currency only applies to flat rules (a percentage pays in the sale's currency): remove it, or set type to \"flat\".", "currency");
  } else {
    if (flatAmount === null) throw invalidRequest("parameter_missing", "A flat rule needs 'flat_amount': a positive integer in minor units (e.g. 1500 for 15.00).", "flat_amount");
    if (currency === null) throw invalidRequest("parameter_missing", "A flat rule needs 'currency': the ISO 4217 code of flat_amount, e.g. \"usd\".", "currency");
    if (percentage !== null) throw invalidRequest("parameter_invalid", "percentage only applies to percentage rules: remove it, or set type to \"percentage\".", "percentage");
  }

  const appliesTo = body.applies_to === undefined ? (existing?.applies_to ?? [...COMMISSION_RULE_DEFAULTS.applies_to]) : parseAppliesTo(body.applies_to);
  let recurring: number | null;
  if (body.recurring_months === undefined) recurring = existing ? existing.recurring_months : COMMISSION_RULE_DEFAULTS.recurring_months;
  else if (body.recurring_months === null) recurring = null;
  else recurring = optionalInteger(body, "recurring_months", 1, MAX_RECURRING_MONTHS, " (months; null = forever)") as number;

  const fields: RuleFields = {
    type,
    percentage,
    flat_amount: flatAmount,
    currency,
    name: "",
    basis: optionalEnum(body, "basis", COMMISSION_BASES) ?? existing?.basis ?? COMMISSION_RULE_DEFAULTS.basis,
    hold_period_days: optionalInteger(body, "hold_period_days", 0, 365, " (days)") ?? existing?.hold_period_days ?? COMMISSION_RULE_DEFAULTS.hold_period_days,
    auto_approve: optionalBoolean(body, "auto_approve") ?? existing?.auto_approve ?? COMMISSION_RULE_DEFAULTS.auto_approve,
    applies_to: appliesTo,
    recurring_months: recurring,
    metadata: body.metadata === undefined ? (existing?.metadata ?? {}) : validateMetadata(body.metadata),
  };
  // An explicit name wins; otherwise a readable default that follows the terms.
  fields.name = optionalString(body, "name", 0, 200) ?? (existing && existing.name !== defaultName(existing) ? existing.name : defaultName(fields));
  return fields;
}

function parsePercentage(v: unknown): number | null {
  if (v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 100) {
    throw invalidRequest("parameter_invalid", `percentage must be a number from 0 to 100 (20 means 20%); got ${JSON.stringify(v)}.`, "percentage");
  }
  if (!hasAtMostTwoDecimals(v)) {
    throw invalidRequest("parameter_invalid", `percentage may have at most 2 decimals (e.g. 12.25); got ${v}. Round it.`, "percentage");
  }
  return Math.round(v * 100) / 100;
}

function parseFlatAmount(v: unknown): number | null {
  if (v === null) return null;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
    throw invalidRequest("parameter_invalid", `flat_amount must be a positive integer in minor units (1500 = 15.00); got ${JSON.stringify(v)}.`, "flat_amount");
  }
  return v;
}

function parseAppliesTo(v: unknown): StripeConversionEvent[] {
  const valid = STRIPE_CONVERSION_EVENTS.join(", ");
  if (!Array.isArray(v) || v.length === 0) throw invalidRequest("parameter_invalid", `applies_to must be a non-empty array of: ${valid}.`, "applies_to");
  v.forEach((e, i) => {
    if (typeof e !== "string" || !(STRIPE_CONVERSION_EVENTS as readonly string[]).includes(e)) {
      throw invalidRequest("parameter_invalid", `applies_to[${i}] is ${JSON.stringify(e)}; a rule applies to these Stripe events only: ${valid}.`, `applies_to[${i}]`);
    }
    if (v.indexOf(e) !== i) throw invalidRequest("parameter_invalid", `applies_to lists '${e}' twice; list each event once.`, `applies_to[${i}]`);
  });
  return v as StripeConversionEvent[];
}

function defaultName(f: Pick<RuleFields, "type" | "percentage" | "flat_amount" | "currency" | "basis">): string {
  return f.type === "percentage" ? `${f.percentage}% of ${f.basis}` : `${f.flat_amount} ${(f.currency ?? "").toUpperCase()} flat`;
}

/** The stored row as validated fields (to merge an update onto). */
export function rowToFields(row: RuleRow): RuleFields {
  return {
    name: row.name,
    type: row.type,
    percentage: row.percentage,
    flat_amount: row.flat_amount,
    currency: row.currency,
    basis: row.basis,
    hold_period_days: row.hold_period_days,
    auto_approve: row.auto_approve === 1,
    applies_to: JSON.parse(row.applies_to) as StripeConversionEvent[],
    recurring_months: row.recurring_months,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
  };
}

/** Loads a rule of a program, or throws 404. */
export function getRule(db: SandboxDb, program: ProgramRow, id: string): RuleRow {
  const row = db.prepare("SELECT * FROM commission_rules WHERE id = ? AND program_id = ?").get(id, program.id) as RuleRow | undefined;
  if (!row) throw resourceMissing("commission rule", id, "rule_id");
  return row;
}

/** The rules of a program, oldest first (the order commissions are created in). */
export function programRules(db: SandboxDb, programId: string): RuleRow[] {
  return db.prepare("SELECT * FROM commission_rules WHERE program_id = ? ORDER BY seq").all(programId) as RuleRow[];
}

/** The wire object. */
export function ruleObject(row: RuleRow): CommissionRule {
  const f = rowToFields(row);
  return { id: row.id, object: "commission_rule", program: row.program_id, livemode: row.livemode === 1, ...f, created: row.created };
}
