/**
 * The flow routes: participants, clicks (publishable key), the Conversion API, commissions,
 * the attribution audit log and fraud alerts.
 */
import { ATTRIBUTION_DECISIONS, COMMISSION_STATUSES, ID_PREFIXES } from "@selgeo-golive/runtime";
import type { AuthContext } from "../auth";
import type { AuditRow, ClickRow, CommissionRow, ConversionRow, FraudAlertRow, ParticipantRow, Scope } from "../flow";
import {
  attributeCustomer,
  audit,
  auditObject,
  clickObject,
  commissionObject,
  conversionObject,
  findClick,
  fraudAlertObject,
  getCommission,
  getConversion,
  getParticipant,
  Outbox,
  participantObject,
  recordConversion,
  releaseHolds,
} from "../flow";
import { ApiError, conflict, invalidRequest } from "../errors";
import { newId } from "../ids";
import type { SqlCondition } from "../pagination";
import { listPage } from "../pagination";
import type { ProgramRow } from "../programs";
import { getProgram } from "../programs";
import { type Route, route } from "../router";
import { bit, optionalCurrency, optionalInteger, optionalString, rejectUnknown, requireParams, scopeOf, validateMetadata } from "../validate";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function scopeFromAuth(auth: AuthContext): Scope {
  return { accountId: auth.accountId, livemode: auth.livemode };
}

/** Builds `?a=&b=` equality filters from query parameters, validating enum-like ones. */
function filters(query: URLSearchParams, columns: Record<string, { column: string; values?: readonly string[] }>): SqlCondition {
  const where: string[] = [];
  const args: unknown[] = [];
  for (const [param, spec] of Object.entries(columns)) {
    const v = query.get(param);
    if (v === null) continue;
    if (spec.values && !spec.values.includes(v)) throw invalidRequest("parameter_invalid", `${param} must be one of ${spec.values.join(", ")}; got '${v}'.`, param);
    where.push(`${spec.column} = ?`);
    args.push(v);
  }
  return { where: where.length ? where.join(" AND ") : "1 = 1", args };
}

function assertAcceptsTraffic(program: ProgramRow): void {
  // Draft and paused programs still record (a merchant rehearses before activating, and a pause
  // must not lose sales already clicked); only an archived program is closed for good.
  if (program.status === "archived") throw conflict("program_archived", `Program ${program.id} is archived and no longer records clicks or conversions.`, "program");
}

function approvedParticipant(db: Parameters<typeof getParticipant>[0], program: ProgramRow, id: string): ParticipantRow {
  const p = getParticipant(db, program, id, "partner");
  if (p.status !== "approved") {
    throw conflict("participant_not_approved", `Partner ${id} is ${p.status} in program ${program.id}; approve them first (POST /api/v1/programs/${program.id}/participants/${id}/approve).`, "partner");
  }
  return p;
}

/** Flow routes. */
export const flowRoutes: Route[] = [
  // ----- participants -----
  route("GET /api/v1/programs/{id}/participants", "sk", (req, { db }) => {
    const program = getProgram(db, req.auth, req.params.id);
    const f = filters(req.query, { status: { column: "status", values: ["pending", "approved", "rejected"] } });
    return { status: 200, body: listPage<ParticipantRow, unknown>(db, "participants", { where: "program_id = ?", args: [program.id] }, req.query, participantObject, f) };
  }),
  route("POST /api/v1/programs/{id}/participants", "sk", (req, { db, clock }) => {
    const program = getProgram(db, req.auth, req.params.id);
    rejectUnknown(req.body, ["email", "name", "metadata"], "Participants");
    requireParams(req.body, ["email"]);
    const email = optionalString(req.body, "email", 3, 320) as string;
    if (!EMAIL.test(email)) throw invalidRequest("parameter_invalid", `email must be an email address such as partner@example.com; got '${email}'.`, "email");
    if (db.prepare("SELECT 1 FROM participants WHERE program_id = ? AND lower(email) = lower(?)").get(program.id, email)) {
      throw conflict("participant_exists", `${email} already participates in program ${program.id}; list participants to find them.`, "email");
    }
    const id = newId(ID_PREFIXES.participant);
    db.prepare("INSERT INTO participants (id, account_id, livemode, program_id, email, name, status, metadata, created) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)").run(
      id, req.auth.accountId, bit(req.auth.livemode), program.id, email, optionalString(req.body, "name", 0, 200) ?? "",
      JSON.stringify(req.body.metadata === undefined ? {} : validateMetadata(req.body.metadata)), clock.nowSeconds(),
    );
    return { status: 200, body: participantObject(getParticipant(db, program, id)) };
  }),
  route("GET /api/v1/programs/{id}/participants/{participant_id}", "sk", (req, { db }) =>
    ({ status: 200, body: participantObject(getParticipant(db, getProgram(db, req.auth, req.params.id), req.params.participant_id)) })),
  route("POST /api/v1/programs/{id}/participants/{participant_id}/approve", "sk", (req, { db, clock, deliveries }) => {
    const program = getProgram(db, req.auth, req.params.id);
    const p = getParticipant(db, program, req.params.participant_id);
    rejectUnknown(req.body, [], "");
    // Approving twice is a no-op (and sends no second event), so a retried call is harmless.
    if (p.status === "approved") return { status: 200, body: participantObject(p) };
    db.prepare("UPDATE participants SET status = 'approved', approved_at = ? WHERE id = ?").run(clock.nowSeconds(), p.id);
    const object = participantObject(getParticipant(db, program, p.id));
    deliveries.emitEvent(req.auth.accountId, req.auth.livemode, "participant.approved", object);
    return { status: 200, body: object };
  }),
  route("POST /api/v1/programs/{id}/participants/{participant_id}/reject", "sk", (req, { db }) => {
    const program = getProgram(db, req.auth, req.params.id);
    const p = getParticipant(db, program, req.params.participant_id);
    rejectUnknown(req.body, [], "");
    db.prepare("UPDATE participants SET status = 'rejected' WHERE id = ?").run(p.id);
    return { status: 200, body: participantObject(getParticipant(db, program, p.id)) };
  }),

  // ----- clicks (publishable key) -----
  route("POST /v1/clicks", { auth: "pk", bucket: "clicks_per_pk" }, (req, { db, clock }) => {
    rejectUnknown(req.body, ["program", "partner", "url"], "Clicks");
    requireParams(req.body, ["program", "partner", "url"]);
    const programId = optionalString(req.body, "program", 1, 255) as string;
    const partnerId = optionalString(req.body, "partner", 1, 255) as string;
    const url = optionalString(req.body, "url", 1, 2048) as string;
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
      throw invalidRequest("parameter_invalid", "url must be the absolute http(s) URL of the page the partner link pointed to.", "url");
    }
    const program = getProgram(db, req.auth, programId, "program");
    assertAcceptsTraffic(program);
    const partner = approvedParticipant(db, program, partnerId);
    const id = newId(ID_PREFIXES.click);
    db.prepare("INSERT INTO clicks (id, account_id, livemode, program_id, participant_id, url, created) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
      id, req.auth.accountId, bit(req.auth.livemode), program.id, partner.id, url, clock.nowSeconds(),
    );
    return { status: 200, body: clickObject(findClick(db, scopeFromAuth(req.auth), id) as ClickRow) };
  }),

  // ----- the Conversion API -----
  route("POST /api/v1/conversions", { auth: "sk", bucket: "conversions_per_sk" }, (req, { db, clock, deliveries }) => {
    const b = req.body;
    rejectUnknown(b, ["click", "partner", "program", "amount", "currency", "external_id", "customer", "customer_email", "fee", "metadata"], "Conversions");
    requireParams(b, ["amount", "currency", "external_id"]);
    const amount = optionalInteger(b, "amount", 1, Number.MAX_SAFE_INTEGER, " (minor units, e.g. 4999 for 49.99)") as number;
    const currency = optionalCurrency(b) as string;
    const externalId = optionalString(b, "external_id", 1, 255) as string;
    const customer = optionalString(b, "customer", 1, 255) ?? null;
    const customerEmail = optionalString(b, "customer_email", 3, 320) ?? null;
    const fee = optionalInteger(b, "fee", 0, Number.MAX_SAFE_INTEGER, " (minor units)") ?? null;
    const metadata = b.metadata === undefined ? {} : validateMetadata(b.metadata);
    const scope = scopeFromAuth(req.auth);

    let click: ClickRow | null = null;
    let program: ProgramRow;
    let partnerId: string;
    if (b.click !== undefined) {
      if (b.partner !== undefined || b.program !== undefined) {
        throw invalidRequest("parameter_invalid", "Send either click, or partner and program; the click already names its partner and program.", "click");
      }
      const clickId = optionalString(b, "click", 1, 255) as string;
      click = findClick(db, scope, clickId) ?? null;
      if (!click) throw new ApiError(404, "not_found_error", "resource_missing", `No such click: '${clickId}'.`, "click");
      program = getProgram(db, req.auth, click.program_id, "click");
      partnerId = click.participant_id;
    } else {
      if (b.partner === undefined || b.program === undefined) {
        throw invalidRequest("parameter_missing", "Send click (clk_… from POST /v1/clicks), or both partner (prt_…) and program (prog_…).", b.partner === undefined ? "partner" : "program");
      }
      program = getProgram(db, req.auth, optionalString(b, "program", 1, 255) as string, "program");
      partnerId = optionalString(b, "partner", 1, 255) as string;
    }

    const existing = db.prepare("SELECT * FROM conversions WHERE account_id = ? AND livemode = ? AND external_id = ?").get(scope.accountId, bit(scope.livemode), externalId) as
      | ConversionRow
      | undefined;
    if (existing) {
      if (existing.amount !== amount || existing.currency !== currency || existing.program_id !== program.id || existing.participant_id !== partnerId) {
        throw conflict("external_id_conflict", `external_id '${externalId}' already belongs to conversion ${existing.id} with a different amount, currency, program or partner. Use a new external_id for a new order.`, "external_id");
      }
      audit(db, scope, clock.nowSeconds(), "duplicate_ignored", `Conversion API: external_id '${externalId}' was sent again; returning conversion ${existing.id}.`, { conversion: existing.id, program: existing.program_id, partner: existing.participant_id });
      return { status: 200, body: conversionObject(db, existing) };
    }

    assertAcceptsTraffic(program);
    const participant = approvedParticipant(db, program, partnerId);
    const now = clock.nowSeconds();
    const outbox = new Outbox();
    const row = db.transaction(() => {
      const conv = recordConversion(db, scope, now, {
        program, participant, click, source: "api", trigger: "checkout.session.completed", externalId, customer, customerEmail, amount, currency, fee, metadata,
      }, outbox);
      audit(db, scope, now, click ? "attributed" : "no_click", click
        ? `Conversion API order '${externalId}' attributed to partner ${participant.id} through click ${click.id}: conversion ${conv.id}.`
        : `Conversion API order '${externalId}' attributed directly to partner ${participant.id} (no click): conversion ${conv.id}.`,
        { conversion: conv.id, program: program.id, partner: participant.id, click: click?.id ?? null, customer });
      attributeCustomer(db, scope, now, conv, null);
      return conv;
    })();
    outbox.flush(deliveries);
    return { status: 200, body: conversionObject(db, getConversion(db, scope, row.id)) };
  }),
  route("GET /api/v1/conversions", "sk", (req, { db }) => {
    const f = filters(req.query, { program: { column: "program_id" }, partner: { column: "participant_id" }, click: { column: "click_id" }, customer: { column: "customer" } });
    return { status: 200, body: listPage<ConversionRow, unknown>(db, "conversions", scopeOf(req.auth), req.query, (r) => conversionObject(db, r), f) };
  }),
  route("GET /api/v1/conversions/{id}", "sk", (req, { db }) => ({ status: 200, body: conversionObject(db, getConversion(db, scopeFromAuth(req.auth), req.params.id)) })),

  // ----- commissions -----
  route("GET /api/v1/commissions", "sk", (req, { db, clock, deliveries }) => {
    // Holds that ended in real time (not through a clock advance) are released on read.
    releaseHolds(db, clock.nowSeconds(), deliveries);
    const f = filters(req.query, {
      status: { column: "status", values: COMMISSION_STATUSES },
      program: { column: "program_id" },
      partner: { column: "participant_id" },
      conversion: { column: "conversion_id" },
    });
    return { status: 200, body: listPage<CommissionRow, unknown>(db, "commissions", scopeOf(req.auth), req.query, commissionObject, f) };
  }),
  route("GET /api/v1/commissions/{id}", "sk", (req, { db, clock, deliveries }) => {
    releaseHolds(db, clock.nowSeconds(), deliveries);
    return { status: 200, body: commissionObject(getCommission(db, scopeFromAuth(req.auth), req.params.id)) };
  }),
  route("POST /api/v1/commissions/{id}/approve", "sk", (req, { db, clock, deliveries }) => {
    const c = getCommission(db, scopeFromAuth(req.auth), req.params.id);
    rejectUnknown(req.body, ["amount"], "Approving a commission takes");
    const amount = optionalInteger(req.body, "amount", 1, Number.MAX_SAFE_INTEGER, " (minor units)");
    if (c.status === "approved" && amount === undefined) return { status: 200, body: commissionObject(c) };
    const approvable = c.status === "pending" || c.status === "needs_review" || (c.status === "partially_refunded" && c.approved_at === null);
    if (!approvable) {
      throw conflict("invalid_status_transition", `Commission ${c.id} is ${c.status}; only pending, needs_review or not-yet-approved partially_refunded commissions can be approved.`, "status");
    }
    if (amount !== undefined && c.status !== "needs_review") {
      throw invalidRequest("parameter_invalid", `amount can only be set when approving a needs_review commission (the reviewed amount); ${c.id} is ${c.status}.`, "amount");
    }
    const now = clock.nowSeconds();
    // The status shows the latest step; refunded_amount keeps any partial refund on record.
    db.prepare("UPDATE commissions SET status = 'approved', approved_at = ?, amount = ?, reason = NULL WHERE id = ?").run(now, amount ?? c.amount, c.id);
    const object = commissionObject(getCommission(db, scopeFromAuth(req.auth), c.id));
    deliveries.emitEvent(req.auth.accountId, req.auth.livemode, "commission.approved", object);
    return { status: 200, body: object };
  }),
  route("POST /api/v1/commissions/{id}/reject", "sk", (req, { db }) => {
    const c = getCommission(db, scopeFromAuth(req.auth), req.params.id);
    rejectUnknown(req.body, ["reason"], "Rejecting a commission takes");
    const reason = optionalString(req.body, "reason", 0, 500);
    if (c.status === "rejected") return { status: 200, body: commissionObject(c) };
    if (c.status !== "pending" && c.status !== "needs_review") {
      throw conflict("invalid_status_transition", `Commission ${c.id} is ${c.status}; only pending or needs_review commissions can be rejected.`, "status");
    }
    db.prepare("UPDATE commissions SET status = 'rejected', reason = ? WHERE id = ?").run(reason ?? "rejected by the merchant", c.id);
    return { status: 200, body: commissionObject(getCommission(db, scopeFromAuth(req.auth), c.id)) };
  }),

  // ----- monitoring -----
  route("GET /api/v1/attribution_audit_log", "sk", (req, { db }) => {
    const f = filters(req.query, { conversion: { column: "conversion_id" }, type: { column: "type", values: ATTRIBUTION_DECISIONS }, stripe_event: { column: "stripe_event_id" } });
    return { status: 200, body: listPage<AuditRow, unknown>(db, "attribution_audit_log", scopeOf(req.auth), req.query, auditObject, f) };
  }),
  route("GET /api/v1/fraud_alerts", "sk", (req, { db }) => {
    const f = filters(req.query, { conversion: { column: "conversion_id" }, program: { column: "program_id" } });
    return { status: 200, body: listPage<FraudAlertRow, unknown>(db, "fraud_alerts", scopeOf(req.auth), req.query, fraudAlertObject, f) };
  }),
];
