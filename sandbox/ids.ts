/**
 * Identifier and API-key generation. Everything is random at run time: the project never commits
 * a key-shaped string, so a secret scanner can treat any `sk_live_…` in the tree as a real leak.
 */
import { randomBytes } from "crypto";
import type { Mode } from "@selgeo-golive/runtime";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `length` uniformly random base62 characters (rejection sampling avoids modulo bias). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: bytes at or above it would make the first characters more likely.
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A new object id such as `we_` + 24 base62 characters. */
export function newId(prefix: string): string {
  return prefix + randomBase62(24);
}

/** Kinds of API key: publishable (tracking, safe in a browser) and secret (management API). */
export type KeyKind = "pk" | "sk";

/** A new API key, e.g. `sk_test_` + 24 base62 characters. */
export function newApiKey(kind: KeyKind, mode: Mode): string {
  return `${kind}_${mode}_${randomBase62(24)}`;
}

/** A request id for logs and the `Request-Id` response header. */
export function newRequestId(): string {
  return "req_" + randomBase62(16);
}
