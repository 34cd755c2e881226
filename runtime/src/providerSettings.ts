/**
 * How a dynamic provider process (and the program process) learns where Selgeo and Stripe are, which
 * keys to use, and where generated secrets go.
 *
 * Credentials never travel inside a serialized provider (a captured string would sit in plain text
 * in state, under `__provider`). The engine hands every dynamic provider the whole stack config in
 * `configure`; we read the `selgeo:*` keys from it here, once per process. A key is either a
 * Secrets Manager reference (`awssm://<secret id>[#<json field>]`, resolved at run time with the
 * default AWS credential chain) or, for non-live stacks, a `pulumi config set --secret` value or an
 * environment variable.
 */
import { secretKeyMode } from "./keyModes";
import type Stripe from "stripe";
import { stripeSdk } from "./lazyModules";
import { SelgeoClient } from "./client";
import { activeHttpAgent } from "./resolverMap";
import { MODES, type Mode } from "./schemas";
import { isSecretReference, parseSecretReference, resolveSecretReference } from "./secrets";
import { apiUrlProblem } from "./urlRules";

/** The `selgeo:` stack config keys the providers read. */
export const CONFIG_KEYS = {
  mode: "selgeo:mode",
  apiUrl: "selgeo:apiUrl",
  secretKey: "selgeo:secretKey",
  stripeSecretKey: "selgeo:stripeSecretKey",
  stripeApiUrl: "selgeo:stripeApiUrl",
  aws: "selgeo:aws",
} as const;

/** Environment fallbacks, for keys a CI job injects instead of storing them in config. */
export const ENV_KEYS = {
  apiUrl: "SELGEO_API_URL",
  secretKey: "SELGEO_SECRET_KEY",
  stripeSecretKey: "STRIPE_SECRET_KEY",
  stripeApiUrl: "STRIPE_API_URL",
} as const;

/** Where generated secrets (every `whsec_`) are written: `selgeo:aws`. */
export interface AwsSettings {
  /** Default: AWS_REGION, else us-east-1. */
  region?: string;
  /** KMS key for new secrets; default the account's `aws/secretsmanager` key. */
  kmsKeyId?: string;
  /** Days a deleted secret stays recoverable (0 = at once; 7–30). Default 7. */
  recoveryWindowDays: number;
}

/** What a provider process was configured with (keys as written: possibly references). */
export interface ProviderSettings {
  mode: Mode;
  apiUrl: string;
  secretKey: string;
  /** Only the Stripe resources need these. */
  stripeSecretKey: string;
  /** Stripe's API base URL; default https://api.stripe.com (the sandbox's emulator in rehearsals). */
  stripeApiUrl: string;
  aws: AwsSettings;
}

/** The subset of Pulumi's dynamic `Config` we need; kept structural so tests can pass a map. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

let current: ProviderSettings | undefined;
let awsProblem: string | undefined;
const clients = new Map<string, SelgeoClient>();
const stripeClients = new Map<string, Stripe>();
const resolvedKeys = new Map<string, Promise<string>>();

/** Thrown when a provider runs without the settings it needs; the message says which key to set. */
export class ProviderConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderConfigError";
  }
}

/**
 * Reads the settings from the stack config (or the environment). Never throws: a missing key is
 * reported by `check` as a failure naming the config path, before anything is changed.
 */
export function configureFromStack(config: ConfigSource, env: NodeJS.ProcessEnv = process.env): void {
  awsProblem = undefined;
  let aws: AwsSettings = { recoveryWindowDays: 7 };
  const rawAws = config.get(CONFIG_KEYS.aws);
  if (rawAws) {
    try {
      const o = JSON.parse(rawAws) as Partial<AwsSettings>;
      aws = { region: o.region, kmsKeyId: o.kmsKeyId, recoveryWindowDays: o.recoveryWindowDays ?? 7 };
      if (!(aws.recoveryWindowDays === 0 || (aws.recoveryWindowDays >= 7 && aws.recoveryWindowDays <= 30))) {
        awsProblem = `${CONFIG_KEYS.aws}.recoveryWindowDays must be 0 or 7–30`;
      }
    } catch {
      awsProblem = `${CONFIG_KEYS.aws} must be an object such as {region: us-east-1, kmsKeyId: alias/selgeo-golive}`;
    }
  }
  current = {
    // Validated by settingsProblems, so a typo is reported with its config path rather than thrown here.
    mode: (config.get(CONFIG_KEYS.mode) ?? "test") as Mode,
    apiUrl: config.get(CONFIG_KEYS.apiUrl) ?? env[ENV_KEYS.apiUrl] ?? "",
    secretKey: config.get(CONFIG_KEYS.secretKey) ?? env[ENV_KEYS.secretKey] ?? "",
    stripeSecretKey: config.get(CONFIG_KEYS.stripeSecretKey) ?? env[ENV_KEYS.stripeSecretKey] ?? "",
    stripeApiUrl: config.get(CONFIG_KEYS.stripeApiUrl) ?? env[ENV_KEYS.stripeApiUrl] ?? "https://api.stripe.com",
    aws,
  };
}

/** The settings as configured (keys possibly still references). */
export function rawSettings(): ProviderSettings | undefined {
  return current;
}

/**
 * A key's value: a Secrets Manager reference is resolved (once per process), anything else is the
 * key itself. Resolution errors name the config path and never include a secret.
 */
async function resolveKey(value: string, configPath: string): Promise<string> {
  if (!isReference(value)) return value;
  let p = resolvedKeys.get(value);
  if (!p) {
    p = resolveSecretReference(parseReference(value, configPath), { configPath });
    resolvedKeys.set(value, p);
    p.catch(() => resolvedKeys.delete(value));
  }
  return p;
}

function isReference(value: string): boolean {
  return value.startsWith("awssm://") || (value.startsWith("{") && isSecretReference(safeJson(value)));
}

function parseReference(value: string, configPath: string) {
  return parseSecretReference(value.startsWith("{") ? (safeJson(value) as Record<string, unknown>) : value, configPath);
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** Problems with a key of the wrong kind or mode; never echoes the key. */
function keyProblems(value: string, configPath: string, mode: Mode, kind: "selgeo" | "stripe"): string[] {
  // A newline at the end is what `echo key | …` leaves; as an HTTP header it fails obscurely.
  if (value.trim() !== value) {
    return [`${configPath} has leading or trailing whitespace (a trailing newline?): store the key again without it`];
  }
  const keyMode = secretKeyMode(value, kind);
  if (!keyMode) {
    return [
      kind === "selgeo"
        ? `${configPath} is not a Selgeo secret key (it must start with sk_test_ or sk_live_)`
        : `${configPath} is not a Stripe secret or restricted key (sk_/rk_ test|live)`,
    ];
  }
  if (keyMode !== mode) {
    return [
      kind === "selgeo"
        ? `${configPath} is a ${keyMode}-mode key but ${CONFIG_KEYS.mode} is "${mode}": use an sk_${mode}_ key on this stack`
        : `${configPath} is a Stripe ${keyMode}-mode key but ${CONFIG_KEYS.mode} is "${mode}": use the Stripe ${mode}-mode key`,
    ];
  }
  return [];
}

/** The settings that hold an API key, and whose key each holds. */
const KEY_SETTINGS = { secretKey: "selgeo", stripeSecretKey: "stripe" } as const;

/**
 * Problems with one key setting: not set, a plain value on a live stack (which takes references
 * only), a reference that does not resolve, or a key of the wrong kind or mode.
 */
async function keySettingProblems(s: ProviderSettings, setting: keyof typeof KEY_SETTINGS): Promise<string[]> {
  const value = s[setting];
  const configPath = CONFIG_KEYS[setting];
  if (!value) {
    return [`${configPath} is not set: \`pulumi config set ${configPath} awssm://<secret id>\`, \`pulumi config set --secret ${configPath} <sk_…>\` or export ${ENV_KEYS[setting]}`];
  }
  const problems: string[] = [];
  if (s.mode === "live" && !isReference(value)) {
    problems.push(`${configPath}: a live stack takes the key as a Secrets Manager reference (awssm://<secret id>[#field]), never as a value`);
  }
  try {
    problems.push(...keyProblems(await resolveKey(value, configPath), configPath, s.mode, KEY_SETTINGS[setting]));
  } catch (e) {
    problems.push((e as Error).message);
  }
  return problems;
}

/**
 * Problems with the Selgeo settings, each naming the config path and the fix. Empty when usable.
 * A referenced key is resolved from Secrets Manager first (a read; nothing is sent to Selgeo).
 */
export async function settingsProblems(s: ProviderSettings | undefined = current): Promise<string[]> {
  if (!s) return ["the provider was not configured: run it through `pulumi up` with the selgeo:* stack config"];
  const problems: string[] = [];
  if (!(MODES as readonly string[]).includes(s.mode)) {
    problems.push(`${CONFIG_KEYS.mode} is "${s.mode}": set it to "test" or "live"`);
  }
  if (awsProblem) problems.push(awsProblem);
  if (!s.apiUrl) {
    problems.push(`${CONFIG_KEYS.apiUrl} is not set: \`pulumi config set ${CONFIG_KEYS.apiUrl} <Selgeo API base URL>\``);
  } else {
    const problem = apiUrlProblem(s.apiUrl, s.mode === "live" ? "live" : "test");
    if (problem) problems.push(`${CONFIG_KEYS.apiUrl}: ${problem}`);
  }
  problems.push(...(await keySettingProblems(s, "secretKey")));
  return problems;
}

/** Problems with the Stripe settings (for the Stripe resources), each naming the config path. */
export async function stripeSettingsProblems(s: ProviderSettings | undefined = current): Promise<string[]> {
  if (!s) return settingsProblems(s);
  const problems = await keySettingProblems(s, "stripeSecretKey");
  const urlProblem = apiUrlProblem(s.stripeApiUrl, s.mode === "live" ? "live" : "test");
  if (urlProblem) problems.push(`${CONFIG_KEYS.stripeApiUrl}: ${urlProblem} (leave it unset for Stripe itself)`);
  return problems;
}

/** The configured settings, or a ProviderConfigError listing what is wrong. */
export async function requireSettings(): Promise<ProviderSettings> {
  const problems = await settingsProblems();
  if (problems.length > 0 || !current) throw new ProviderConfigError(problems.join("; "));
  return current;
}

/** The configured Selgeo secret key, read from Secrets Manager when configured as a reference. */
export async function resolvedSecretKey(): Promise<string> {
  const s = await requireSettings();
  return resolveKey(s.secretKey, CONFIG_KEYS.secretKey);
}

/** One client (and so one rate limiter and connection pool) per API URL and key, per process. */
export async function selgeoClient(): Promise<SelgeoClient> {
  const s = await requireSettings();
  const key = await resolvedSecretKey();
  const cacheKey = `${s.apiUrl}\u0000${key}`;
  let c = clients.get(cacheKey);
  if (!c) {
    c = new SelgeoClient({ baseUrl: s.apiUrl, apiKey: key });
    clients.set(cacheKey, c);
  }
  return c;
}

/** The official Stripe SDK, one instance per API URL and key, per process. */
export async function stripeClient(): Promise<Stripe> {
  const s = await requireSettings();
  const problems = await stripeSettingsProblems(s);
  if (problems.length > 0) throw new ProviderConfigError(problems.join("; "));
  const key = await resolveKey(s.stripeSecretKey, CONFIG_KEYS.stripeSecretKey);
  const cacheKey = `${s.stripeApiUrl}\u0000${key}`;
  let c = stripeClients.get(cacheKey);
  if (!c) {
    const u = new URL(s.stripeApiUrl);
    const agent = activeHttpAgent(u.protocol === "https:" ? "https:" : "http:");
    c = new (stripeSdk())(key, {
      host: u.hostname,
      port: u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80,
      protocol: u.protocol === "https:" ? "https" : "http",
      maxNetworkRetries: 5,
      timeout: 30_000,
      appInfo: { name: "selgeo-golive" },
      // In a dress rehearsal, api.stripe.com is the local Stripe emulator (resolverMap.ts).
      ...(agent ? { httpAgent: agent } : {}),
    });
    stripeClients.set(cacheKey, c);
  }
  return c;
}

/** Where generated secrets go (region, KMS key, recovery window). */
export function awsSettings(): AwsSettings {
  return current?.aws ?? { recoveryWindowDays: 7 };
}
