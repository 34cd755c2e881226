/**
 * Stripe-shaped errors: `{"error":{"type","message","param"?,"code"?,"doc_url"?}}`.
 *
 * The status code matters more than the text: stripe-node picks the error class from it
 * (400/404 → StripeInvalidRequestError, 401 → StripeAuthenticationError, 403 → StripePermissionError,
 * 409/5xx → StripeAPIError, 400 with type `idempotency_error` → StripeIdempotencyError), and our
 * providers branch on those classes. Like Stripe, `code` is only present where Stripe has a
 * documented error code for the case.
 */

/** Stripe's error types (the ones the emulator can produce). */
export type StripeErrorType = "invalid_request_error" | "api_error" | "idempotency_error";

/** An error the emulator reports to the caller. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: StripeErrorType,
    message: string,
    readonly param?: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "StripeApiError";
  }

  /** The wire body. */
  toBody(): { error: Record<string, string> } {
    const error: Record<string, string> = {};
    if (this.code !== undefined) {
      error.code = this.code;
      error.doc_url = `https://stripe.com/docs/error-codes/${this.code.replace(/_/g, "-")}`;
    }
    error.message = this.message;
    if (this.param !== undefined) error.param = this.param;
    error.type = this.type;
    return { error };
  }
}

/** 400 invalid_request_error. */
export function invalidParam(message: string, param?: string, code?: string): StripeApiError {
  return new StripeApiError(400, "invalid_request_error", message, param, code);
}

/** 400 `parameter_missing`. */
export function missingParam(param: string): StripeApiError {
  return invalidParam(`Missing required param: ${param}.`, param, "parameter_missing");
}

/** 404 `resource_missing`, worded like Stripe ("No such webhook endpoint: 'we_…'"). */
export function noSuch(kind: string, id: string, param = "id"): StripeApiError {
  // Same answer whether the id does not exist or belongs to the other mode.
  return new StripeApiError(404, "invalid_request_error", `No such ${kind}: '${id}'`, param, "resource_missing");
}

/** Anything unexpected becomes a 500 api_error (a bug in the emulator, logged by the server). */
export function toStripeError(err: unknown): StripeApiError {
  if (err instanceof StripeApiError) return err;
  return new StripeApiError(500, "api_error", "The Stripe emulator hit an unexpected error; see the sandbox's stderr log. This is a bug in the emulator.");
}
