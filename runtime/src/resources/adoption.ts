/**
 * What adopting an existing object (`adoptId`) will change. Pulumi's `import` does not work for
 * dynamic resources, so an adoption is a create that takes the object over; `check` lists, field by
 * field, how the object as it is differs from the declaration, so the preview shows what the
 * take-over will overwrite instead of doing it silently.
 */
import { canonicalJson } from "../idempotency";
import { UNKNOWN } from "./common";

/** `field: <as found> => <as declared>` for each field that differs, in the order given. */
export function adoptionChanges(foundObject: object, declaredObject: object, fields: readonly string[]): string[] {
  const found = foundObject as Record<string, unknown>;
  const declared = declaredObject as Record<string, unknown>;
  // Plain text where it reads as such: the preview quotes the whole line and escapes inner quotes.
  const show = (v: unknown) =>
    v === undefined ? "(none)" : typeof v === "string" ? v || "(empty)" : Array.isArray(v) ? `[${v.map(String).join(", ")}]` : canonicalJson(v);
  return fields
    .filter((f) => canonicalJson(found[f] ?? null) !== canonicalJson(declared[f] ?? null))
    .map((f) => `${f}: ${show(found[f])} => ${show(declared[f])}`);
}

/** Whether `check` should look the adopted object up: a new adoption target whose inputs are all known. */
export function isNewAdoption<T extends { adoptId?: string }>(olds: Record<string, unknown>, inputs: T): inputs is T & { adoptId: string } {
  if (typeof inputs.adoptId !== "string" || olds.adoptId === inputs.adoptId) return false;
  return !JSON.stringify(inputs).includes(UNKNOWN);
}

/** The `check` failure for an adoption target that does not exist. */
export function adoptionTargetMissing(id: string, what: string, mode: string): { property: string; reason: string } {
  return { property: "adoptId", reason: `${id} is not an existing ${what} in ${mode} mode: check the id, or remove adoptId to create a new one` };
}
