/**
 * Errors of the Secrets Manager layer. Messages name the secret (id or ARN), the field and the
 * config path, never a secret value: they end up in `pulumi` output and in logs.
 */
import { redact } from "../errors";

/** What went wrong, for callers that branch on it. */
export type SecretsErrorCode =
  | "invalid_reference"
  | "not_found"
  | "deleted"
  | "not_json"
  | "field_missing"
  | "field_not_string"
  | "no_value"
  | "idempotency_conflict"
  | "invalid_argument"
  | "aws_error";

export class SecretsError extends Error {
  readonly code: SecretsErrorCode;
  /** The AWS exception name (`ResourceNotFoundException`, ...) when AWS answered with one. */
  readonly awsErrorName?: string;

  constructor(code: SecretsErrorCode, message: string, opts: { awsErrorName?: string } = {}) {
    super(message);
    this.name = "SecretsError";
    this.code = code;
    this.awsErrorName = opts.awsErrorName;
  }
}

/** The exception name the AWS SDK put on an error (`err.name`), if any. */
export function awsErrorName(err: unknown): string | undefined {
  if (err && typeof err === "object" && "name" in err && typeof (err as { name: unknown }).name === "string") {
    return (err as { name: string }).name;
  }
  return undefined;
}

/** AWS's message of an error, without anything key-shaped (AWS never echoes values, but be sure). */
export function awsErrorMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  return redact(raw);
}

/** Whether AWS says the secret is scheduled for deletion (InvalidRequestException with that text). */
export function isMarkedForDeletion(err: unknown): boolean {
  return awsErrorName(err) === "InvalidRequestException" && /(marked|scheduled) (for )?delet/i.test(awsErrorMessage(err));
}
