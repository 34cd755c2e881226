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

/** The resource kinds that can adopt, and where their `adoptId` is in the stack config. */
const ADOPT_ID_PATHS = {
  webhookEndpoint: (name: string) => `selgeo:webhookEndpoints.${name}.adoptId`,
  commissionRule: (name: string) => `selgeo:commissionRules.${name}.adoptId`,
  program: () => "selgeo:program.adoptId",
  stripeWebhookEndpoint: () => "selgeo:stripe.adoptId",
} as const;

/** What can adopt an existing object. */
export type AdoptingKind = keyof typeof ADOPT_ID_PATHS;

/**
 * The `check` failure for an adoption target that does not exist, naming the config path (the
 * resource is named after its config key: the last segment of `resourceKey`). This lookup, in
 * `check`, is the only one: it also yields what the take-over changes.
 */
export function adoptionTargetMissing(kind: AdoptingKind, resourceKey: string, id: string, what: string, where: string): { property: string; reason: string } {
  const path = ADOPT_ID_PATHS[kind](resourceKey.split("/").pop() ?? resourceKey);
  return { property: "adoptId", reason: `${path}: no ${what} ${id} in ${where}; check the id (and the stack's mode), or remove adoptId to create a new one` };
}
