/**
 * The `Selgeo-Signature` scheme for webhook deliveries:
 * `Selgeo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 *
 * After a secret rotation both the new and the still-valid previous secret sign a delivery, so
 * the header carries several `v1` values and a receiver holding either secret accepts it. That is
 * what lets a merchant rotate without a window in which deliveries fail.
 */
import { createHmac, randomBytes, timingSafeEqual } from "crypto";
import { SIGNATURE_TOLERANCE_SECONDS } from "./schemas";

/** Name of the header that carries the delivery signature. */
export const SELGEO_SIGNATURE_HEADER = "Selgeo-Signature";

/** Default tolerance between the signed timestamp and the receiver's clock, seconds. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS: number = SIGNATURE_TOLERANCE_SECONDS;

/** Prefix of every webhook signing secret. */
export const WEBHOOK_SECRET_PREFIX = "whsec_";

/** A new signing secret: `whsec_` + 32 random bytes in base64url (no padding). */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString("base64url");
}

/**
 * The hex HMAC-SHA256 of `"<timestamp>.<rawBody>"` keyed with the secret string as-is (UTF-8,
 * prefix included): receivers never have to decode the secret, which avoids a class of
 * "works in one language, fails in another" bugs.
 */
export function signPayload(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac("sha256", secret)
    .update(`${timestamp}.`)
    .update(rawBody)
    .digest("hex");
}

/** Builds `t=<t>,v1=<sig>[,v1=<sig>…]`, one `v1` per secret, in the order given. */
export function buildSignatureHeader(timestamp: number, secrets: readonly string[], rawBody: string | Buffer): string {
  if (!Number.isInteger(timestamp) || timestamp < 0) throw new Error(`signature timestamp must be a non-negative integer, got ${timestamp}`);
  if (secrets.length === 0) throw new Error("at least one secret is needed to sign a delivery");
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${signPayload(s, timestamp, rawBody)}`)].join(",");
}

/** Why a signature header was rejected. */
export type SignatureFailureReason =
  | "missing_header"
  | "malformed_header"
  | "no_v1_signature"
  | "timestamp_outside_tolerance"
  | "signature_mismatch";

/** Result of {@link verifySignatureHeader}. */
export type SignatureVerification = { ok: true; timestamp: number } | { ok: false; reason: SignatureFailureReason; message: string };

/** Options for {@link verifySignatureHeader}. */
export interface VerifyOptions {
  /** Maximum |now - t| in seconds (default 300). */
  toleranceSeconds?: number;
  /** The receiver's current time in unix seconds (default: the system clock). */
  now?: number;
}

/**
 * Verifies a `Selgeo-Signature` header against the exact raw request body.
 *
 * Accepts when any `v1` value matches any of the given secrets (a receiver that keeps its old
 * secret during a rotation passes both) and `t` is within the tolerance. Comparison is constant
 * time so the check does not leak how many leading bytes of a forged signature were right.
 * Unknown schemes (e.g. a future `v2`) are ignored rather than rejected, so adding one later does
 * not break deployed receivers.
 */
export function verifySignatureHeader(
  header: string | undefined | null,
  rawBody: string | Buffer,
  secret: string | readonly string[],
  options: VerifyOptions = {},
): SignatureVerification {
  const tolerance = options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (header === undefined || header === null || header === "") {
    return { ok: false, reason: "missing_header", message: `The ${SELGEO_SIGNATURE_HEADER} header is missing.` };
  }
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return malformed(header);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return malformed(header);
      timestamp = Number(value);
    } else if (key === "v1") {
      candidates.push(value);
    }
  }
  if (timestamp === undefined) return malformed(header);
  if (candidates.length === 0) {
    return { ok: false, reason: "no_v1_signature", message: `The ${SELGEO_SIGNATURE_HEADER} header has no v1 signature.` };
  }
  if (Math.abs(now - timestamp) > tolerance) {
    return {
      ok: false,
      reason: "timestamp_outside_tolerance",
      message: `The signature timestamp ${timestamp} is ${Math.abs(now - timestamp)} s away from now (${now}); the tolerance is ${tolerance} s. Check the receiver's clock, or this is a replayed delivery.`,
    };
  }
  const secrets = typeof secret === "string" ? [secret] : secret;
  let matched = false;
  for (const s of secrets) {
    const expected = Buffer.from(signPayload(s, timestamp, rawBody), "hex");
    for (const candidate of candidates) {
      // Decoding a non-hex value yields a shorter buffer; the length check then fails it without
      // calling timingSafeEqual (which throws on unequal lengths).
      const given = /^[0-9a-f]+$/i.test(candidate) ? Buffer.from(candidate, "hex") : Buffer.alloc(0);
      // No early exit: every pair is compared so timing does not reveal which one matched.
      if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
    }
  }
  if (!matched) {
    return {
      ok: false,
      reason: "signature_mismatch",
      message: "No v1 signature matches the signing secret. Verify against the raw request body (before JSON parsing) with the endpoint's current whsec_ secret.",
    };
  }
  return { ok: true, timestamp };
}

function malformed(header: string): SignatureVerification {
  return {
    ok: false,
    reason: "malformed_header",
    message: `The ${SELGEO_SIGNATURE_HEADER} header is malformed (expected t=<unix seconds>,v1=<hex>): ${header.slice(0, 200)}`,
  };
}
