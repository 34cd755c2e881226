/**
 * The stack config of a go-live, validated as a whole before any resource is declared, so a bad
 * config fails `pulumi preview` with every problem and its config path, and nothing is changed.
 */
import { z } from "zod";
import { CONFIG_KEYS, ENV_KEYS, EVENT_TYPES, MODES, checkWebhookUrl, secrets, type Mode } from "@selgeo-golive/runtime";

/** Config keys under the `selgeo:` namespace that `index.ts` reads. */
export const STACK_CONFIG_KEYS = {
  ...CONFIG_KEYS,
  webhookEndpoints: "selgeo:webhookEndpoints",
  stripe: "selgeo:stripe",
  program: "selgeo:program",
  commissionRules: "selgeo:commissionRules",
} as const;

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** One declared webhook endpoint, keyed by a stable name in `selgeo:webhookEndpoints`. */
export const WebhookEndpointConfig = z
  .object({
    url: z.string({ error: "url is required: the HTTPS address of your webhook receiver" }),
    events: z
      .array(z.enum(EVENT_TYPES, { error: (i) => `"${String(i.input)}" is not a Selgeo event type; use one of: ${EVENT_TYPES.join(", ")}` }))
      .min(1, "subscribe to at least one event"),
    description: z.string().max(500, "description must be at most 500 characters").optional(),
    enabled: z.boolean().optional(),
    metadata: z.record(z.string().max(40), z.string().max(500)).optional(),
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
    enabledEvents: z.array(z.string().min(1)).min(1).optional(),
    description: z.string().max(5000).optional(),
    /** Adopt an existing Stripe webhook endpoint instead of creating one. */
    adoptId: z.string().regex(/^we_/, "adoptId must be a Stripe webhook endpoint id (we_…)").optional(),
  })
  .strict();
export type StripeConfig = z.infer<typeof StripeConfig>;

/** `selgeo:program`: the affiliate program; its status is applied after everything else. */
export const ProgramConfig = z
  .object({
    name: z.string({ error: "name the program" }).min(1).max(200),
    description: z.string().max(2000).optional(),
    currency: z.string().regex(/^[a-z]{3}$/, "currency is a lower-case ISO code such as usd").optional(),
    status: z.enum(["draft", "active", "paused"], { error: 'status is "draft", "active" or "paused"' }).default("draft"),
    adoptId: z.string().regex(/^prog_/, "adoptId must be a Selgeo program id (prog_…)").optional(),
  })
  .strict();
export type ProgramConfig = z.infer<typeof ProgramConfig>;

/** One entry of `selgeo:commissionRules`. Money in integer minor units. */
export const CommissionRuleConfig = z
  .object({
    name: z.string().min(1).max(200).optional(),
    type: z.enum(["percentage", "flat"], { error: 'type is "percentage" or "flat"' }),
    percentage: z
      .number({ error: "percentage is a number from 0 to 100" })
      .min(0, "percentage must be between 0 and 100")
      .max(100, "percentage must be between 0 and 100")
      .refine((p) => Math.round(p * 100) === p * 100, "percentage has at most two decimals")
      .optional(),
    flatAmount: z.number().int("flatAmount is in minor units (cents): a whole number").positive("flatAmount must be more than 0").optional(),
    currency: z.string().regex(/^[a-z]{3}$/, "currency is a lower-case ISO code such as usd").optional(),
    basis: z.enum(["gross", "net"], { error: 'basis is "gross" or "net"' }).optional(),
    holdPeriodDays: z.number().int("holdPeriodDays is whole days").min(0).max(365, "holdPeriodDays is 0–365").optional(),
    autoApprove: z.boolean().optional(),
    appliesTo: z.array(z.enum(["checkout.session.completed", "invoice.paid"], { error: "appliesTo takes checkout.session.completed and/or invoice.paid" })).min(1).optional(),
    recurringMonths: z.number().int().min(1, "recurringMonths is at least 1 (omit it for forever)").optional(),
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
}

/** A config that failed validation; `problems` lists each one as `selgeo:<path>: <what to do>`. */
export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`the stack config has ${problems.length} problem(s):\n  - ${problems.join("\n  - ")}`);
    this.name = "StackConfigError";
  }
}

/**
 * Validates the raw config and the key's mode. The secret key itself is only checked for its
 * prefix: it may come from the environment instead of config.
 */
export function parseStackConfig(raw: RawStackConfig, env: NodeJS.ProcessEnv = process.env): StackConfig {
  const problems: string[] = [];
  const parsed = StackConfig.safeParse({
    mode: raw.mode ?? "test",
    apiUrl: raw.apiUrl ?? env[ENV_KEYS.apiUrl],
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
    for (const issue of parsed.error.issues) problems.push(`${configPath(issue.path)}: ${issue.message}`);
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
