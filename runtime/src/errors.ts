/**
 * The one error hierarchy of the Selgeo client. Every failure the client can report, from a
 * dropped socket to a 422, is a `SelgeoError`, and the subclass is chosen in exactly one place:
 * `SelgeoError.fromResponse` (HTTP answers) or `SelgeoConnectionError` (no answer at all).
 */
import { KEY_BODY_SOURCE, KEY_PREFIX_SOURCE, WEBHOOK_SECRET_BODY_SOURCE } from "./keyModes";
import { ErrorBody } from "./schemas";

/** What the caller was doing; woven into messages so a log line is enough to find the request. */
export interface RequestContext {
  method?: string;
  path?: string;
  /** Extra strings to mask in the message (the caller's own key); never stored on the error. */
  secrets?: readonly string[];
}

/** Constructor fields shared by every `SelgeoError`. */
export interface SelgeoErrorInit extends RequestContext {
  status: number;
  code: string;
  type: string;
  message: string;
  requestId?: string;
  param?: string;
  /** For `program_not_ready`: what is missing. */
  missing?: string[];
  retryable?: boolean;
  cause?: unknown;
}

/** Headers as undici returns them (`string | string[]`) or as a plain record. */
export type HeaderBag = Record<string, string | string[] | undefined>;

// Anything shaped like a Selgeo or Stripe credential, or a bearer token: error text can come from
// the server or from a lower layer, and none of it may carry a secret into logs or Pulumi state.
const SECRET_PATTERNS: RegExp[] = [
  new RegExp(`\\b(${KEY_PREFIX_SOURCE.replace(/\(/g, "(?:")})${KEY_BODY_SOURCE}+`, "g"),
  new RegExp(`\\b(whsec_)${WEBHOOK_SECRET_BODY_SOURCE}+`, "g"),
  /\b(Bearer\s+)\S+/gi,
];

/**
 * Removes credentials from a piece of text: key-shaped strings keep only their prefix, and any
 * explicitly given secret (e.g. the client's own API key, whatever its shape) is masked entirely.
 */
export function redact(text: string, extraSecrets: readonly (string | undefined)[] = []): string {
  // Patterns first, so a key-shaped secret keeps its telling prefix (`sk_live_[redacted]`).
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, "$1[redacted]");
  for (const secret of extraSecrets) {
    // Very short strings would mask ordinary words; real keys are long.
    if (secret && secret.length >= 8) out = out.split(secret).join("[redacted]");
  }
  return out;
}

/** Reads one header case-insensitively, taking the first value of a repeated one. */
export function headerValue(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * Parses `Retry-After` in seconds. Only the delta-seconds form is honoured: the HTTP-date form
 * depends on clock agreement with the server, which a sandbox with an advanceable clock breaks.
 */
export function parseRetryAfter(headers: HeaderBag | undefined): number | undefined {
  const raw = headerValue(headers, "retry-after");
  if (raw === undefined || raw.trim() === "") return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** The status/code pairs worth another attempt; everything else fails fast. */
const IN_PROGRESS_CODE = "idempotency_key_in_use";
function isRetryable(status: number, code: string): boolean {
  // A request with the same key still running on the server: retrying later returns its result.
  return status === 0 || status === 429 || status >= 500 || (status === 409 && (code === IN_PROGRESS_CODE || code === "idempotency_in_progress"));
}

/** Base class of every error the Selgeo client throws. */
export class SelgeoError extends Error {
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  /** Machine-readable error code, e.g. `url_not_allowed_in_live_mode`. */
  readonly code: string;
  /** Error type from the API, e.g. `invalid_request_error`. */
  readonly type: string;
  /** The `Request-Id` response header, for support tickets and server-side logs. */
  readonly requestId?: string;
  /** The request parameter the error is about, if the API named one. */
  readonly param?: string;
  /** For `program_not_ready`: what is missing. */
  readonly missing?: string[];
  /** Whether the same request may succeed if simply sent again. */
  readonly retryable: boolean;
  readonly method?: string;
  readonly path?: string;
  /** The server's message, without the request context prefix (already redacted). */
  readonly rawMessage: string;
  /** The lower-level error (socket, DNS), if any. */
  readonly cause?: unknown;

  constructor(init: SelgeoErrorInit) {
    const rawMessage = redact(init.message, init.secrets);
    super(SelgeoError.describe(init, rawMessage));
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.type = init.type;
    this.requestId = init.requestId;
    this.param = init.param;
    this.missing = init.missing;
    this.retryable = init.retryable ?? isRetryable(init.status, init.code);
    this.method = init.method;
    this.path = init.path;
    this.rawMessage = rawMessage;
    // Set by hand: the ES2021 lib this package targets predates `new Error(msg, { cause })`.
    if (init.cause !== undefined) this.cause = init.cause;
  }

  /** `POST /api/v1/x -> 422 code: message (param: url) [request req_1]` */
  private static describe(init: SelgeoErrorInit, message: string): string {
    const where = init.method && init.path ? `${init.method} ${redact(init.path, init.secrets)} -> ` : "";
    const status = init.status === 0 ? "no response" : String(init.status);
    const param = init.param ? ` (param: ${init.param})` : "";
    const missing = init.missing?.length ? ` (missing: ${init.missing.join(", ")})` : "";
    const rid = init.requestId ? ` [request ${init.requestId}]` : "";
    return `${where}${status} ${init.code}: ${message}${param}${missing}${rid}`;
  }

  /**
   * Builds the right subclass for a non-2xx response. `body` may be the parsed JSON, its raw text
   * or nothing: a proxy's HTML 502 still becomes a retryable `SelgeoApiError`.
   */
  static fromResponse(status: number, body: unknown, headers?: HeaderBag, context: RequestContext = {}): SelgeoError {
    const parsed = ErrorBody.safeParse(typeof body === "string" ? tryJson(body) : body);
    const requestId = headerValue(headers, "request-id") ?? headerValue(headers, "x-request-id");
    const fields = parsed.success
      ? parsed.data.error
      : { type: defaultType(status), code: `http_${status}`, message: `unexpected error response (HTTP ${status})` };
    const init: SelgeoErrorInit = {
      ...context,
      status,
      code: fields.code,
      type: fields.type,
      message: fields.message,
      requestId,
      param: "param" in fields ? fields.param : undefined,
      missing: "missing" in fields ? fields.missing : undefined,
    };
    switch (true) {
      case status === 400 || status === 422:
        return new SelgeoInvalidRequestError(init);
      case status === 401:
        return new SelgeoAuthenticationError(init);
      case status === 403:
        return new SelgeoPermissionError(init);
      case status === 404:
        return new SelgeoNotFoundError(init);
      // The sandbox (like Stripe) says which idempotency problem in `code` and marks the family in `type`.
      case status === 409 && (init.type === "idempotency_error" || init.code === "idempotency_error") && init.code !== IN_PROGRESS_CODE:
        return new SelgeoIdempotencyError(init);
      case status === 409:
        return new SelgeoConflictError(init);
      case status === 429:
        return new SelgeoRateLimitError({ ...init, retryAfterSeconds: parseRetryAfter(headers) });
      case status >= 500:
        return new SelgeoApiError(init);
      default:
        // Unlisted 4xx (405, 413, ...): still the caller's request at fault.
        return new SelgeoInvalidRequestError(init);
    }
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function defaultType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 409) return "conflict_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

/** 401: missing, malformed or revoked key. */
export class SelgeoAuthenticationError extends SelgeoError {}
/** 403: a key of the wrong kind (publishable where a secret key is needed, or the reverse). */
export class SelgeoPermissionError extends SelgeoError {}
/** 404: no such object in this key's mode. */
export class SelgeoNotFoundError extends SelgeoError {}
/** 409 `idempotency_error`: an Idempotency-Key was reused with a different request body. */
export class SelgeoIdempotencyError extends SelgeoError {}
/** Any other 409, e.g. `program_not_ready` (see `missing`). */
export class SelgeoConflictError extends SelgeoError {}
/** 400/422: the request itself is wrong; sending it again will not help. */
export class SelgeoInvalidRequestError extends SelgeoError {}
/** 5xx: the server failed; retryable. */
export class SelgeoApiError extends SelgeoError {}

/** 429: a rate-limit bucket is empty. */
export class SelgeoRateLimitError extends SelgeoError {
  /** The `Retry-After` the server sent, seconds. */
  readonly retryAfterSeconds?: number;
  constructor(init: SelgeoErrorInit & { retryAfterSeconds?: number }) {
    super(init);
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** No usable response: refused or reset connection, DNS failure, or the client's own timeout. */
export class SelgeoConnectionError extends SelgeoError {
  constructor(init: RequestContext & { message: string; code?: "connection_error" | "timeout"; cause?: unknown }) {
    super({ ...init, status: 0, type: "connection_error", code: init.code ?? "connection_error", retryable: true });
  }
}

/** A 2xx whose body does not match the wire schema: a client/server version skew, not retryable. */
export function invalidResponseError(status: number, detail: string, requestId: string | undefined, context: RequestContext): SelgeoError {
  return new SelgeoError({
    ...context,
    status,
    code: "invalid_response",
    type: "api_error",
    message: `response did not match the expected shape: ${detail}`,
    requestId,
    retryable: false,
  });
}
