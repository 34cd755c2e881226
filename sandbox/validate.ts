/**
 * Request-body parsing. The bodies with a schema in runtime/src/schemas.ts go through
 * {@link parseBody}; the flow routes use the small checks below. Each failure is a 400 naming the
 * parameter and saying what would be accepted, so a caller can fix the request from the message.
 */
import { z } from "zod";
import { isIsoCurrency, textProblem, apiCodeOf, issueMessage, RequestMetadata, type Mode } from "@selgeo-golive/runtime";
import type { AuthContext } from "./auth";
import { type ApiError, invalidRequest } from "./errors";

/**
 * Parses a body with its request schema, or throws the 400 of its first problem: an unknown
 * parameter first, then a missing one, then the rest in field order. The code is the one the
 * schema names (`string_too_long`, `metadata_too_many_keys`, …), else `parameter_invalid`.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw bodyError(parsed.error.issues, body, schemaKeys(schema));
}

/** Validates a metadata map (string keys and values, bounded sizes); shared by every object that has one. */
export function validateMetadata(value: unknown): Record<string, string> {
  return parseBody(z.object({ metadata: RequestMetadata }), { metadata: value }).metadata;
}

function bodyError(issues: readonly z.core.$ZodIssue[], body: Record<string, unknown>, allowed: readonly string[]): ApiError {
  const isMissing = (i: z.core.$ZodIssue) => i.code === "invalid_type" && valueAt(body, i.path) === undefined;
  const unknown = issues.find((i) => i.code === "unrecognized_keys");
  if (unknown?.code === "unrecognized_keys") {
    const hint = allowed.length ? `Allowed: ${allowed.join(", ")}.` : "This endpoint takes no parameters.";
    return invalidRequest("unknown_parameter", `Unknown parameter '${unknown.keys[0]}'. ${hint}`, unknown.keys[0]);
  }
  const issue = issues.find(isMissing) ?? issues[0];
  const param = paramOf(issue.path);
  if (isMissing(issue)) return invalidRequest("parameter_missing", `Missing required parameter '${param}': ${issue.message}.`, param);
  return invalidRequest(apiCodeOf(issue) ?? "parameter_invalid", `${issueMessage(issue)}.`, param);
}

/** `metadata[team]`, `events[1]`: a body path as the API names a parameter. */
function paramOf(path: readonly PropertyKey[]): string | undefined {
  if (path.length === 0) return undefined;
  const [first, ...rest] = path;
  return String(first) + rest.map((k) => `[${String(k)}]`).join("");
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<PropertyKey, unknown>)[k] : undefined), body);
}

function schemaKeys(schema: z.ZodType): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Rejects parameters outside `allowed`: a typo must fail, not silently do nothing. */
export function rejectUnknown(body: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      const hint = allowed.length ? `${what} take: ${allowed.join(", ")}.` : "This endpoint takes no parameters.";
      throw invalidRequest("unknown_parameter", `Unknown parameter '${key}'. ${hint}`, key);
    }
  }
}

/** Throws `parameter_missing` unless every name is present (not undefined). */
export function requireParams(body: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    if (body[name] === undefined || body[name] === null) throw invalidRequest("parameter_missing", `Missing required parameter '${name}'.`, name);
  }
}

/** A string of `min`..`max` characters, or undefined when absent. */
export function optionalString(body: Record<string, unknown>, name: string, min: number, max: number): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length < min || v.length > max) {
    throw invalidRequest("parameter_invalid", `${name} must be a string of ${min} to ${max} characters.`, name);
  }
  const problem = textProblem(v, name === "description");
  if (problem) throw invalidRequest("parameter_invalid", `${name} ${problem}.`, name);
  return v;
}

/** One of `values`, or undefined when absent. */
export function optionalEnum<T extends string>(body: Record<string, unknown>, name: string, values: readonly T[]): T | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !(values as readonly string[]).includes(v)) {
    throw invalidRequest("parameter_invalid", `${name} must be one of ${values.join(", ")}; got ${JSON.stringify(v)}.`, name);
  }
  return v as T;
}

/** A boolean, or undefined when absent. */
export function optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw invalidRequest("parameter_invalid", `${name} must be true or false (a JSON boolean, not a string).`, name);
  return v;
}

/** An integer in [min, max], or undefined when absent. */
export function optionalInteger(body: Record<string, unknown>, name: string, min: number, max: number, unit = ""): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    throw invalidRequest("parameter_invalid", `${name} must be an integer from ${min} to ${max}${unit}; got ${JSON.stringify(v)}.`, name);
  }
  return v;
}

/** A lower-case ISO 4217 code (upper case is accepted and lowered), or undefined when absent. */
export function optionalCurrency(body: Record<string, unknown>, name = "currency"): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^[a-zA-Z]{3}$/.test(v)) {
    throw invalidRequest("parameter_invalid", `${name} must be a three-letter ISO 4217 currency code such as "usd" or "eur"; got ${JSON.stringify(v)}.`, name);
  }
  if (!isIsoCurrency(v.toLowerCase())) {
    throw invalidRequest("parameter_invalid", `${name} ${JSON.stringify(v)} is not an ISO 4217 currency code; use one such as "usd" or "eur".`, name);
  }
  return v.toLowerCase();
}

/** The SQL scope of the caller's account and mode, for `listPage`. */
export function scopeOf(auth: Pick<AuthContext, "accountId" | "livemode">): { where: string; args: unknown[] } {
  return { where: "account_id = ? AND livemode = ?", args: [auth.accountId, auth.livemode ? 1 : 0] };
}

/** `1`/`0` for SQLite. */
export function bit(value: boolean): number {
  return value ? 1 : 0;
}

/** The mode of a livemode flag. */
export function modeOf(livemode: boolean): Mode {
  return livemode ? "live" : "test";
}
