/** Programs and their commission rules: CRUD, status transitions, the live readiness check. */
import { ID_PREFIXES } from "@selgeo-golive/runtime";
import type { AuthContext } from "../auth";
import type { RuleFields, RuleRow } from "../commissionRules";
import { getRule, ruleObject, rowToFields, validateRuleFields } from "../commissionRules";
import type { SandboxDb } from "../db";
import { conflict } from "../errors";
import { newId } from "../ids";
import { listPage } from "../pagination";
import type { ProgramRow } from "../programs";
import { checkTransition, getProgram, programObject, validateProgramFields } from "../programs";
import { type Route, route } from "../router";
import { bit, rejectUnknown, scopeOf } from "../validate";

/** Applies a status change (after {@link checkTransition}); records the first activation. */
function setStatus(db: SandboxDb, program: ProgramRow, to: ProgramRow["status"], now: number): void {
  if (to === program.status) return;
  checkTransition(db, program, to);
  db.prepare("UPDATE programs SET status = ?, activated_at = COALESCE(activated_at, ?) WHERE id = ?").run(to, to === "active" ? now : null, program.id);
}

function insertRule(db: SandboxDb, auth: AuthContext, program: ProgramRow, f: RuleFields, now: number): string {
  const id = newId(ID_PREFIXES.commissionRule);
  db.prepare(
    `INSERT INTO commission_rules (id, account_id, livemode, program_id, name, type, percentage, flat_amount, currency, basis, hold_period_days,
       auto_approve, applies_to, recurring_months, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id, auth.accountId, bit(auth.livemode), program.id, f.name, f.type, f.percentage, f.flat_amount, f.currency, f.basis, f.hold_period_days,
    bit(f.auto_approve), JSON.stringify(f.applies_to), f.recurring_months, JSON.stringify(f.metadata), now,
  );
  return id;
}

function assertNotArchived(program: ProgramRow): void {
  // Rules of an archived program can be read and deleted, but an archived program is final.
  if (program.status === "archived") throw conflict("program_archived", `Program ${program.id} is archived; its commission rules can no longer be created or changed.`);
}

/** Program and commission rule routes. */
export const programRoutes: Route[] = [
  route("GET /api/v1/programs", "sk", (req, { db, info }) =>
    ({ status: 200, body: listPage<ProgramRow, unknown>(db, "programs", scopeOf(req.auth), req.query, (r) => programObject(r, info().selgeo_url)) })),
  route("POST /api/v1/programs", "sk", (req, { db, clock, info }) => {
    const f = validateProgramFields(req.body, false);
    const now = clock.nowSeconds();
    const id = newId(ID_PREFIXES.program);
    // One transaction: a create asking for "active" that is not ready leaves no draft behind.
    db.transaction(() => {
      db.prepare("INSERT INTO programs (id, account_id, livemode, name, description, status, currency, metadata, created) VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?)").run(
        id, req.auth.accountId, bit(req.auth.livemode), f.name, f.description ?? "", f.currency ?? "usd", JSON.stringify(f.metadata ?? {}), now,
      );
      if (f.status) setStatus(db, getProgram(db, req.auth, id), f.status, now);
    })();
    return { status: 200, body: programObject(getProgram(db, req.auth, id), info().selgeo_url) };
  }),
  route("GET /api/v1/programs/{id}", "sk", (req, { db, info }) => ({ status: 200, body: programObject(getProgram(db, req.auth, req.params.id), info().selgeo_url) })),
  route("POST /api/v1/programs/{id}", "sk", (req, { db, clock, info }) => {
    const program = getProgram(db, req.auth, req.params.id);
    const f = validateProgramFields(req.body, true);
    const now = clock.nowSeconds();
    db.transaction(() => {
      const fieldsChange = f.name !== undefined || f.description !== undefined || f.currency !== undefined || f.metadata !== undefined;
      if (fieldsChange && program.status === "archived") throw conflict("program_archived", `Program ${program.id} is archived and can no longer be changed.`);
      db.prepare("UPDATE programs SET name = ?, description = ?, currency = ?, metadata = ? WHERE id = ?").run(
        f.name ?? program.name, f.description ?? program.description, f.currency ?? program.currency, f.metadata ? JSON.stringify(f.metadata) : program.metadata, program.id,
      );
      if (f.status) setStatus(db, program, f.status, now);
    })();
    return { status: 200, body: programObject(getProgram(db, req.auth, program.id), info().selgeo_url) };
  }),
  route("GET /api/v1/programs/{id}/commission_rules", "sk", (req, { db }) => {
    const program = getProgram(db, req.auth, req.params.id);
    return { status: 200, body: listPage<RuleRow, unknown>(db, "commission_rules", { where: "program_id = ?", args: [program.id] }, req.query, ruleObject) };
  }),
  route("POST /api/v1/programs/{id}/commission_rules", "sk", (req, { db, clock }) => {
    const program = getProgram(db, req.auth, req.params.id);
    assertNotArchived(program);
    const id = insertRule(db, req.auth, program, validateRuleFields(req.body), clock.nowSeconds());
    return { status: 200, body: ruleObject(getRule(db, program, id)) };
  }),
  route("GET /api/v1/programs/{id}/commission_rules/{rule_id}", "sk", (req, { db }) =>
    ({ status: 200, body: ruleObject(getRule(db, getProgram(db, req.auth, req.params.id), req.params.rule_id)) })),
  route("POST /api/v1/programs/{id}/commission_rules/{rule_id}", "sk", (req, { db }) => {
    const program = getProgram(db, req.auth, req.params.id);
    const rule = getRule(db, program, req.params.rule_id);
    assertNotArchived(program);
    const f = validateRuleFields(req.body, rowToFields(rule));
    // Commissions already created keep their terms: a rule change applies to later conversions.
    db.prepare(
      `UPDATE commission_rules SET name = ?, type = ?, percentage = ?, flat_amount = ?, currency = ?, basis = ?, hold_period_days = ?, auto_approve = ?,
         applies_to = ?, recurring_months = ?, metadata = ? WHERE id = ?`,
    ).run(f.name, f.type, f.percentage, f.flat_amount, f.currency, f.basis, f.hold_period_days, bit(f.auto_approve), JSON.stringify(f.applies_to), f.recurring_months, JSON.stringify(f.metadata), rule.id);
    return { status: 200, body: ruleObject(getRule(db, program, rule.id)) };
  }),
  route("DELETE /api/v1/programs/{id}/commission_rules/{rule_id}", "sk", (req, { db }) => {
    const program = getProgram(db, req.auth, req.params.id);
    const rule = getRule(db, program, req.params.rule_id);
    rejectUnknown(req.body, [], "");
    // Existing commissions keep the rule id for the record; no FK ties them to the row.
    db.prepare("DELETE FROM commission_rules WHERE id = ?").run(rule.id);
    return { status: 200, body: { id: rule.id, object: "commission_rule", deleted: true } };
  }),
];
