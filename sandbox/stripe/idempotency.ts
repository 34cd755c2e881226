/**
 * `Idempotency-Key` on POST, as Stripe implements it: the first response for a key is saved and
 * replayed (with `Idempotent-Replayed: true`) for 24 hours; the same key with other parameters is
 * 400 `idempotency_error`; a key whose first request is still running is 409.
 *
 * Stripe saves a result only once the endpoint "started executing": requests that fail parameter
 * validation (400), authentication, or an idempotency conflict are not saved, so a corrected retry
 * with the same key runs. Everything else is saved, errors included.
 *
 * Scope is the secret key (so test and live never share), and the fingerprint is method, path and
 * the decoded parameters as canonical JSON. stripe-node sends a random key with every POST, so in
 * practice this store mostly holds single-use keys; that is what makes its retries safe.
 */
import { createHash } from "crypto";
import type { SandboxClock } from "../clock";
import type { SandboxDb } from "../db";
import { canonicalJson } from "../idempotency";
import { StripeApiError } from "./errors";

/** How long a key is remembered, seconds of sandbox time. */
const TTL_SECONDS = 24 * 3600;
/** Stripe's maximum key length. */
export const MAX_STRIPE_IDEMPOTENCY_KEY_LENGTH = 255;

/** What to do with a POST that carries a key. */
export type StripeIdempotencyDecision = { kind: "execute" } | { kind: "replay"; status: number; body: string };

/** Persistent idempotency records of the emulator. */
export class StripeIdempotencyStore {
  constructor(
    private readonly db: SandboxDb,
    private readonly clock: SandboxClock,
  ) {
    // A key without a response was in flight when the previous process stopped; nothing can finish it.
    db.prepare("DELETE FROM stripe_emu_idempotency_keys WHERE response_status IS NULL").run();
  }

  /** Replay, execute (a placeholder is stored; call complete or abandon), or throw a conflict. */
  begin(apiKey: string, key: string, method: string, path: string, params: unknown): StripeIdempotencyDecision {
    if (key.length === 0 || key.length > MAX_STRIPE_IDEMPOTENCY_KEY_LENGTH) {
      throw new StripeApiError(400, "invalid_request_error", `Invalid idempotency key: must be 1 to ${MAX_STRIPE_IDEMPOTENCY_KEY_LENGTH} characters long.`, undefined, "idempotency_key_invalid");
    }
    const hash = createHash("sha256").update(`${method} ${path}\n${canonicalJson(params)}`).digest("hex");
    const now = this.clock.nowSeconds();
    return this.db.transaction((): StripeIdempotencyDecision => {
      this.db.prepare("DELETE FROM stripe_emu_idempotency_keys WHERE created <= ?").run(now - TTL_SECONDS);
      const row = this.db
        .prepare("SELECT request_hash, response_status, response_body FROM stripe_emu_idempotency_keys WHERE api_key = ? AND idempotency_key = ?")
        .get(apiKey, key) as { request_hash: string; response_status: number | null; response_body: string | null } | undefined;
      if (!row) {
        this.db.prepare("INSERT INTO stripe_emu_idempotency_keys (api_key, idempotency_key, request_hash, created) VALUES (?, ?, ?, ?)").run(apiKey, key, hash, now);
        return { kind: "execute" };
      }
      if (row.request_hash !== hash) {
        throw new StripeApiError(
          400,
          "idempotency_error",
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      if (row.response_status === null || row.response_body === null) {
        throw new StripeApiError(
          409,
          "invalid_request_error",
          `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
          undefined,
          "idempotency_key_in_use",
        );
      }
      return { kind: "replay", status: row.response_status, body: row.response_body };
    })();
  }

  /** Saves the outcome, or forgets the key when Stripe would not have saved it. */
  complete(apiKey: string, key: string, status: number, body: string): void {
    if (status === 400 || status === 401 || status === 409 || status === 429) {
      this.db.prepare("DELETE FROM stripe_emu_idempotency_keys WHERE api_key = ? AND idempotency_key = ?").run(apiKey, key);
      return;
    }
    this.db.prepare("UPDATE stripe_emu_idempotency_keys SET response_status = ?, response_body = ? WHERE api_key = ? AND idempotency_key = ?").run(status, body, apiKey, key);
  }
}
