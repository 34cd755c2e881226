/**
 * The stack config of a go-live, validated as a whole before any resource is declared, so a bad
 * config fails `pulumi preview` with every problem and its config path, and nothing is changed.
 */
import { z } from "zod";
import {
  CONFIG_KEYS,
  ENV_KEYS,
  EVENT_TYPES,
  MAX_RECURRING_MONTHS,
  MODES,
  STRIPE_EVENT_TYPES,
  STRIPE_EVENT_TYPE_SET,
  apiUrlProblem,
  checkWebhookUrl,
  didYouMean,
  hasAtMostTwoDecimals,
  isIsoCurrency,
  isReservedObjectKey,
  secrets,
  textProblem,
  type Mode,
} from "@selgeo-golive/runtime";

/** Config keys under the `selgeo:` namespace that `index.ts` reads. */
export const STACK_CONFIG_KEYS = {
  ...CONFIG_KEYS,
  webhookEndpoints: "selgeo:webhookEndpoints",
  stripe: "selgeo:stripe",
  program: "selgeo:program",
  commissionRules: "selgeo:commissionRules",
} as const;

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Selgeo allows 50 metadata keys on an object; selgeo-golive keeps one to mark what it manages. */
const MAX_METADATA_KEYS = 49;

/** Free text (names, descriptions): bounded, and no control characters that hide text in a review. */
const text = (field: string, max: number, multiline = false) =>
  z
    .string({ error: `${field} is text` })
    .max(max, `${field} must be at most ${max} characters`)
    .superRefine((v, ctx) => {
      const problem = textProblem(v, multiline);
      if (problem) ctx.addIssue({ code: "custom", message: `${field} ${problem}` });
    });

/**
 * A list whose length is checked before its items: 10 000 bad entries give one short message with
 * the limit, not 10 000 messages.
 */
const boundedList = <T extends z.ZodTypeAny>(item: T, field: string, max: number, why: string) =>
  z
    .array(z.unknown(), { error: `${field} is a list` })
    .max(max, `${field} has more than ${max} entries; ${why}`)
    .pipe(z.array(item));

/** Selgeo event types, with a did-you-mean for a typo. */
const SelgeoEvent = z.string({ error: "an event type is text" }).superRefine((e, ctx) => {
  if ((EVENT_TYPES as readonly string[]).includes(e)) return;
  const hint = didYouMean(e, EVENT_TYPES);
  ctx.addIssue({ code: "custom", message: `"${e}" is not a Selgeo event type; ${hint ? `did you mean "${hint}"? ` : ""}use one of: ${EVENT_TYPES.join(", ")}` });
});

/** Stripe event types (`enabled_events`), checked against Stripe's own list. */
const StripeEvent = z.string({ error: "a Stripe event type is text" }).superRefine((e, ctx) => {
  if (STRIPE_EVENT_TYPE_SET.has(e)) return;
  const hint = didYouMean(e, STRIPE_EVENT_TYPES);
  ctx.addIssue({
    code: "custom",
    message: `"${e}" is not a Stripe event type${hint ? `; did you mean "${hint}"?` : ""} (Stripe would refuse the endpoint; see https://docs.stripe.com/api/events/types)`,
  });
});

/** A lower-case ISO 4217 code of a circulating currency. */
const Currency = z.string({ error: "currency is a lower-case ISO code such as usd" }).superRefine((c, ctx) => {
  if (!/^[a-z]{3}$/.test(c)) ctx.addIssue({ code: "custom", message: "currency is a lower-case ISO code such as usd" });
  else if (!isIsoCurrency(c)) ctx.addIssue({ code: "custom", message: `"${c}" is not an ISO 4217 currency code; use one such as usd, eur or gbp` });
});

/** A metadata map: key count checked first, then each key and value. */
const MetadataConfig = z
  .record(z.string(), z.unknown(), { error: "metadata is a map of keys to text values" })
  .superRefine((m, ctx) => {
    const n = Object.keys(m).length;
    if (n > MAX_METADATA_KEYS) {
      ctx.addIssue({ code: "custom", message: `metadata has ${n} keys; the limit is ${MAX_METADATA_KEYS} (Selgeo allows 50 and selgeo-golive keeps one)` });
    }
  })
  .pipe(
    z.record(
      z.string().max(40, "metadata keys are at most 40 characters").superRefine((k, ctx) => {
        const problem = textProblem(k);
        if (problem) ctx.addIssue({ code: "custom", message: `metadata key ${problem}` });
      }),
      text("a metadata value", 500),
    ),
  );

/** One declared webhook endpoint, keyed by a stable name in `selgeo:webhookEndpoints`. */
export const WebhookEndpointConfig = z
  .object({
    url: z.string({ error: "url is required: the HTTPS address of your webhook receiver" }),
    events: boundedList(SelgeoEvent, "events", EVENT_TYPES.length, `there are ${EVENT_TYPES.length} Selgeo event types; list each once`).pipe(
      z.array(z.string()).min(1, "subscribe to at least one event"),
    ),
    description: text("description", 500, true).optional(),
    enabled: z.boolean().optional(),
    metadata: MetadataConfig.optional(),
    adoptId: z.string().regex(/^we_/, "adoptId must be a Selgeo webhook endpoint id (we_…)").optional(),
    secretRotation: z.number().int("secretRotation is a whole number you bump to rotate the secret").min(0).optional(),
    rotationOverlapHours: z.number().min(0).max(168, "rotationOverlapHours is at most 168 (a week)").optional(),
  })
  .strict();
export type WebhookEndpointConfig = z.infer<typeof WebhookEndpointConfig>;

/** `selgeo:stripe`: the Stripe webhook endpoint feeding Selgeo and Selgeo's Stripe integration. */
export const StripeConfig = z
  .object({
    accountId: z.string().regex(/^acct_[A-Za-z0-9]+$/, "accountId is a Stripe account id (acct_…); omit it to use the Stripe key's account").optional(),
    enabledEvents: boundedList(StripeEvent, "enabledEvents", STRIPE_EVENT_TYPES.length, "list each Stripe event type once (or \"*\")")
      .pipe(z.array(z.string()).min(1, "enabledEvents needs at least one event; omit it for Selgeo's three"))
      .optional(),
    description: text("description", 5000, true).optional(),
    /** Adopt an existing Stripe webhook endpoint instead of creating one. */
    adoptId: z.string().regex(/^we_/, "adoptId must be a Stripe webhook endpoint id (we_…)").optional(),
  })
  .strict();
export type StripeConfig = z.infer<typeof StripeConfig>;

/** `selgeo:program`: the affiliate program; its status is applied after everything else. */
export const ProgramConfig = z
  .object({
    name: text("name", 200).pipe(z.string().min(1, "name the program")),
    description: text("description", 2000, true).optional(),
    currency: Currency.optional(),
    status: z.enum(["draft", "active", "paused"], { error: 'status is "draft", "active" or "paused"' }).default("draft"),
    adoptId: z.string().regex(/^prog_/, "adoptId must be a Selgeo program id (prog_…)").optional(),
  })
  .strict();
export type ProgramConfig = z.infer<typeof ProgramConfig>;

/** One entry of `selgeo:commissionRules`. Money in integer minor units. */
export const CommissionRuleConfig = z
  .object({
    name: text("name", 200).pipe(z.string().min(1, "name is not empty (omit it to use the rule's key)")).optional(),
    type: z.enum(["percentage", "flat"], { error: 'type is "percentage" or "flat"' }),
    percentage: z
      .number({ error: "percentage is a number from 0 to 100" })
      .min(0, "percentage must be between 0 and 100")
      .max(100, "percentage must be between 0 and 100")
      .refine(hasAtMostTwoDecimals, "percentage has at most two decimals")
      .optional(),
    flatAmount: z.number().int("flatAmount is in minor units (cents): a whole number").positive("flatAmount must be more than 0").optional(),
    currency: Currency.optional(),
    basis: z.enum(["gross", "net"], { error: 'basis is "gross" or "net"' }).optional(),
    holdPeriodDays: z.number().int("holdPeriodDays is whole days").min(0).max(365, "holdPeriodDays is 0–365").optional(),
    autoApprove: z.boolean().optional(),
    appliesTo: z.array(z.enum(["checkout.session.completed", "invoice.paid"], { error: "appliesTo takes checkout.session.completed and/or invoice.paid" })).min(1).optional(),
    recurringMonths: z
      .number()
      .int("recurringMonths is whole months")
      .min(1, "recurringMonths is at least 1 (omit it for forever)")
      .max(MAX_RECURRING_MONTHS, `recurringMonths is at most ${MAX_RECURRING_MONTHS} (100 years); omit it for forever`)
      .optional(),
    adoptId: z.string().regex(/^cr_/, "adoptId must be a Selgeo commission rule id (cr_…)").optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.type === "percentage" && r.percentage === undefined) ctx.addIssue({ code: "custom", path: ["percentage"], message: "a percentage rule needs percentage (0–100)" });
    if (r.type === "flat" && r.flatAmount === undefined) ctx.addIssue({ code: "custom", path: ["flatAmount"], message: "a flat rule needs flatAmount in minor units" });
    if (r.type === "flat" && !r.currency) ctx.addIssue({ code: "custom", path: ["currency"], message: "a flat rule needs a currency" });
    if (r.type === "flat" && r.percentage !== undefined) ctx.addIssue({ code: "custom", path: ["percentage"], message: "percentage is only for percentage rules" });
    if (r.type === "percentage" && r.flatAmount !== undefined) ctx.addIssue({ code: "custom", path: ["flatAmount"], message: "flatAmount is only for flat rules" });
  });
export type CommissionRuleConfig = z.infer<typeof CommissionRuleConfig>;

/** `selgeo:aws`: where generated signing secrets go in AWS Secrets Manager. */
export const AwsConfig = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "region is an AWS region such as us-east-1").optional(),
    kmsKeyId: z.string().min(1).optional(),
    recoveryWindowDays: z
      .number()
      .int()
      .refine((d) => d === 0 || (d >= 7 && d <= 30), "recoveryWindowDays is 0 (delete at once) or 7–30")
      .optional(),
  })
  .strict();

/** The whole `selgeo:` config of a stack. */
export const StackConfig = z
  .object({
    mode: z.enum(MODES, { error: 'set selgeo:mode to "test" or "live"' }),
    apiUrl: z.string().url("selgeo:apiUrl must be the http(s) base URL of the Selgeo API").optional(),
    stripeApiUrl: z.string().url("selgeo:stripeApiUrl must be the http(s) base URL of Stripe's API (leave it unset for Stripe itself)").optional(),
    webhookEndpoints: z.record(z.string(), WebhookEndpointConfig).default({}),
    stripe: StripeConfig.optional(),
    program: ProgramConfig.optional(),
    commissionRules: z.record(z.string(), CommissionRuleConfig).default({}),
    aws: AwsConfig.optional(),
    /** The publishable key (`pk_…`) of this mode, for the tracking snippet output. Public by design. */
    publishableKey: z
      .string()
      .regex(/^pk_(test|live)_[A-Za-z0-9]+$/, "publishableKey is the pk_test_… or pk_live_… key of the tracking snippet")
      .optional(),
    /** Traffic the merchant expects, per minute; the policy pack checks it against the rate limits. */
    expectedTraffic: z
      .object({
        clicksPerMinute: z.number().min(0).optional(),
        conversionsPerMinute: z.number().min(0).optional(),
        apiRequestsPerMinute: z.number().min(0).optional(),
      })
      .strict()
      .optional(),
    /** Run the go-live verification before the program's status; default: on for live stacks. */
    verify: z.boolean({ error: "selgeo:verify is true or false" }).optional(),
  })
  .superRefine((cfg, ctx) => {
    // Names become Pulumi resource names: keep them plain ASCII so a look-alike letter cannot hide.
    for (const [group, what] of [["webhookEndpoints", "endpoint"], ["commissionRules", "rule"]] as const) {
      for (const name of Object.keys(cfg[group])) {
        if (!NAME.test(name)) {
          ctx.addIssue({ code: "custom", path: [group, name], message: `${what} names are lowercase ASCII letters, digits and dashes, starting with a letter` });
        }
      }
    }
    // The live keys travel with every request: never in clear text.
    for (const key of ["apiUrl", "stripeApiUrl"] as const) {
      const problem = cfg[key] ? apiUrlProblem(cfg[key], cfg.mode) : null;
      if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem });
    }
    for (const [name, ep] of Object.entries(cfg.webhookEndpoints)) {
      const res = checkWebhookUrl(ep.url, cfg.mode);
      if (!res.ok) ctx.addIssue({ code: "custom", path: ["webhookEndpoints", name, "url"], message: res.message });
    }
    const pkMode = /^pk_(test|live)_/.exec(cfg.publishableKey ?? "")?.[1];
    if (pkMode && pkMode !== cfg.mode) {
      ctx.addIssue({ code: "custom", path: ["publishableKey"], message: `a ${pkMode}-mode key on a ${cfg.mode} stack: the tracking snippet needs the pk_${cfg.mode}_ key (checklist item 1)` });
    }
    if (Object.keys(cfg.commissionRules).length > 0 && !cfg.program) {
      ctx.addIssue({ code: "custom", path: ["commissionRules"], message: "commission rules belong to a program: declare selgeo:program" });
    }
    if (cfg.program?.status === "active" && cfg.mode === "live") {
      const missing = [
        Object.keys(cfg.commissionRules).length === 0 && "selgeo:commissionRules",
        !cfg.stripe && "selgeo:stripe",
        !Object.values(cfg.webhookEndpoints).some((e) => e.enabled !== false) && "an enabled entry in selgeo:webhookEndpoints",
      ].filter(Boolean);
      if (missing.length > 0) {
        ctx.addIssue({ code: "custom", path: ["program", "status"], message: `a live program can only go active with ${missing.join(", ")} declared` });
      }
    }
  });
export type StackConfig = z.infer<typeof StackConfig>;

/** Raw values as read from Pulumi config (objects already parsed from YAML). */
export interface RawStackConfig {
  mode?: unknown;
  apiUrl?: unknown;
  /** A value (`sk_…`) or a Secrets Manager reference (`awssm://…` or `{secretId, field?}`). */
  secretKey?: unknown;
  stripeSecretKey?: unknown;
  aws?: unknown;
  verify?: unknown;
  expectedTraffic?: unknown;
  publishableKey?: unknown;
  webhookEndpoints?: unknown;
  stripe?: unknown;
  program?: unknown;
  commissionRules?: unknown;
  stripeApiUrl?: unknown;
  /**
   * Every key of the stack's config (`pulumi.runtime.allConfig()`), so a misspelled `selgeo:*` key
   * is an error instead of a setting silently ignored.
   */
  configKeys?: readonly string[];
}

/** Every `selgeo:*` key a stack may set. */
export const KNOWN_CONFIG_KEYS = [
  ...new Set([...Object.values(STACK_CONFIG_KEYS), "selgeo:aws", "selgeo:verify", "selgeo:expectedTraffic", "selgeo:publishableKey"]),
] as const;

/** Problems shown at most, so a config with thousands of bad entries still gives a readable error. */
const MAX_PROBLEMS = 20;

/** A config that failed validation; `problems` lists each one as `selgeo:<path>: <what to do>`. */
export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : "";
    super(`the stack config has ${problems.length} problem(s):\n  - ${shown.join("\n  - ")}${more}`);
    this.name = "StackConfigError";
  }
}

/**
 * Validates the raw config and the key's mode. The secret key itself is only checked for its
 * prefix: it may come from the environment instead of config.
 */
export function parseStackConfig(raw: RawStackConfig, env: NodeJS.ProcessEnv = process.env): StackConfig {
  const problems: string[] = [...unknownKeyProblems(raw.configKeys ?? []), ...rawValueProblems(raw)];
  const parsed = StackConfig.safeParse({
    mode: raw.mode ?? "test",
    apiUrl: raw.apiUrl ?? env[ENV_KEYS.apiUrl],
    stripeApiUrl: raw.stripeApiUrl ?? env[ENV_KEYS.stripeApiUrl],
    webhookEndpoints: raw.webhookEndpoints,
    stripe: raw.stripe,
    program: raw.program,
    commissionRules: raw.commissionRules,
    aws: raw.aws,
    verify: raw.verify,
    expectedTraffic: raw.expectedTraffic,
    publishableKey: raw.publishableKey,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") problems.push(...issue.keys.map((k) => unknownNestedKey(issue.path, k)));
      else problems.push(`${configPath(issue.path)}: ${issue.message}`);
    }
  }
  const mode = (parsed.success ? parsed.data.mode : raw.mode) as Mode;
  problems.push(...keyProblems(raw.secretKey ?? env[ENV_KEYS.secretKey], STACK_CONFIG_KEYS.secretKey, ENV_KEYS.secretKey, mode, "selgeo"));
  if (raw.stripe !== undefined) {
    problems.push(...keyProblems(raw.stripeSecretKey ?? env[ENV_KEYS.stripeSecretKey], STACK_CONFIG_KEYS.stripeSecretKey, ENV_KEYS.stripeSecretKey, mode, "stripe"));
  }
  if (!parsed.success || problems.length > 0) throw new StackConfigError(problems);
  return parsed.data;
}

/**
 * What is wrong with a key as configured. A Secrets Manager reference is only checked for its shape
 * here: the providers resolve it and check its prefix before any request. A live stack takes
 * references only, so no live key sits in a config file or an environment variable.
 */
function keyProblems(value: unknown, path: string, envName: string, mode: Mode, kind: "selgeo" | "stripe"): string[] {
  const label = kind === "selgeo" ? "Selgeo" : "Stripe";
  if (value === undefined || value === "") {
    return [`${path}: not set; run \`pulumi config set ${path} awssm://<secret id>[#field]\` (or, for a test stack, \`pulumi config set --secret ${path} <sk_…>\` or export ${envName})`];
  }
  const isRef = typeof value === "object" || (typeof value === "string" && (value.startsWith(secrets.SECRET_REFERENCE_SCHEME) || value.startsWith("{")));
  if (isRef) {
    try {
      secrets.parseSecretReference(typeof value === "string" && value.startsWith("{") ? JSON.parse(value) : value, path);
      return [];
    } catch (e) {
      return [(e as Error).message];
    }
  }
  if (typeof value !== "string") return [`${path}: must be a key or a Secrets Manager reference`];
  if (value.trim() !== value) {
    return [`${path}: has leading or trailing whitespace (a newline from \`echo\` or a copied line?); set it again without it: \`printf %s <key> | pulumi config set --secret ${path}\``];
  }
  const m = (kind === "selgeo" ? /^sk_(test|live)_/ : /^(?:sk|rk)_(test|live)_/).exec(value);
  if (!m) {
    return [kind === "selgeo" ? `${path}: not a Selgeo secret key (it must start with sk_test_ or sk_live_)` : `${path}: not a Stripe secret or restricted key (sk_/rk_ test|live)`];
  }
  const out: string[] = [];
  if ((MODES as readonly string[]).includes(mode) && m[1] !== mode) {
    out.push(kind === "selgeo" ? `${path}: a ${m[1]}-mode key on a ${mode} stack; use an sk_${mode}_ key here` : `${path}: a Stripe ${m[1]}-mode key on a ${mode} stack; use your Stripe ${mode}-mode key here`);
  }
  if (mode === "live") out.push(`${path}: a live stack takes the ${label} key as a Secrets Manager reference (awssm://<secret id>[#field]), never as a value`);
  return out;
}

function configPath(path: readonly PropertyKey[]): string {
  let out = "selgeo";
  path.forEach((p, i) => {
    out += typeof p === "number" ? `[${p}]` : i === 0 ? `:${String(p)}` : `.${String(p)}`;
  });
  return out;
}

/** `selgeo:*` keys nobody reads: almost always a typo of one that matters. */
function unknownKeyProblems(keys: readonly string[]): string[] {
  const known: readonly string[] = KNOWN_CONFIG_KEYS;
  return keys
    .filter((k) => k.startsWith("selgeo:") && !known.includes(k))
    .map((k) => {
      const hint = didYouMean(k, known);
      return `${k}: not a selgeo-golive setting${hint ? `; did you mean ${hint}?` : ""} (known: ${known.join(", ")}); rename or remove it with \`pulumi config rm ${k}\``;
    });
}

/** The keys each nested object takes, by the shape of its config path. */
function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  const [top] = path;
  if (top === "webhookEndpoints" && path.length === 2) return Object.keys(WebhookEndpointConfig.shape);
  if (top === "commissionRules" && path.length === 2) return Object.keys(CommissionRuleConfig.shape);
  if (top === "stripe" && path.length === 1) return Object.keys(StripeConfig.shape);
  if (top === "program" && path.length === 1) return Object.keys(ProgramConfig.shape);
  if (top === "aws" && path.length === 1) return Object.keys(AwsConfig.shape);
  if (top === "expectedTraffic" && path.length === 1) return ["clicksPerMinute", "conversionsPerMinute", "apiRequestsPerMinute"];
  return [];
}

function unknownNestedKey(path: readonly PropertyKey[], key: string): string {
  const known = knownKeysAt(path);
  const hint = didYouMean(key, known);
  const where = configPath(path);
  return `${configPath([...path, key])}: unknown key${hint ? `; did you mean ${where}.${hint}?` : ""}${known.length ? ` (${where} takes: ${known.join(", ")})` : ""}`;
}

/**
 * Problems in the raw values that the schema would never see: `__proto__`, `constructor` and
 * `prototype` keys (a map copy drops or misroutes them, silently), control characters in keys, and
 * numbers YAML can spell but JSON cannot (`.nan`, `.inf`).
 */
function rawValueProblems(raw: RawStackConfig): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, path: PropertyKey[]): void => {
    if (problems.length > MAX_PROBLEMS) return;
    if (typeof value === "number" && !Number.isFinite(value)) {
      problems.push(`${configPath(path)}: ${value} is not a number selgeo-golive can use; write a finite number`);
    } else if (typeof value === "string" && /^[-+]?(\.nan|\.inf|nan|inf|infinity)$/i.test(value.trim()) && path.length > 1) {
      problems.push(`${configPath(path)}: "${value}" is YAML's not-a-number or infinity, not a value selgeo-golive can use; write a finite number`);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, i]));
    } else if (value !== null && typeof value === "object") {
      for (const key of Object.keys(value)) {
        if (isReservedObjectKey(key)) {
          problems.push(`${configPath([...path, key])}: "${key}" cannot be a name or key (JavaScript treats it as the object's prototype); rename it`);
          continue;
        }
        const problem = textProblem(key);
        if (problem) {
          problems.push(`${configPath([...path, JSON.stringify(key)])}: the key ${problem}`);
          continue;
        }
        walk((value as Record<string, unknown>)[key], [...path, key]);
      }
    }
  };
  for (const [field, value] of Object.entries(raw)) if (field !== "configKeys") walk(value, [field]);
  return problems;
}
