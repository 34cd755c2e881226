/**
 * The logic behind `Program` (checklist item 8). The program is created in draft, so its commission
 * rules can point at it; its status is the `ProgramStatus` resource (./programStatus.ts), which the
 * stack declares after everything else.
 */
import { z } from "zod";
import { SelgeoError, SelgeoNotFoundError } from "../errors";
import { canonicalJson, deriveIdempotencyKey } from "../idempotency";
import { selgeoClient } from "../providerSettings";
import { MODES, type Mode, type Program } from "../schemas";
import { DeclaredMetadata, MANAGED_BY_METADATA_KEY, ProgramDeclaration } from "../requests/declarations";
import { adoptionChanges, adoptionTargetMissing, isNewAdoption } from "./adoption";
import { checkInputs, createWithKeyChain, dropUndefined, keyedDiff, replacementOf, replacingChanges } from "./common";
import type { CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult } from "./common";

/** Statuses a stack may declare; `archived` is what `pulumi destroy` leaves (Selgeo keeps programs). */
export const DECLARABLE_PROGRAM_STATUSES = ["draft", "active", "paused"] as const;

export interface ProgramInputs {
  resourceKey: string;
  mode: Mode;
  name: string;
  description: string;
  /** ISO currency, lower case. A change replaces the program. */
  currency: string;
  metadata: Record<string, string>;
  /** Adopt an existing program (`prog_…`) instead of creating one. */
  adoptId?: string;
  /**
   * Computed by `check` when `adoptId` is new: each field the take-over will change, as
   * `field: <as found> => <as declared>`, so the preview shows it.
   */
  adoptChanges?: string[];
}

export interface ProgramOutputs extends ProgramInputs {
  programId: string;
  /** Informational: `ProgramStatus` manages it. */
  status: string;
  livemode: boolean;
  inviteUrl: string;
  applicationUrl: string;
  activatedAt?: number;
}

/** The declaration (runtime/src/requests) with what `check` adds: identity, mode and defaults. */
const Shape = ProgramDeclaration.extend({
  resourceKey: z.string().min(1),
  mode: z.enum(MODES),
  description: ProgramDeclaration.shape.description.unwrap().default(""),
  currency: ProgramDeclaration.shape.currency.unwrap().default("usd"),
  metadata: DeclaredMetadata.default({}),
});

export async function check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
  const { data, failures } = await checkInputs(news, Shape);
  if (!data) return { inputs: news, failures };
  const inputs: ProgramInputs = { ...data };
  if (failures.length === 0 && isNewAdoption(olds, inputs)) {
    const found = await read(inputs.adoptId, { resourceKey: inputs.resourceKey, adoptId: inputs.adoptId });
    if (!found.inputs) failures.push(adoptionTargetMissing("program", inputs.resourceKey, inputs.adoptId, "Selgeo program", "this account's mode (archived ones cannot be adopted)"));
    else inputs.adoptChanges = adoptionChanges(found.inputs, inputs, UPDATABLE);
  }
  return { inputs: dropUndefined({ ...inputs }), failures };
}

const UPDATABLE = ["name", "description", "metadata"] as const;

export async function diff(id: string, olds: Partial<ProgramOutputs>, news: Partial<ProgramInputs>): Promise<DiffResult> {
  const changed = UPDATABLE.filter((k) => canonicalJson(olds[k] ?? null) !== canonicalJson(news[k] ?? null));
  return keyedDiff(id, news.resourceKey, replacingChanges(olds, news, ["mode", "currency"]), changed);
}

/** Creates the program (in draft) with an idempotency key derived from identity and inputs. */
export async function create(inputs: ProgramInputs): Promise<CreateResult<ProgramOutputs>> {
  const client = (await selgeoClient());
  const body = {
    name: inputs.name,
    description: inputs.description,
    currency: inputs.currency,
    metadata: { ...inputs.metadata, [MANAGED_BY_METADATA_KEY]: inputs.resourceKey },
  };
  let prog: Program;
  if (inputs.adoptId) {
    prog = await client.updateProgram(inputs.adoptId, { name: body.name, description: body.description, metadata: body.metadata });
  } else {
    // Selgeo keeps programs: after a destroy the replay answers with the archived one, which can
    // never come back, so the key chain moves on to a new program.
    ({ object: prog } = await createWithKeyChain({
      what: `program ${inputs.resourceKey}`,
      baseKey: deriveIdempotencyKey(["program.create", inputs.resourceKey, canonicalJson(body)]),
      create: (idempotencyKey) => client.createProgram(body, { idempotencyKey }),
      idOf: (p) => p.id,
      wasReplayed: (p) => p.replayed,
      isLive: async (p) => {
        const now = await client.findProgram(p.id);
        return now !== undefined && now.status !== "archived";
      },
      avoid: replacementOf(inputs.resourceKey),
    }));
  }
  return { id: prog.id, outs: toOutputs(inputs, prog) };
}

export async function read(id: string, props: Partial<ProgramOutputs>): Promise<ReadResult<ProgramOutputs, ProgramInputs>> {
  const prog = await (await selgeoClient()).findProgram(id);
  if (!prog) return { id: "" };
  // An archived program can never come back: treat it as gone so the next `up` makes a new one.
  if (prog.status === "archived") return { id: "" };
  const { [MANAGED_BY_METADATA_KEY]: _ours, ...metadata } = prog.metadata;
  const inputs: ProgramInputs = dropUndefined({
    resourceKey: props.resourceKey ?? id,
    mode: prog.livemode ? "live" : "test",
    name: prog.name,
    description: prog.description ?? "",
    currency: prog.currency,
    metadata,
    adoptId: props.adoptId,
    // What the adoption changed stays on record; refresh does not make it drift.
    adoptChanges: props.adoptChanges,
  });
  return { id: prog.id, props: toOutputs(inputs, prog), inputs };
}

export async function update(id: string, olds: ProgramOutputs, news: ProgramInputs): Promise<UpdateResult<ProgramOutputs>> {
  const client = (await selgeoClient());
  const prog = await client.updateProgram(id, {
    name: news.name,
    description: news.description,
    metadata: { ...news.metadata, [MANAGED_BY_METADATA_KEY]: news.resourceKey },
  });
  return { outs: toOutputs(news, prog) };
}

/** Selgeo keeps programs: destroying one archives it (final), so partners can no longer join. */
export async function remove(id: string): Promise<void> {
  try {
    await (await selgeoClient()).updateProgram(id, { status: "archived" });
  } catch (e) {
    if (e instanceof SelgeoNotFoundError) return;
    if (e instanceof SelgeoError && e.code === "invalid_status_transition") return; // already archived
    throw e;
  }
}

function toOutputs(inputs: ProgramInputs, p: Program): ProgramOutputs {
  return dropUndefined({
    ...inputs,
    programId: p.id,
    status: p.status,
    livemode: p.livemode,
    inviteUrl: p.invite_url,
    applicationUrl: p.application_url,
    activatedAt: p.activated_at ?? undefined,
  });
}
