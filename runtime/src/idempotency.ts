/**
 * Idempotency keys. A create derives its key from the resource's URN and inputs, so a `pulumi up`
 * that crashed after Selgeo committed the object replays the first response instead of creating a
 * duplicate; any other POST gets a random key that stays fixed across its own retries.
 */
import { createHash, randomUUID } from "crypto";

/**
 * JSON with object keys sorted at every depth, so equal inputs always hash equally whatever order
 * their properties were built in. `undefined` members are dropped exactly as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? "null";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  // Let Date and friends serialize themselves first, then canonicalize what they produce.
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === "function") return sortKeys(withToJson.toJSON());
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

/** Hex characters of the SHA-256 kept in a derived key: 128 bits, far from any collision. */
const DERIVED_HEX_LENGTH = 32;

/**
 * A stable key `golive-<sha256 hex prefix>` for the given parts, e.g.
 * `[urn, canonicalJson(inputs)]`. The parts are hashed as a JSON array so `["a","bc"]` and
 * `["ab","c"]` differ.
 */
export function deriveIdempotencyKey(parts: readonly string[]): string {
  const digest = createHash("sha256").update(JSON.stringify(parts)).digest("hex");
  return `golive-${digest.slice(0, DERIVED_HEX_LENGTH)}`;
}

/** A fresh key for one logical request that has no natural identity (a ping, a retry). */
export function randomIdempotencyKey(): string {
  return `golive-r-${randomUUID()}`;
}

/**
 * The most links a create walks in its key chain. Every destroy→up within Selgeo's (or Stripe's)
 * 24 h idempotency window adds one link, so this bounds how many such cycles a day still converge.
 */
export const MAX_KEY_CHAIN_LINKS = 32;

/**
 * Link `link` (1-based) of a create's key chain: the base key itself, then `<base>~2`, `<base>~3`…
 * A create moves to the next link only while the replay answered with an object that is gone,
 * archived or being replaced, so the chain is a pure function of what exists: a rerun after a crash
 * walks the same links and stops at the object it made.
 */
export function chainedIdempotencyKey(baseKey: string, link: number): string {
  if (!Number.isInteger(link) || link < 1) throw new RangeError(`key chain links start at 1, not ${link}`);
  return link === 1 ? baseKey : `${baseKey}~${link}`;
}
