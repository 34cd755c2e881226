/**
 * What `golive sandbox` reads from the sandbox stack file (Pulumi.sandbox.yaml): the ports of its
 * Selgeo and Stripe URLs, so the sandbox listens where the stack points, and the loopback receiver
 * URLs of its webhook endpoints, so a local receiver answers there.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { readSharedDeclaration, withSharedDeclaration } from "../config/declaration";

/** Default Selgeo port (Pulumi.sandbox.yaml's `selgeo:apiUrl`). */
export const DEFAULT_SELGEO_PORT = 4010;
/** Default Stripe emulator port (Pulumi.sandbox.yaml's `selgeo:stripeApiUrl`). */
export const DEFAULT_STRIPE_PORT = 4011;
/**
 * Default moto port. The stack file has no AWS endpoint (the AWS SDK takes it from
 * AWS_ENDPOINT_URL_SECRETS_MANAGER, which the env file sets), so it is fixed here, next to the others.
 */
export const DEFAULT_AWS_PORT = 4012;

/** One webhook endpoint whose URL a local receiver can serve (http on a loopback host). */
export interface LocalReceiverRoute {
  /** The endpoint's name in `selgeo:webhookEndpoints` (its secret is `selgeo-golive/<stack>/webhook-endpoint/<name>`). */
  name: string;
  port: number;
  /** URL path, e.g. `/selgeo/webhooks`. */
  path: string;
  url: string;
}

/** The parts of a stack file the sandbox follows. */
export interface SandboxStackFile {
  file: string;
  /** The stack name, from the file name (`Pulumi.<stack>.yaml`). */
  stack: string;
  selgeoPort?: number;
  stripePort?: number;
  receivers: LocalReceiverRoute[];
  /** Endpoint URLs no local receiver can serve (not http, or not on a loopback host). */
  skipped: string[];
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

function portOf(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const u = new URL(value);
    if (u.protocol !== "http:" || !LOOPBACK.has(u.hostname)) return undefined;
    return Number(u.port || 80);
  } catch {
    return undefined;
  }
}

/**
 * Reads `file` (absent: undefined). Throws with the file's name when it is not YAML with a
 * `config:` map, so a broken stack file is named rather than silently ignored.
 */
export function readSandboxStackFile(file: string): SandboxStackFile | undefined {
  if (!existsSync(file)) return undefined;
  let doc: unknown;
  try {
    doc = load(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not valid YAML (${(e as Error).message.split("\n")[0]}); fix it or pass --stack-file`);
  }
  const own = (doc as { config?: Record<string, unknown> } | null)?.config;
  if (!own || typeof own !== "object") throw new Error(`${file}: no \`config:\` map; fix it or pass --stack-file`);
  // The stack's endpoints as `pulumi up` declares them: the shared declaration beside it merged in.
  const config = withSharedDeclaration(readSharedDeclaration(path.dirname(file)), own);
  const stack = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file))?.[1] ?? "sandbox";
  const receivers: LocalReceiverRoute[] = [];
  const skipped: string[] = [];
  const endpoints = config["selgeo:webhookEndpoints"];
  if (endpoints && typeof endpoints === "object") {
    for (const [name, ep] of Object.entries(endpoints as Record<string, { url?: unknown }>)) {
      const url = ep?.url;
      const port = portOf(url);
      if (port === undefined) {
        if (typeof url === "string") skipped.push(url);
        continue;
      }
      receivers.push({ name, port, path: new URL(url as string).pathname, url: url as string });
    }
  }
  return {
    file,
    stack,
    selgeoPort: portOf(config["selgeo:apiUrl"]),
    stripePort: portOf(config["selgeo:stripeApiUrl"]),
    receivers,
    skipped,
  };
}
