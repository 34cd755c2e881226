import { describe, expect, it } from "vitest";
import {
  SelgeoApiError,
  SelgeoAuthenticationError,
  SelgeoConflictError,
  SelgeoConnectionError,
  SelgeoError,
  SelgeoIdempotencyError,
  SelgeoInvalidRequestError,
  SelgeoNotFoundError,
  SelgeoPermissionError,
  SelgeoRateLimitError,
  redact,
} from "../../../runtime/src/errors";

const body = (type: string, code: string, message = "boom", extra: Record<string, unknown> = {}) => ({
  error: { type, code, message, ...extra },
});

describe("SelgeoError.fromResponse", () => {
  it.each([
    [400, body("invalid_request_error", "parameter_missing"), SelgeoInvalidRequestError, false],
    [422, body("invalid_request_error", "url_not_allowed_in_live_mode"), SelgeoInvalidRequestError, false],
    [401, body("authentication_error", "invalid_api_key"), SelgeoAuthenticationError, false],
    [403, body("permission_error", "wrong_key_kind"), SelgeoPermissionError, false],
    [404, body("not_found_error", "resource_missing"), SelgeoNotFoundError, false],
    [409, body("idempotency_error", "idempotency_error"), SelgeoIdempotencyError, false],
    // What the sandbox sends: the family in `type`, the precise problem in `code`.
    [409, body("idempotency_error", "idempotency_key_reused"), SelgeoIdempotencyError, false],
    [409, body("idempotency_error", "idempotency_key_in_use"), SelgeoConflictError, true],
    [409, body("conflict_error", "program_not_ready"), SelgeoConflictError, false],
    [409, body("conflict_error", "idempotency_in_progress"), SelgeoConflictError, true],
    [429, body("rate_limit_error", "rate_limited"), SelgeoRateLimitError, true],
    [500, body("api_error", "internal"), SelgeoApiError, true],
    [503, body("api_error", "unavailable"), SelgeoApiError, true],
    [405, body("invalid_request_error", "method_not_allowed"), SelgeoInvalidRequestError, false],
  ] as const)("maps %i %o", (status, payload, cls, retryable) => {
    const error = SelgeoError.fromResponse(status, payload, {});
    expect(error).toBeInstanceOf(cls);
    expect(error).toBeInstanceOf(SelgeoError);
    expect(error.status).toBe(status);
    expect(error.code).toBe(payload.error.code);
    expect(error.type).toBe(payload.error.type);
    expect(error.retryable).toBe(retryable);
    expect(error.name).toBe(cls.name);
  });

  it("builds a message with method, path, status, code, message, param and request id", () => {
    const error = SelgeoError.fromResponse(
      422,
      JSON.stringify(body("invalid_request_error", "url_not_allowed_in_live_mode", "use https", { param: "url" })),
      { "Request-Id": "req_123" },
      { method: "POST", path: "/api/v1/webhook_endpoints" },
    );
    expect(error.message).toBe(
      "POST /api/v1/webhook_endpoints -> 422 url_not_allowed_in_live_mode: use https (param: url) [request req_123]",
    );
    expect(error.requestId).toBe("req_123");
    expect(error.param).toBe("url");
    expect(error.rawMessage).toBe("use https");
  });

  it("carries what is missing for program_not_ready", () => {
    const error = SelgeoError.fromResponse(409, body("conflict_error", "program_not_ready", "not ready", { missing: ["commission_rule"] }));
    expect(error).toBeInstanceOf(SelgeoConflictError);
    expect(error.missing).toEqual(["commission_rule"]);
    expect(error.message).toContain("missing: commission_rule");
  });

  it("reads Retry-After on a 429", () => {
    const error = SelgeoError.fromResponse(429, body("rate_limit_error", "rate_limited"), { "retry-after": "12" });
    expect(error).toBeInstanceOf(SelgeoRateLimitError);
    expect((error as SelgeoRateLimitError).retryAfterSeconds).toBe(12);
  });

  it("survives bodies that are not Selgeo errors (a proxy's HTML 502)", () => {
    const error = SelgeoError.fromResponse(502, "<html>Bad Gateway</html>", { "x-request-id": "px_1" });
    expect(error).toBeInstanceOf(SelgeoApiError);
    expect(error.code).toBe("http_502");
    expect(error.type).toBe("api_error");
    expect(error.requestId).toBe("px_1");
    expect(error.retryable).toBe(true);
  });

  it("never repeats a key the server echoed back", () => {
    const key = "sk_live_" + "fake".repeat(6);
    const error = SelgeoError.fromResponse(
      401,
      body("authentication_error", "invalid_api_key", `Invalid API key provided: ${key}; Authorization: Bearer ${key}`),
      {},
      { method: "GET", path: "/api/v1/account", secrets: [key] },
    );
    expect(error.message).not.toContain(key);
    expect(error.message).not.toContain("fakefake");
    expect(JSON.stringify(error)).not.toContain("fakefake");
    expect(error.message).toContain("sk_live_[redacted]");
  });
});

describe("SelgeoConnectionError", () => {
  it("has status 0, is retryable and keeps its cause", () => {
    const cause = new Error("socket hang up");
    const error = new SelgeoConnectionError({ method: "GET", path: "/api/v1/account", message: cause.message, cause });
    expect(error.status).toBe(0);
    expect(error.code).toBe("connection_error");
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe("GET /api/v1/account -> no response connection_error: socket hang up");
  });
});

describe("redact", () => {
  it("masks key-shaped strings, webhook secrets, bearer tokens and explicit secrets", () => {
    const pk = "pk_test_" + "abc123".repeat(4);
    const whsec = "whsec_" + "s3cr3t".repeat(4);
    const odd = "custom-" + "token".repeat(3);
    const out = redact(`a ${pk} b ${whsec} c Bearer xyz.abc d ${odd}`, [odd]);
    expect(out).toBe("a pk_test_[redacted] b whsec_[redacted] c Bearer [redacted] d [redacted]");
  });
});
