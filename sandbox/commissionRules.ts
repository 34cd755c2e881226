/** Commission rule storage, validation and wire shape. */
// The request schema the stack config and the providers' check derive from: a config that passes
// preview never fails here.
import { type CommissionBasis, type CommissionRule, type CommissionRuleType, type StripeConversionEvent, COMMISSION_RULE_DEFAULTS, CommissionRuleUpdate, ruleTermsProblems } from "@selgeo-golive/runtime";
import type { SandboxDb } from "./db";
import { invalidRequest, resourceMissing } from "./errors";
import type { ProgramRow } from "./programs";
import type { ScopedRow } from "./tableSql";
import { parseBody } from "./validate";

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

/** A `commission_rules` row: the rule's fields as stored (a flag as 0/1, a list and metadata as JSON). */
export interface RuleRow extends ScopedRow, Omit<RuleFields, "auto_approve" | "applies_to" | "metadata"> {
  program_id: string;
  auto_approve: number;
  applies_to: string;
  metadata: string;
  created: number;
}

/**
 * Validates a create body (`existing` undefined) or an update merged onto `existing`. The fields
 * are parsed with the request schema; the terms are checked on the merged result, because they are
 * about combinations: `percentage` iff type percentage, `flat_amount` + `currency` iff type flat.
 * Switching `type` in an update drops the other type's fields, so the caller sends only what the
 * new type needs.
 */
export function validateRuleFields(body: Record<string, unknown>, existing?: RuleFields): RuleFields {
  const b = parseBody(CommissionRuleUpdate, body);
  if (!existing && b.type === undefined) {
    throw invalidRequest("parameter_missing", `Missing required parameter 'type': "percentage" (with percentage) or "flat" (with flat_amount and currency).`, "type");
  }
  const type = b.type ?? (existing as RuleFields).type;
  const switched = existing !== undefined && existing.type !== type;
  const base: Partial<RuleFields> = existing && !switched ? existing : { ...existing, percentage: null, flat_amount: null, currency: null };
  const terms = {
    type,
    percentage: b.percentage === undefined ? (base.percentage ?? null) : b.percentage === null ? null : Math.round(b.percentage * 100) / 100,
    flat_amount: b.flat_amount === undefined ? (base.flat_amount ?? null) : b.flat_amount,
    currency: b.currency === undefined ? (base.currency ?? null) : b.currency,
  };
  const [problem] = ruleTermsProblems(terms);
  if (problem) throw invalidRequest(problem.missing ? "parameter_missing" : "parameter_invalid", `${problem.message}.`, problem.field);

  const fields: RuleFields = {
    ...terms,
    name: "",
    basis: b.basis ?? existing?.basis ?? COMMISSION_RULE_DEFAULTS.basis,
    hold_period_days: b.hold_period_days ?? existing?.hold_period_days ?? COMMISSION_RULE_DEFAULTS.hold_period_days,
    auto_approve: b.auto_approve ?? existing?.auto_approve ?? COMMISSION_RULE_DEFAULTS.auto_approve,
    applies_to: b.applies_to ?? existing?.applies_to ?? [...COMMISSION_RULE_DEFAULTS.applies_to],
    recurring_months: b.recurring_months === undefined ? (existing ? existing.recurring_months : COMMISSION_RULE_DEFAULTS.recurring_months) : b.recurring_months,
    metadata: b.metadata ?? existing?.metadata ?? {},
  };
  // An explicit name wins; otherwise a readable default that follows the terms.
  fields.name = b.name ?? (existing && existing.name !== defaultName(existing) ? existing.name : defaultName(fields));
  return fields;
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
