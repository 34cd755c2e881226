/**
 * What every resource's logic shares: the check preamble (settings, schema, mode), Pulumi's
 * marker for unknown values, and the struct encoding's dislike of `undefined`.
 */
import type { z } from "zod";
import { CONFIG_KEYS, requireSettings, settingsProblems } from "../providerSettings";
import type { Mode } from "../schemas";

/** One `check` failure: the input property and what to do. */
export interface CheckFailure {
  property: string;
  reason: string;
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
      failures.push({ property: issue.path.map(String).join(".") || "inputs", reason: issue.message });
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
