/**
 * The stack config of a go-live, validated as a whole before any resource is declared, so a bad
 * config fails `pulumi preview` with every problem and its config path, and nothing is changed.
 */
import { z } from "zod";
import {
  CONFIG_KEYS,
  CommissionRuleDeclaration,
  ENV_KEYS,
  MODES,
  PUBLISHABLE_KEY_PATTERN,
  ProgramDeclaration,
  STRIPE_EVENT_TYPES,
  STRIPE_EVENT_TYPE_SET,
  StripeAccountId,
  WebhookEndpointDeclaration,
  adoptIdOf,
  boundedList,
  apiUrlProblem,
  checkWebhookUrl,
  declaredMessage,
  didYouMean,
  isReservedObjectKey,
  modeOfKey,
  secretKeyMode,
  secrets,
  text,
  textProblem,
  withRuleTerms,
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

/** Stripe event types (`enabled_events`), checked against Stripe's own list. */
const StripeEvent = z.string({ error: "a Stripe event type is text" }).superRefine((e, ctx) => {
  if (STRIPE_EVENT_TYPE_SET.has(e)) return;
  const hint = didYouMean(e, STRIPE_EVENT_TYPES);
  ctx.addIssue({
    code: "custom",
    message: `"${e}" is not a Stripe event type${hint ? `; did you mean "${hint}"?` : ""} (Stripe would refuse the endpoint; see https://docs.stripe.com/api/events/types)`,
  });
});

/**
 * One declared webhook endpoint, keyed by a stable name in `selgeo:webhookEndpoints`: the request
 * fields' rules (runtime/src/requests) under their camelCase names.
 */
export const WebhookEndpointConfig = WebhookEndpointDeclaration.strict();
export type WebhookEndpointConfig = z.infer<typeof WebhookEndpointConfig>;

/** `selgeo:stripe`: the Stripe webhook endpoint feeding Selgeo and Selgeo's Stripe integration. */
export const StripeConfig = z
  .object({
    accountId: StripeAccountId.optional(),
    enabledEvents: boundedList(StripeEvent, "enabledEvents", {
      min: 1,
      minMessage: "enabledEvents needs at least one event; omit it for Selgeo's three",
      max: STRIPE_EVENT_TYPES.length,
    }).optional(),
    // Stripe's own limit for a webhook endpoint's description.
    description: text("description", 5000, true).optional(),
    /** Adopt an existing Stripe webhook endpoint instead of creating one. */
    adoptId: adoptIdOf("we_", "a Stripe webhook endpoint").optional(),
  })
  .strict();
export type StripeConfig = z.infer<typeof StripeConfig>;

/** `selgeo:program`: the affiliate program; its status is applied after everything else. */
export const ProgramConfig = ProgramDeclaration.extend({
  status: z.enum(["draft", "active", "paused"], { error: 'status is "draft", "active" or "paused"' }).default("draft"),
}).strict();
export type ProgramConfig = z.infer<typeof ProgramConfig>;

/** One entry of `selgeo:commissionRules`. Money in integer minor units. */
export const CommissionRuleConfig = withRuleTerms(CommissionRuleDeclaration.strict());
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
      .regex(PUBLISHABLE_KEY_PATTERN, "publishableKey is the pk_test_… or pk_live_… key of the tracking snippet")
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
    const pkMode = modeOfKey(cfg.publishableKey ?? "");
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
      else problems.push(`${configPath(issue.path)}: ${declaredMessage(issue)}`);
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
  const keyMode = secretKeyMode(value, kind);
  if (!keyMode) {
    return [kind === "selgeo" ? `${path}: not a Selgeo secret key (it must start with sk_test_ or sk_live_)` : `${path}: not a Stripe secret or restricted key (sk_/rk_ test|live)`];
  }
  const out: string[] = [];
  if ((MODES as readonly string[]).includes(mode) && keyMode !== mode) {
    out.push(kind === "selgeo" ? `${path}: a ${keyMode}-mode key on a ${mode} stack; use an sk_${mode}_ key here` : `${path}: a Stripe ${keyMode}-mode key on a ${mode} stack; use your Stripe ${mode}-mode key here`);
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
