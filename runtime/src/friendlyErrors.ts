/**
 * One line a merchant can act on, for the failures that mean "the settings are wrong" rather than
 * "Selgeo refused this object": Selgeo or Stripe unreachable, a URL that is not their API, a key
 * they refuse. Each names the config key and the fix instead of surfacing a socket error.
 */
import { SelgeoAuthenticationError, SelgeoConnectionError, SelgeoError } from "./errors";
import { CONFIG_KEYS, rawSettings } from "./providerSettings";
import { secretsEndpointFromEnv } from "./secrets/client";
import { isLoopbackHost } from "./urlRules";

/** An error whose message is already the one line to show; `cause` keeps the original. */
export class SettingsError extends Error {
  constructor(message: string, readonly cause?: unknown) {
    super(message);
    this.name = "SettingsError";
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  CERT_HAS_EXPIRED: "TLS certificate expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed TLS certificate",
};

/** The network error code somewhere in `e`'s cause chain, if it is one we can name. */
function networkCode(e: unknown): string | undefined {
  let c: unknown = e;
  for (let i = 0; i < 4 && c; i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string" && REASONS[code]) return code;
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}

/** An AWS SDK error (it carries `$metadata`) that never got an answer. */
function isAwsUnreachable(e: unknown): boolean {
  return typeof e === "object" && e !== null && "$metadata" in e && networkCode(e) !== undefined;
}

function reasonOf(e: unknown): string {
  let c: unknown = e;
  for (let i = 0; i < 4 && c; i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string" && REASONS[code]) return REASONS[code];
    c = (c as { cause?: unknown }).cause;
  }
  if (e instanceof SelgeoConnectionError) return e.code === "timeout" ? e.rawMessage : e.rawMessage.replace(/\s*\([A-Z_]+\)$/, "");
  return e instanceof Error ? e.message : String(e);
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
}

/**
 * Rewrites a settings failure into a {@link SettingsError}; any other error is returned unchanged.
 * `apiUrl`/`stripeApiUrl` default to the provider process's configured settings.
 */
export function explainSettingsError(e: unknown, urls: { apiUrl?: string; stripeApiUrl?: string } = {}): unknown {
  if (e instanceof SettingsError) return e;
  const apiUrl = urls.apiUrl ?? rawSettings()?.apiUrl ?? "";
  const stripeApiUrl = urls.stripeApiUrl ?? rawSettings()?.stripeApiUrl ?? "";
  const where = (e as { method?: string; path?: string }).method ? ` [${(e as SelgeoError).method} ${(e as SelgeoError).path}]` : "";
  if (e instanceof SelgeoConnectionError) {
    const hint = isLoopbackHost(hostOf(apiUrl))
      ? "is the sandbox running? `npx golive sandbox`"
      : `check ${CONFIG_KEYS.apiUrl} (your Selgeo API base URL) and the network`;
    return new SettingsError(`${CONFIG_KEYS.apiUrl}: cannot reach ${apiUrl} (${reasonOf(e)}) — ${hint}${where}`, e);
  }
  if (e instanceof SelgeoError && (e.code === "invalid_response" || /^http_\d+$/.test(e.code))) {
    return new SettingsError(
      `${CONFIG_KEYS.apiUrl}: ${apiUrl} does not answer like the Selgeo API (${e.status ? `HTTP ${e.status}` : e.code}${where}) — set ${CONFIG_KEYS.apiUrl} to the API's base URL, e.g. https://api.selgeo.com`,
      e,
    );
  }
  if (e instanceof SelgeoAuthenticationError) {
    return new SettingsError(`${CONFIG_KEYS.secretKey}: Selgeo refused the key (401 ${e.code}) — check that it is a current sk_ key of this account and mode`, e);
  }
  if (isAwsUnreachable(e)) {
    // Generated signing secrets and awssm:// keys live there; in rehearsals it is the sandbox's moto.
    const endpoint = secretsEndpointFromEnv();
    const hint = endpoint && isLoopbackHost(hostOf(endpoint))
      ? "is the sandbox running? `npx golive sandbox`"
      : "check the network, the region in selgeo:aws and AWS_ENDPOINT_URL_SECRETS_MANAGER";
    return new SettingsError(`${CONFIG_KEYS.aws}: cannot reach AWS Secrets Manager${endpoint ? ` at ${endpoint}` : ""} (${reasonOf(e)}) — ${hint}`, e);
  }
  const type = (e as { type?: unknown }).type;
  if (type === "StripeConnectionError") {
    return new SettingsError(
      `${CONFIG_KEYS.stripeApiUrl}: cannot reach ${stripeApiUrl} (${reasonOf(e)}) — ${isLoopbackHost(hostOf(stripeApiUrl)) ? "is the sandbox running? `npx golive sandbox`" : "check the URL (leave it unset for Stripe itself) and the network"}`,
      e,
    );
  }
  if (type === "StripeAuthenticationError") {
    return new SettingsError(`${CONFIG_KEYS.stripeSecretKey}: Stripe refused the key — check that it is a current key of this account and mode`, e);
  }
  return e;
}
