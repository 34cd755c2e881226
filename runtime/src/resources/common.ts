/**
 * What every resource's logic shares: the check preamble (settings, schema, mode), Pulumi's
 * marker for unknown values, and the struct encoding's dislike of `undefined`.
 */
import type { z } from "zod";
import { chainedIdempotencyKey, MAX_KEY_CHAIN_LINKS } from "../idempotency";
import { CONFIG_KEYS, requireSettings, settingsProblems } from "../providerSettings";
import { declaredMessage } from "../requests/declarations";
import type { Mode } from "../schemas";

/** One `check` failure: the input property and what to do. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** What `check` answers: the inputs to go on with and every failure. */
export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
}

/** What `diff` answers: whether anything changed, and which properties need a new object. */
export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** What `create` answers: the new object's id and the outputs state keeps. */
export interface CreateResult<O> {
  id: string;
  outs: O;
}

/** What `update` answers: the outputs state keeps. */
export interface UpdateResult<O> {
  outs: O;
}

/**
 * What `read` answers: an empty id for an object that is gone; otherwise its outputs and, where the
 * resource can tell, its inputs as found (what refresh compares with the declared ones).
 */
export interface ReadResult<O, I> {
  id: string;
  props?: O;
  inputs?: I;
}

/** Pulumi's marker for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Pulumi's struct encoding rejects `undefined`; optional properties must be absent instead. */
export function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The result of the common part of `check`. */
export type CheckedInputs<T> = { data: T; failures: CheckFailure[] } | { data: undefined; failures: CheckFailure[] };

/**
 * Settings problems (config paths), schema problems (input paths; unknown values during preview
 * are not judged), and the resource's `mode` against `selgeo:mode`. `extraSettings` adds problems
 * of other settings (the Stripe key) reported the same way.
 */
export async function checkInputs<T extends { mode: Mode }>(
  news: Record<string, unknown>,
  shape: z.ZodType<T>,
  extraSettings?: () => Promise<string[]>,
): Promise<CheckedInputs<T>> {
  const base = await settingsProblems();
  const settings = base.length > 0 || !extraSettings ? base : await extraSettings();
  const failures: CheckFailure[] = settings.map((reason) => ({ property: "mode", reason }));
  const { __provider: _p, ...raw } = news;
  const parsed = shape.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const value = issue.path.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey], raw);
      if (value === UNKNOWN) continue;
      failures.push({ property: propertyPath(issue.path) || "inputs", reason: declaredMessage(issue) });
    }
    return { data: undefined, failures };
  }
  if (base.length === 0) {
    const { mode } = await requireSettings();
    if (parsed.data.mode !== mode) {
      failures.push({ property: "mode", reason: `declared for ${parsed.data.mode} mode but ${CONFIG_KEYS.mode} is "${mode}": keep them the same` });
    }
  }
  return { data: parsed.data, failures };
}

/** `events[1]`, `metadata.team`: an input's path as the failure names it. */
function propertyPath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : `${i > 0 ? "." : ""}${String(k)}`)).join("");
}

/**
 * The objects Pulumi is replacing, by resource key. The engine calls `diff` and then `create` of a
 * replacement in this same provider process (one per stack run, shared by every dynamic resource),
 * and only `diff` is told the id: `create` must not answer with that object, since Pulumi deletes
 * it right after. A rerun diffs again before it creates, so the note is always there when needed.
 */
const replacing = new Map<string, Set<string>>();

/** Records, from `diff`, that the object `id` of this resource is about to be replaced. */
export function noteReplacement(resourceKey: string | undefined, id: string): void {
  if (!resourceKey || !id) return;
  replacing.set(resourceKey, (replacing.get(resourceKey) ?? new Set()).add(id));
}

/**
 * The properties whose change replaces the object: those of `keys` that differ, then `adoptId` when
 * the adoption target changed (taking over another object, or letting one go, is a new object).
 */
export function replacingChanges<T extends { adoptId?: string }>(olds: Partial<T>, news: Partial<T>, keys: readonly (keyof T & string)[]): string[] {
  const replaces = keys.filter((k) => olds[k] !== news[k]);
  if ((olds.adoptId ?? "") !== (news.adoptId ?? "")) replaces.push("adoptId");
  return replaces;
}

/**
 * `diff`'s answer for a resource with a key chain: what replaces, what updates in place, and the
 * replacement noted for the `create` that follows (see noteReplacement).
 */
export function keyedDiff(id: string, resourceKey: string | undefined, replaces: string[], changed: readonly string[]): DiffResult {
  if (replaces.length > 0) noteReplacement(resourceKey, id);
  return { changes: replaces.length > 0 || changed.length > 0, replaces, deleteBeforeReplace: false };
}

/** The ids a create of this resource must not answer with (see noteReplacement). */
export function replacementOf(resourceKey: string): string[] {
  return [...(replacing.get(resourceKey) ?? [])];
}

/** One idempotent create, described for {@link createWithKeyChain}. */
export interface KeyChainCreate<T> {
  /** For the error message, e.g. `webhook endpoint selgeo-golive/prod/orders`. */
  what: string;
  /** The first link's key, derived from the resource's identity and inputs. */
  baseKey: string;
  /** Sends the create with this idempotency key (a replay answers with the first response). */
  create: (idempotencyKey: string) => Promise<T>;
  idOf: (object: T) => string;
  /** Whether the object still exists in a usable state (not deleted, not archived). */
  isLive: (object: T) => Promise<boolean>;
  /**
   * Whether the answer was a replay, when the caller knows (`false` = freshly created, so it is
   * live and `isLive` is skipped); `undefined` when it cannot tell.
   */
  wasReplayed?: (object: T) => boolean | undefined;
  /** Objects this create must not answer with: the one a replacement is about to delete. */
  avoid?: readonly string[];
}

/**
 * The one rule every idempotent create follows. The key chain starts at the base key and moves to
 * the next link while the answer is an object that is gone, archived or listed in `avoid`: after a
 * `pulumi destroy` the 24 h replay of the old create would otherwise hand back a dead object. A
 * rerun after a crash walks the same links and stops at the live object it made, so it never
 * creates a duplicate.
 */
export async function createWithKeyChain<T>(spec: KeyChainCreate<T>): Promise<{ object: T; idempotencyKey: string; link: number }> {
  for (let link = 1; link <= MAX_KEY_CHAIN_LINKS; link++) {
    const idempotencyKey = chainedIdempotencyKey(spec.baseKey, link);
    const object = await spec.create(idempotencyKey);
    if (spec.avoid?.includes(spec.idOf(object))) continue;
    if (spec.wasReplayed?.(object) === false || (await spec.isLive(object))) return { object, idempotencyKey, link };
  }
  throw new Error(
    `creating ${spec.what}: the last ${MAX_KEY_CHAIN_LINKS} idempotent creates all replayed objects that are gone ` +
      "(many destroy/up cycles within the 24 h idempotency window); run `pulumi up` again after the window",
  );
}
