/** Program storage, validation, status transitions and the live-mode readiness check. */
import { type Program, type ProgramReadinessRequirement, type ProgramStatus, PROGRAM_TRANSITIONS, ProgramCreate, ProgramUpdate } from "@selgeo-golive/runtime";
import type { AuthContext } from "./auth";
import type { SandboxDb } from "./db";
import { conflict, resourceMissing } from "./errors";
import { isStripeConnected } from "./stripeIntegration";
import type { ScopedRow } from "./tableSql";
import { parseBody } from "./validate";

/** A `programs` row. */
export interface ProgramRow extends ScopedRow {
  name: string;
  description: string;
  status: ProgramStatus;
  currency: string;
  metadata: string;
  created: number;
  activated_at: number | null;
}

/** Validated program fields. */
export type ProgramFields = ProgramUpdate;

/** Validates a create (`partial = false`) or update body. */
export function validateProgramFields(body: Record<string, unknown>, partial: boolean): ProgramFields {
  return parseBody(partial ? ProgramUpdate : ProgramCreate, body);
}

/** Loads a program of the caller's account and mode, or throws 404. */
export function getProgram(db: SandboxDb, auth: Pick<AuthContext, "accountId" | "livemode">, id: string, param = "id"): ProgramRow {
  const row = db.prepare("SELECT * FROM programs WHERE id = ? AND account_id = ? AND livemode = ?").get(id, auth.accountId, auth.livemode ? 1 : 0) as
    | ProgramRow
    | undefined;
  if (!row) throw resourceMissing("program", id, param);
  return row;
}

/** The wire object. URLs hang off the sandbox's base URL so a merchant can open them. */
export function programObject(row: ProgramRow, baseUrl: string): Program {
  return {
    id: row.id,
    object: "program",
    livemode: row.livemode === 1,
    name: row.name,
    description: row.description,
    status: row.status,
    currency: row.currency,
    invite_url: `${baseUrl}/p/${row.id}/invite`,
    application_url: `${baseUrl}/p/${row.id}/apply`,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    created: row.created,
    activated_at: row.activated_at,
  };
}

/**
 * What a live program still lacks before it may become active: a commission rule on it, a
 * connected Stripe integration in live mode, and an enabled live webhook endpoint (without one,
 * nobody would hear about conversions and commissions).
 */
export function missingForActivation(db: SandboxDb, program: ProgramRow): ProgramReadinessRequirement[] {
  const missing: ProgramReadinessRequirement[] = [];
  if (!db.prepare("SELECT 1 FROM commission_rules WHERE program_id = ?").get(program.id)) missing.push("commission_rule");
  if (!isStripeConnected(db, program.account_id, program.livemode === 1)) missing.push("stripe_integration");
  if (!db.prepare("SELECT 1 FROM webhook_endpoints WHERE account_id = ? AND livemode = ? AND status = 'enabled'").get(program.account_id, program.livemode)) {
    missing.push("webhook_endpoint");
  }
  return missing;
}

const HOW_TO_FIX: Record<ProgramReadinessRequirement, string> = {
  commission_rule: "a commission rule (POST /api/v1/programs/{id}/commission_rules)",
  stripe_integration: "a connected Stripe integration in live mode (POST /api/v1/integrations/stripe with account_id)",
  webhook_endpoint: "an enabled live webhook endpoint (POST /api/v1/webhook_endpoints)",
};

/**
 * Checks a status change. Same status is a no-op; `archived` is final; a live activation needs
 * everything {@link missingForActivation} lists (409 `program_not_ready` with `error.missing`).
 */
export function checkTransition(db: SandboxDb, program: ProgramRow, to: ProgramStatus): void {
  if (to === program.status) return;
  const allowed = PROGRAM_TRANSITIONS[program.status];
  if (!allowed.includes(to)) {
    const hint = allowed.length ? `From ${program.status} a program can become: ${allowed.join(", ")}.` : "An archived program is final; create a new program instead.";
    throw conflict("invalid_status_transition", `Cannot change program ${program.id} from ${program.status} to ${to}. ${hint}`, "status");
  }
  if (to === "active" && program.livemode === 1) {
    const missing = missingForActivation(db, program);
    if (missing.length > 0) {
      const list = missing.map((m) => HOW_TO_FIX[m].replace("{id}", program.id)).join("; ");
      throw conflict("program_not_ready", `Program ${program.id} cannot be activated in live mode yet. Missing: ${missing.join(", ")}. Add ${list}; then activate again.`, "status", { missing });
    }
  }
}
