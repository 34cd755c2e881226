/**
 * API-key authentication. The key alone decides account and mode; the route decides which kind
 * of key it needs: secret keys for the management API (`/api/v1/…`), publishable keys for
 * tracking (`/v1/clicks`), because a publishable key is embedded in web pages and must never
 * unlock management.
 */
import { classifyKey, keyPrefix, type Mode } from "@selgeo-golive/runtime";
import type { SandboxDb } from "./db";
import { ApiError } from "./errors";
import type { KeyKind } from "./ids";

/** Who is calling. */
export interface AuthContext {
  accountId: string;
  mode: Mode;
  livemode: boolean;
  kind: KeyKind;
  /** The key itself: scopes idempotency records and per-key rate limits. */
  key: string;
}

// The sandbox issues Selgeo keys only: pk_ and sk_, never Stripe's rk_.
const isSelgeoKeyShape = (key: string): boolean => {
  const c = classifyKey(key);
  return c !== undefined && (c.kind === "publishable" || c.kind === "secret");
};

/** Authenticates a request from its `Authorization` header, requiring a key of kind `required`. */
export function authenticate(db: SandboxDb, authorization: string | undefined, required: KeyKind): AuthContext {
  const wanted = required === "sk" ? "a secret key (sk_test_… or sk_live_…)" : "a publishable key (pk_test_… or pk_live_…)";
  if (!authorization) {
    throw new ApiError(401, "authentication_error", "missing_api_key", `No API key provided. Send it as 'Authorization: Bearer <key>' with ${wanted}.`);
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) {
    throw new ApiError(401, "authentication_error", "invalid_authorization_header", `The Authorization header must be 'Bearer <key>' with ${wanted}.`);
  }
  const key = match[1];
  const row = isSelgeoKeyShape(key)
    ? (db.prepare("SELECT account_id, kind, livemode FROM api_keys WHERE key = ?").get(key) as
        | { account_id: string; kind: KeyKind; livemode: number }
        | undefined)
    : undefined;
  if (!row) {
    throw new ApiError(401, "authentication_error", "invalid_api_key", `Invalid API key provided: ${redact(key)}. Use a key printed by the sandbox (or shown in your dashboard).`);
  }
  const mode: Mode = row.livemode ? "live" : "test";
  if (row.kind !== required) {
    const code = required === "sk" ? "secret_key_required" : "publishable_key_required";
    const why =
      required === "sk"
        ? "This endpoint needs a secret key; publishable keys only work for tracking (POST /v1/clicks)."
        : "This endpoint needs a publishable key; do not send secret keys from tracking code.";
    throw new ApiError(403, "permission_error", code, `${why} Use ${wanted}.`);
  }
  return { accountId: row.account_id, mode, livemode: mode === "live", kind: row.kind, key };
}

/** Shows enough of a key to recognise it in logs, never the whole secret. */
export function redact(key: string): string {
  const p = keyPrefix(key);
  const prefix = p && p.kind !== "rk" ? p.prefix : "";
  return key.length <= prefix.length + 4 ? `${prefix}****` : `${prefix}****${key.slice(-4)}`;
}
