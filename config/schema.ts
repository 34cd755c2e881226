/**
 * The stack config of a go-live, validated as a whole before any resource is declared, so a bad
 * config fails `pulumi preview` with every problem and its config path, and nothing is changed.
 */
import { z } from "zod";
import { CONFIG_KEYS, ENV_KEYS, EVENT_TYPES, MODES, checkWebhookUrl, type Mode } from "@selgeo-golive/runtime";

/** Config keys under the `selgeo:` namespace that `index.ts` reads. */
export const STACK_CONFIG_KEYS = {
  ...CONFIG_KEYS,
  webhookEndpoints: "selgeo:webhookEndpoints",
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
  })
  .strict();
export type WebhookEndpointConfig = z.infer<typeof WebhookEndpointConfig>;

/** The whole `selgeo:` config of a stack. */
export const StackConfig = z
  .object({
    mode: z.enum(MODES, { error: 'set selgeo:mode to "test" or "live"' }),
    apiUrl: z.string().url("selgeo:apiUrl must be the http(s) base URL of the Selgeo API").optional(),
    webhookEndpoints: z.record(z.string().regex(NAME, "endpoint names are lowercase letters, digits and dashes"), WebhookEndpointConfig).default({}),
  })
  .superRefine((cfg, ctx) => {
    for (const [name, ep] of Object.entries(cfg.webhookEndpoints)) {
      const res = checkWebhookUrl(ep.url, cfg.mode);
      if (!res.ok) ctx.addIssue({ code: "custom", path: ["webhookEndpoints", name, "url"], message: res.message });
    }
  });
export type StackConfig = z.infer<typeof StackConfig>;

/** Raw values as read from Pulumi config (objects already parsed from YAML). */
export interface RawStackConfig {
  mode?: unknown;
  apiUrl?: unknown;
  secretKey?: string;
  webhookEndpoints?: unknown;
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
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${configPath(issue.path)}: ${issue.message}`);
  }
  const mode = (parsed.success ? parsed.data.mode : raw.mode) as Mode;
  const key = raw.secretKey ?? env[ENV_KEYS.secretKey];
  if (!key) {
    problems.push(
      `${STACK_CONFIG_KEYS.secretKey}: not set; run \`pulumi config set --secret ${STACK_CONFIG_KEYS.secretKey} <sk_…>\` or export ${ENV_KEYS.secretKey}`,
    );
  } else {
    const m = /^sk_(test|live)_/.exec(key);
    if (!m) problems.push(`${STACK_CONFIG_KEYS.secretKey}: not a Selgeo secret key (it must start with sk_test_ or sk_live_)`);
    else if ((MODES as readonly string[]).includes(mode) && m[1] !== mode) {
      problems.push(`${STACK_CONFIG_KEYS.secretKey}: a ${m[1]}-mode key on a ${mode} stack; use an sk_${mode}_ key here`);
    }
  }
  if (!parsed.success || problems.length > 0) throw new StackConfigError(problems);
  return parsed.data;
}

function configPath(path: readonly PropertyKey[]): string {
  let out = "selgeo";
  path.forEach((p, i) => {
    out += typeof p === "number" ? `[${p}]` : i === 0 ? `:${String(p)}` : `.${String(p)}`;
  });
  return out;
}
