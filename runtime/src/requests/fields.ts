/**
 * The field rules request bodies are built from: each limit of docs/selgeo-api-v1.md is written
 * here once. Messages name the wire field (snake_case); the stack config shows them with its own
 * camelCase names (./camelCase.ts). A custom issue may carry `params.code`, the API error code the
 * sandbox answers with (`metadata_too_many_keys`, `string_too_long`, …).
 */
import { z } from "zod";
import { didYouMean, hasAtMostTwoDecimals, isIsoCurrency, isReservedObjectKey, MAX_RECURRING_MONTHS, textProblem } from "../inputRules";

/** Every size limit of a request field, as the contract states it. */
export const REQUEST_LIMITS = {
  metadataKeys: 50,
  metadataKeyLength: 40,
  metadataValueLength: 500,
  endpointDescription: 500,
  programName: 200,
  programDescription: 1000,
  ruleName: 200,
  holdPeriodDays: 365,
  recurringMonths: MAX_RECURRING_MONTHS,
  /** `rotate_secret`'s `expires_in`, seconds (7 days). */
  rotationOverlapSeconds: 7 * 24 * 3600,
} as const;

/** The API error code a custom issue asks for; see {@link apiCodeOf}. */
type CodeParams = { code: string };

/** The issue that says what is wrong: a record's key issue is wrapped in an `invalid_key` one. */
function leafIssue(issue: z.core.$ZodIssue): z.core.$ZodIssueBase & { code?: string; params?: unknown } {
  return issue.code === "invalid_key" && issue.issues.length > 0 ? issue.issues[0] : issue;
}

/** The API error code an issue carries (`params.code`), if any. */
export function apiCodeOf(issue: z.core.$ZodIssue): string | undefined {
  const leaf = leafIssue(issue);
  return leaf.code === "custom" ? (leaf.params as CodeParams | undefined)?.code : undefined;
}

/** An issue's message, the key's own for a bad record key. */
export function issueMessage(issue: z.core.$ZodIssue): string {
  return leafIssue(issue).message;
}

/** Free text of at most `max` characters, without control characters (descriptions may hold newlines and tabs). */
export function text(field: string, max: number, multiline = false) {
  return z.string({ error: `${field} is text` }).superRefine((v, ctx) => {
    if (v.length > max) ctx.addIssue({ code: "custom", message: `${field} must be at most ${max} characters`, params: { code: "string_too_long" } });
    const problem = textProblem(v, multiline);
    if (problem) ctx.addIssue({ code: "custom", message: `${field} ${problem}` });
  });
}

/**
 * A metadata map: the key count first, then each key (1–40 characters, not a prototype name, no
 * control characters) and value (text of at most 500). `maxKeys` is lower where selgeo-golive keeps
 * keys of its own (`why` says so in the message).
 */
export function metadataOf(maxKeys: number = REQUEST_LIMITS.metadataKeys, why = "") {
  return z
    .unknown()
    .superRefine((m, ctx) => {
      // Before the record: a record copy drops `__proto__` without a word.
      if (m === null || typeof m !== "object" || Array.isArray(m)) return;
      const keys = Object.keys(m);
      if (keys.length > maxKeys) ctx.addIssue({ code: "custom", message: `metadata has ${keys.length} keys; the limit is ${maxKeys}${why}`, params: { code: "metadata_too_many_keys" } });
      for (const k of keys.filter(isReservedObjectKey)) {
        ctx.addIssue({ code: "custom", path: [k], message: `metadata key "${k}" is reserved (it names JavaScript's object prototype); rename it`, params: { code: "metadata_key_invalid" } });
      }
    })
    .pipe(z.record(MetadataKey, MetadataValue, { error: "metadata is a map of keys to text values" }));
}

const MetadataKey = z.string().superRefine((k, ctx) => {
  const invalid = (message: string) => ctx.addIssue({ code: "custom", message, params: { code: "metadata_key_invalid" } });
  if (k.length === 0 || k.length > REQUEST_LIMITS.metadataKeyLength) invalid(`metadata keys are 1 to ${REQUEST_LIMITS.metadataKeyLength} characters`);
  else {
    const problem = textProblem(k);
    if (problem) invalid(`metadata key ${problem}`);
  }
});

const MetadataValue = z.string({ error: "metadata values are text" }).superRefine((v, ctx) => {
  if (v.length > REQUEST_LIMITS.metadataValueLength) {
    ctx.addIssue({ code: "custom", message: `metadata values are at most ${REQUEST_LIMITS.metadataValueLength} characters`, params: { code: "metadata_value_too_long" } });
  }
  const problem = textProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: `a metadata value ${problem}` });
});

/** The metadata of any object, as Selgeo takes it. */
export const RequestMetadata = metadataOf();

/** Bounds of a {@link uniqueList}; `duplicateCode` is the API error for an entry listed twice. */
export interface ListBounds {
  min: number;
  minMessage: string;
  max: number;
  duplicateCode?: string;
}

/**
 * A list whose length is checked before its items, so 10 000 bad entries give one message. Entries
 * may repeat: for lists a declaration folds into a set.
 */
export function boundedList<T extends z.ZodTypeAny>(item: T, field: string, bounds: ListBounds) {
  return z
    .array(z.unknown(), { error: `${field} is a list` })
    .min(bounds.min, bounds.minMessage)
    .max(bounds.max, `${field} has more than ${bounds.max} entries; list each once`)
    .pipe(z.array(item));
}

/** A {@link boundedList} whose entries are each listed once, as the API wants them. */
export function uniqueList<T extends z.ZodTypeAny>(item: T, field: string, bounds: ListBounds) {
  return boundedList(item, field, bounds).superRefine((list, ctx) => {
    list.forEach((e, i) => {
      if (list.indexOf(e) !== i) {
        ctx.addIssue({ code: "custom", path: [i], message: `${field} lists "${String(e)}" twice; list each once`, params: { code: bounds.duplicateCode ?? "parameter_invalid" } });
      }
    });
  });
}

/** One of `values`, with a did-you-mean for a typo; `code` is the API error for anything else. */
export function oneOf(values: readonly string[], what: string, code = "parameter_invalid") {
  return z.string({ error: `${what} is text` }).superRefine((v, ctx) => {
    if (values.includes(v)) return;
    const hint = didYouMean(v, values);
    ctx.addIssue({ code: "custom", message: `"${v}" is not ${what}; ${hint ? `did you mean "${hint}"? ` : ""}use one of: ${values.join(", ")}`, params: { code } });
  });
}

/** A lower-case ISO 4217 code of a circulating currency. */
export const Currency = z.string({ error: "currency is a lower-case ISO code such as usd" }).superRefine((c, ctx) => {
  if (!/^[a-z]{3}$/.test(c)) ctx.addIssue({ code: "custom", message: "currency is a lower-case ISO code such as usd" });
  else if (!isIsoCurrency(c)) ctx.addIssue({ code: "custom", message: `"${c}" is not an ISO 4217 currency code; use one such as usd, eur or gbp` });
});

/** A currency as the API takes it: upper case is accepted and stored lower case. */
export const WireCurrency = z
  .string({ error: 'currency is a three-letter ISO 4217 code such as "usd"' })
  .superRefine((c, ctx) => {
    if (!/^[a-zA-Z]{3}$/.test(c)) ctx.addIssue({ code: "custom", message: 'currency is a three-letter ISO 4217 code such as "usd"' });
    else if (!isIsoCurrency(c.toLowerCase())) ctx.addIssue({ code: "custom", message: `"${c}" is not an ISO 4217 currency code; use one such as usd, eur or gbp` });
  })
  .transform((c) => c.toLowerCase());

/** A commission percentage: 0–100 with at most two decimals. */
export const Percentage = z
  .number({ error: "percentage is a number from 0 to 100" })
  .min(0, "percentage must be between 0 and 100")
  .max(100, "percentage must be between 0 and 100")
  .refine(hasAtMostTwoDecimals, "percentage has at most two decimals");

/** A positive amount in integer minor units. */
export const FlatAmount = z
  .number({ error: "flat_amount is a number in minor units" })
  .int("flat_amount is in minor units (cents): a whole number")
  .positive("flat_amount must be more than 0");

export const HoldPeriodDays = z
  .number({ error: "hold_period_days is a number of days" })
  .int("hold_period_days is whole days")
  .min(0, `hold_period_days is 0–${REQUEST_LIMITS.holdPeriodDays}`)
  .max(REQUEST_LIMITS.holdPeriodDays, `hold_period_days is 0–${REQUEST_LIMITS.holdPeriodDays}`);

export const RecurringMonths = z
  .number({ error: "recurring_months is a number of months" })
  .int("recurring_months is whole months")
  .min(1, "recurring_months is at least 1 (omit it for forever)")
  .max(REQUEST_LIMITS.recurringMonths, `recurring_months is at most ${REQUEST_LIMITS.recurringMonths} (100 years); omit it for forever`);

/** A Stripe account id. */
export const StripeAccountId = z.string({ error: "account_id is text" }).regex(/^acct_[0-9A-Za-z]+$/, "account_id is a Stripe account id (acct_…)");
