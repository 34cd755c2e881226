/**
 * One `SecretsManagerClient` per (region, endpoint, credentials) per process, built from the default
 * credential chain. An endpoint override (moto, LocalStack, a VPC endpoint) comes from
 * `SELGEO_AWS_ENDPOINT_URL`, else the AWS SDK's own `AWS_ENDPOINT_URL_SECRETS_MANAGER` /
 * `AWS_ENDPOINT_URL`.
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsSecretsManager } from "../lazyModules";

/** The region used when neither the reference nor the environment names one. */
export const DEFAULT_AWS_REGION = "us-east-1";

/** Environment variables read here, first match wins. */
export const AWS_ENDPOINT_ENV = ["SELGEO_AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL"] as const;
export const AWS_REGION_ENV = ["AWS_REGION", "AWS_DEFAULT_REGION"] as const;

/** Static credentials, for callers that must not use the default chain (tests against moto). */
export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** How to reach Secrets Manager; everything optional. */
export interface SecretsClientOptions {
  region?: string;
  /** Endpoint override; default from the environment (see AWS_ENDPOINT_ENV), else AWS's own. */
  endpoint?: string;
  /** Default: the AWS SDK's default credential chain. */
  credentials?: StaticCredentials;
}

/** What every Secrets Manager helper accepts: a client of your own, or options to build/reuse one. */
export interface SecretsCallOptions extends SecretsClientOptions {
  client?: SecretsManagerClient;
}

/** The endpoint override from the environment, if any. */
export function secretsEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of AWS_ENDPOINT_ENV) {
    const v = env[name]?.trim();
    if (v) return v;
  }
  return undefined;
}

/** The region to use: the explicit one, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-1. */
export function secretsRegion(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  for (const name of AWS_REGION_ENV) {
    const v = env[name]?.trim();
    if (v) return v;
  }
  return DEFAULT_AWS_REGION;
}

const clients = new Map<string, SecretsManagerClient>();

/** The shared client for these options (created on first use). */
export function secretsManagerClient(opts: SecretsClientOptions = {}): SecretsManagerClient {
  const region = secretsRegion(opts.region);
  const endpoint = opts.endpoint ?? secretsEndpointFromEnv();
  const key = JSON.stringify([region, endpoint ?? "", opts.credentials?.accessKeyId ?? ""]);
  let client = clients.get(key);
  if (!client) {
    // On Node 20 the SDK prints a notice that its 2027 releases will need Node 22, once per process,
    // so every provider process of a `pulumi up` repeated it. Nothing to act on during a run; set the
    // variable to "false" to see it.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    client = new (awsSecretsManager().SecretsManagerClient)({
      region,
      ...(endpoint ? { endpoint } : {}),
      ...(opts.credentials ? { credentials: { ...opts.credentials } } : {}),
      maxAttempts: 4,
    });
    clients.set(key, client);
  }
  return client;
}

/** The client a helper should use: the caller's own, or the shared one for its options. */
export function clientFor(opts: SecretsCallOptions = {}): SecretsManagerClient {
  return opts.client ?? secretsManagerClient(opts);
}

/** Destroys and forgets every shared client (tests; a provider process never needs it). */
export function resetSecretsClients(): void {
  for (const c of clients.values()) c.destroy();
  clients.clear();
}
