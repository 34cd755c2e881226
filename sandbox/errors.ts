/**
 * API errors. Handlers throw {@link ApiError}; the server turns it into
 * `{"error":{type,code,message,param?}}` with the matching HTTP status.
 */
import type { ErrorType } from "@selgeo-golive/runtime";

/** An error the API reports to the caller (never a bug: bugs become 500 `internal_error`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    readonly param?: string,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers: Record<string, string> = {},
    /** Extra members of `error`, e.g. `missing` for `program_not_ready`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The wire body. */
  toBody(): { error: { type: ErrorType; code: string; message: string; param?: string } } {
    return {
      error: { type: this.type, code: this.code, message: this.message, ...(this.param !== undefined ? { param: this.param } : {}), ...this.details },
    };
  }
}

/** 400 `invalid_request_error`. */
export function invalidRequest(code: string, message: string, param?: string): ApiError {
  return new ApiError(400, "invalid_request_error", code, message, param);
}

/** 404 for an id that does not exist in the caller's account and mode. */
export function resourceMissing(kind: string, id: string, param = "id"): ApiError {
  // The same message whether the object is absent or belongs to the other mode: telling them
  // apart would leak live data to a test key.
  return new ApiError(404, "not_found_error", "resource_missing", `No such ${kind}: '${id}'.`, param);
}

/** 409 `conflict_error`: the request is valid but the object's state forbids it. */
export function conflict(code: string, message: string, param?: string, details: Record<string, unknown> = {}): ApiError {
  return new ApiError(409, "conflict_error", code, message, param, {}, details);
}
