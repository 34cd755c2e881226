/**
 * The logic behind `ProgramStatus` (checklist item 8): a resource of its own that the stack declares
 * after everything else, so `active` is applied only once every other resource succeeded, and a
 * program paused behind Pulumi's back shows as drift of this resource.
 */
import { SelgeoConflictError } from "../errors";
import { selgeoClient, settingsProblems } from "../providerSettings";
import type { Program } from "../schemas";
import { type CheckFailure, type CheckResult, type CreateResult, type DiffResult, type ReadResult, type UpdateResult } from "./common";
import { DECLARABLE_PROGRAM_STATUSES } from "./program";

/** Turns Selgeo's `program_not_ready` into what a merchant should declare. */
function explain(e: unknown, name: string): never {
  if (e instanceof SelgeoConflictError && e.code === "program_not_ready") {
    const missing = e.missing ?? [];
    const what: Record<string, string> = {
      commission_rule: "a commission rule (selgeo:commissionRules)",
      stripe_integration: "a connected Stripe integration in this mode (selgeo:stripe)",
      webhook_endpoint: "an enabled webhook endpoint (selgeo:webhookEndpoints)",
    };
    throw new Error(
      `program "${name}" cannot go active yet: Selgeo says it is missing ${missing.map((m) => what[m] ?? m).join(", ") || "a prerequisite"}. ` +
        "Declare them and run `pulumi up` again; the program stays as it was.",
    );
  }
  throw e;
}

async function setStatus(id: string, status: ProgramStatusInputs["status"], name: string): Promise<Program> {
  try {
    return await (await selgeoClient()).updateProgram(id, { status });
  } catch (e) {
    explain(e, name);
  }
}

/** Inputs of `ProgramStatus`: which status the program should be in. */
export interface ProgramStatusInputs {
  programId: string;
  /** For messages only. */
  programName: string;
  status: (typeof DECLARABLE_PROGRAM_STATUSES)[number];
}

export interface ProgramStatusOutputs extends ProgramStatusInputs {
  activatedAt?: number;
}

/** Per-kind logic of the `ProgramStatus` resource. */
export const programStatus = {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    const failures: CheckFailure[] = (await settingsProblems()).map((reason) => ({ property: "status", reason }));
    if (!(DECLARABLE_PROGRAM_STATUSES as readonly unknown[]).includes(news.status)) {
      failures.push({ property: "status", reason: 'status is "draft", "active" or "paused"' });
    }
    return { inputs: news, failures };
  },
  async diff(_id: string, olds: Partial<ProgramStatusOutputs>, news: Partial<ProgramStatusInputs>): Promise<DiffResult> {
    const replaces = olds.programId !== news.programId ? ["programId"] : [];
    return { changes: replaces.length > 0 || olds.status !== news.status, replaces, deleteBeforeReplace: false };
  },
  async create(inputs: ProgramStatusInputs): Promise<CreateResult<ProgramStatusOutputs>> {
    const prog = await ensureStatus(inputs);
    return { id: `${inputs.programId}/status`, outs: { ...inputs, ...activated(prog) } };
  },
  async update(_id: string, _olds: ProgramStatusOutputs, news: ProgramStatusInputs): Promise<UpdateResult<ProgramStatusOutputs>> {
    const prog = await ensureStatus(news);
    return { outs: { ...news, ...activated(prog) } };
  },
  async read(id: string, props: Partial<ProgramStatusOutputs>): Promise<ReadResult<ProgramStatusOutputs, ProgramStatusInputs>> {
    if (!props.programId) return { id: "" };
    const prog = await (await selgeoClient()).findProgram(props.programId);
    if (!prog || prog.status === "archived") return { id: "" };
    const inputs: ProgramStatusInputs = {
      programId: prog.id,
      programName: props.programName ?? prog.name,
      status: prog.status as ProgramStatusInputs["status"],
    };
    return { id, props: { ...inputs, ...activated(prog) }, inputs };
  },
  /** Dropping the status resource leaves the program as it is (the Program resource archives it). */
  async remove(): Promise<void> {},
};

async function ensureStatus(inputs: ProgramStatusInputs): Promise<Program> {
  const current = await (await selgeoClient()).getProgram(inputs.programId);
  if (current.status === inputs.status) return current;
  return setStatus(inputs.programId, inputs.status, inputs.programName);
}

function activated(p: Program): { activatedAt?: number } {
  return p.activated_at ? { activatedAt: p.activated_at } : {};
}
