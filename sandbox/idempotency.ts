/**
 * Idempotency keys: a POST retried with the same `Idempotency-Key` returns the first response
 * instead of executing again. This is what makes a client's retry after a dropped response safe
 * (the `drop_after_commit` fault exists to prove it).
 *
 * Scope is (API key, Idempotency-Key): two merchants, or the test and live key of one, can
 * never see each other's responses. The request fingerprint covers method, path and the body
 * as canonical JSON, so key order and whitespace differences are not "a different request".
 */
import { createHash } from "crypto";
import type { SandboxDb } from "./db";
import type { SandboxClock } from "./clock";

/** How long a key is remembered, seconds of sandbox time. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** Longest accepted key. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** What to do with a request that carries an Idempotency-Key. */
export type IdempotencyDecision =
  | { kind: "execute" }
  | { kind: "replay"; status: number; body: string }
  | { kind: "mismatch"; method: string; path: string }
  | { kind: "in_progress" };

/** Persistent idempotency records. */
export class IdempotencyStore {
  constructor(
    private readonly db: SandboxDb,
    private readonly clock: SandboxClock,
  ) {
    // A record without a response was in flight when the previous process stopped; nothing can
    // complete it now, and keeping it would answer "in progress" for 24 hours.
    db.prepare("DELETE FROM idempotency_keys WHERE response_status IS NULL").run();
  }

  /**
   * Decides how to handle a request. On `execute` a placeholder is stored, and the caller must
   * later call {@link complete} or {@link abandon}.
   */
  begin(apiKey: string, idempotencyKey: string, method: string, path: string, body: Record<string, unknown>): IdempotencyDecision {
    const hash = fingerprint(method, path, body);
    const now = this.clock.nowSeconds();
    return this.db.transaction((): IdempotencyDecision => {
      this.db.prepare("DELETE FROM idempotency_keys WHERE created <= ?").run(now - IDEMPOTENCY_TTL_SECONDS);
      const row = this.db
        .prepare("SELECT request_hash, method, path, response_status, response_body FROM idempotency_keys WHERE api_key = ? AND idempotency_key = ?")
        .get(apiKey, idempotencyKey) as
        | { request_hash: string; method: string; path: string; response_status: number | null; response_body: string | null }
        | undefined;
      if (!row) {
        this.db
          .prepare("INSERT INTO idempotency_keys (api_key, idempotency_key, request_hash, method, path, created) VALUES (?, ?, ?, ?, ?, ?)")
          .run(apiKey, idempotencyKey, hash, method, path, now);
        return { kind: "execute" };
      }
      if (row.request_hash !== hash) return { kind: "mismatch", method: row.method, path: row.path };
      if (row.response_status === null || row.response_body === null) return { kind: "in_progress" };
      return { kind: "replay", status: row.response_status, body: row.response_body };
    })();
  }

  /** Stores the response of an executed request for replay. */
  complete(apiKey: string, idempotencyKey: string, status: number, body: string): void {
    this.db
      .prepare("UPDATE idempotency_keys SET response_status = ?, response_body = ? WHERE api_key = ? AND idempotency_key = ?")
      .run(status, body, apiKey, idempotencyKey);
  }

  /** Forgets a key whose request did not produce a replayable result (e.g. a 5xx), so a retry executes. */
  abandon(apiKey: string, idempotencyKey: string): void {
    this.db.prepare("DELETE FROM idempotency_keys WHERE api_key = ? AND idempotency_key = ?").run(apiKey, idempotencyKey);
  }
}

function fingerprint(method: string, path: string, body: Record<string, unknown>): string {
  return createHash("sha256").update(`${method} ${path}\n${canonicalJson(body)}`).digest("hex");
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
