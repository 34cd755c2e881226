/**
 * How a dynamic provider process learns where Selgeo is and which key to use.
 *
 * Credentials never travel inside a serialized provider (a captured string would sit in plain text
 * in state, under `__provider`). The engine hands every dynamic provider the whole stack config in
 * `configure`; we read the `selgeo:*` keys from it here, once per provider process, and fall back to
 * environment variables so a CI job can inject the key without writing it into config.
 */
import Stripe from "stripe";
import { SelgeoClient } from "./client";
import { MODES, type Mode } from "./schemas";

/** The `selgeo:` stack config keys the providers read. */
export const CONFIG_KEYS = {
  mode: "selgeo:mode",
  apiUrl: "selgeo:apiUrl",
  secretKey: "selgeo:secretKey",
  stripeSecretKey: "selgeo:stripeSecretKey",
  stripeApiUrl: "selgeo:stripeApiUrl",
} as const;

/** Environment fallbacks, for keys a CI job injects instead of storing them in config. */
export const ENV_KEYS = {
  apiUrl: "SELGEO_API_URL",
  secretKey: "SELGEO_SECRET_KEY",
  stripeSecretKey: "STRIPE_SECRET_KEY",
  stripeApiUrl: "STRIPE_API_URL",
} as const;

/** What a provider process was configured with. */
export interface ProviderSettings {
  mode: Mode;
  apiUrl: string;
  secretKey: string;
  /** Only the Stripe resources need these. */
  stripeSecretKey: string;
  /** Stripe's API base URL; default https://api.stripe.com (the sandbox's emulator in rehearsals). */
  stripeApiUrl: string;
}

/** The subset of Pulumi's dynamic `Config` we need; kept structural so tests can pass a map. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

let current: ProviderSettings | undefined;
const clients = new Map<string, SelgeoClient>();

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
  const modeRaw = config.get(CONFIG_KEYS.mode) ?? "test";
  current = {
    // Validated by settingsProblems, so a typo is reported with its config path rather than thrown here.
    mode: modeRaw as Mode,
    apiUrl: config.get(CONFIG_KEYS.apiUrl) ?? env[ENV_KEYS.apiUrl] ?? "",
    secretKey: config.get(CONFIG_KEYS.secretKey) ?? env[ENV_KEYS.secretKey] ?? "",
    stripeSecretKey: config.get(CONFIG_KEYS.stripeSecretKey) ?? env[ENV_KEYS.stripeSecretKey] ?? "",
    stripeApiUrl: config.get(CONFIG_KEYS.stripeApiUrl) ?? env[ENV_KEYS.stripeApiUrl] ?? "https://api.stripe.com",
  };
}

/** Problems with the current settings, each naming the config path and the fix. Empty when usable. */
export function settingsProblems(s: ProviderSettings | undefined = current): string[] {
  if (!s) return ["the provider was not configured: run it through `pulumi up` with the selgeo:* stack config"];
  const problems: string[] = [];
  if (!(MODES as readonly string[]).includes(s.mode)) {
    problems.push(`${CONFIG_KEYS.mode} is "${s.mode}": set it to "test" or "live"`);
  }
  if (!s.apiUrl) {
    problems.push(`${CONFIG_KEYS.apiUrl} is not set: \`pulumi config set ${CONFIG_KEYS.apiUrl} <Selgeo API base URL>\``);
  } else if (!/^https?:\/\//i.test(s.apiUrl)) {
    problems.push(`${CONFIG_KEYS.apiUrl} must be an http(s) URL`);
  }
  if (!s.secretKey) {
    problems.push(
      `${CONFIG_KEYS.secretKey} is not set: \`pulumi config set --secret ${CONFIG_KEYS.secretKey} <sk_…>\` or export ${ENV_KEYS.secretKey}`,
    );
  } else {
    const m = /^sk_(test|live)_/.exec(s.secretKey);
    if (!m) {
      problems.push(`${CONFIG_KEYS.secretKey} is not a Selgeo secret key (it must start with sk_test_ or sk_live_)`);
    } else if (m[1] !== s.mode) {
      problems.push(
        `${CONFIG_KEYS.secretKey} is a ${m[1]}-mode key but ${CONFIG_KEYS.mode} is "${s.mode}": use an sk_${s.mode}_ key on this stack`,
      );
    }
  }
  return problems;
}

/** The configured settings, or a ProviderConfigError listing what is wrong. */
export function requireSettings(): ProviderSettings {
  const problems = settingsProblems();
  if (problems.length > 0 || !current) throw new ProviderConfigError(problems.join("; "));
  return current;
}

/** One client (and so one rate limiter and connection pool) per API URL and key, per process. */
export function selgeoClient(): SelgeoClient {
  const s = requireSettings();
  const cacheKey = `${s.apiUrl}\u0000${s.secretKey}`;
  let c = clients.get(cacheKey);
  if (!c) {
    c = new SelgeoClient({ baseUrl: s.apiUrl, apiKey: s.secretKey });
    clients.set(cacheKey, c);
  }
  return c;
}

/** Problems with the Stripe settings (for the Stripe resources), each naming the config path. */
export function stripeSettingsProblems(s: ProviderSettings | undefined = current): string[] {
  if (!s) return settingsProblems(s);
  const problems: string[] = [];
  if (!s.stripeSecretKey) {
    problems.push(
      `${CONFIG_KEYS.stripeSecretKey} is not set: \`pulumi config set --secret ${CONFIG_KEYS.stripeSecretKey} <sk_…>\` or export ${ENV_KEYS.stripeSecretKey}`,
    );
  } else {
    const m = /^(?:sk|rk)_(test|live)_/.exec(s.stripeSecretKey);
    if (!m) problems.push(`${CONFIG_KEYS.stripeSecretKey} is not a Stripe secret or restricted key (sk_/rk_ test|live)`);
    else if (m[1] !== s.mode) {
      problems.push(`${CONFIG_KEYS.stripeSecretKey} is a Stripe ${m[1]}-mode key but ${CONFIG_KEYS.mode} is "${s.mode}": use the Stripe ${s.mode}-mode key`);
    }
  }
  try {
    const u = new URL(s.stripeApiUrl);
    if (!/^https?:$/.test(u.protocol)) throw new Error("scheme");
  } catch {
    problems.push(`${CONFIG_KEYS.stripeApiUrl} must be an http(s) URL (leave it unset for Stripe itself)`);
  }
  return problems;
}

const stripeClients = new Map<string, Stripe>();

/** The official Stripe SDK, one instance per API URL and key, per process. */
export function stripeClient(): Stripe {
  const s = requireSettings();
  const problems = stripeSettingsProblems(s);
  if (problems.length > 0) throw new ProviderConfigError(problems.join("; "));
  const cacheKey = `${s.stripeApiUrl}\u0000${s.stripeSecretKey}`;
  let c = stripeClients.get(cacheKey);
  if (!c) {
    const u = new URL(s.stripeApiUrl);
    c = new Stripe(s.stripeSecretKey, {
      host: u.hostname,
      port: u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80,
      protocol: u.protocol === "https:" ? "https" : "http",
      maxNetworkRetries: 5,
      timeout: 30_000,
      appInfo: { name: "selgeo-golive" },
    });
    stripeClients.set(cacheKey, c);
  }
  return c;
}
