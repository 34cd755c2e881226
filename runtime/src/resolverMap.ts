/**
 * The resolver map of a dress rehearsal (`golive rehearse`): the hosts a stack names
 * (`https://api.selgeo.example`, `api.stripe.com`, the webhook receivers) are delivered to local
 * listeners, so the stack file is rehearsed exactly as written. The URLs never change: only where
 * their connections go. Any other host is refused, so a rehearsal never reaches the internet;
 * loopback addresses pass as they are (the sandbox's own admin routes, moto).
 *
 * The map travels in one environment variable, so every process of a rehearsal follows it: the
 * golive process, the Pulumi CLI and the dynamic providers it starts (which inherit its
 * environment). It is applied at three places: undici's global dispatcher (fetch) and the runtime's
 * HTTP core (undici pools), the Stripe SDK's http agent, and the sandbox's webhook deliveries
 * (`node:http`). The rehearsal's CA reaches child processes through NODE_EXTRA_CA_CERTS; the
 * process that generates it passes it to {@link installResolverMap} instead (Node reads that
 * variable only at start-up).
 */
import * as http from "node:http";
import * as https from "node:https";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import type { Agent, buildConnector } from "undici";
import { undici } from "./lazyModules";

/** The environment variable holding the map: JSON `{"host:port": "127.0.0.1:port", …}`. */
export const RESOLVE_ENV = "GOLIVE_RESOLVE";

/** Where one `host:port` goes. */
export interface ResolvedTarget {
  host: string;
  port: number;
}

/** `api.selgeo.example:443` → where its connections go. Keys are lower-case. */
export type ResolverMap = ReadonlyMap<string, ResolvedTarget>;

/** A connection the map does not allow; the message names the host and the map. */
export class ResolverRefusedError extends Error {
  readonly code = "EGOLIVEREFUSED";
  constructor(readonly target: string) {
    super(`${target} is not in the rehearsal's resolver map (${RESOLVE_ENV}): refused, a rehearsal never reaches the internet`);
    this.name = "ResolverRefusedError";
  }
}

function hostPort(text: string, what: string): ResolvedTarget {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`${RESOLVE_ENV}: ${what} "${text}" is not host:port`);
  return { host: m[1].replace(/^\[|\]$/g, "").toLowerCase(), port };
}

/** Parses the JSON form; throws with the variable's name on anything else. */
export function parseResolverMap(text: string): ResolverMap {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${RESOLVE_ENV} must be a JSON object {"host:port": "127.0.0.1:port"}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${RESOLVE_ENV} must be a JSON object {"host:port": "127.0.0.1:port"}`);
  const map = new Map<string, ResolvedTarget>();
  for (const [from, to] of Object.entries(raw as Record<string, unknown>)) {
    const key = hostPort(from, "key");
    if (typeof to !== "string") throw new Error(`${RESOLVE_ENV}: the target of ${from} must be a "host:port" string`);
    map.set(`${key.host}:${key.port}`, hostPort(to, "target"));
  }
  return map;
}

/** The JSON form of a map (for the environment of child processes). */
export function formatResolverMap(map: ResolverMap): string {
  return JSON.stringify(Object.fromEntries([...map].map(([k, t]) => [k, `${t.host.includes(":") ? `[${t.host}]` : t.host}:${t.port}`])));
}

/** True for 127.0.0.0/8, ::1 and localhost: never the internet. */
export function isLoopbackTarget(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  if (h.startsWith("::ffff:")) return isLoopbackTarget(h.slice(7));
  return isIP(h) === 4 && h.startsWith("127.");
}

/** Where a connection to `host:port` goes under `map`; throws ResolverRefusedError when nowhere. */
export function resolveTarget(map: ResolverMap, host: string, port: number): ResolvedTarget {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  const hit = map.get(`${h}:${port}`);
  if (hit) return hit;
  if (isLoopbackTarget(h)) return { host: h, port };
  throw new ResolverRefusedError(`${h}:${port}`);
}

const defaultPort = (protocol: string | null | undefined) => (protocol === "https:" || protocol === "https" ? 443 : 80);

/** An active map and the CA its TLS connections trust besides the system's. */
interface Active {
  map: ResolverMap;
  ca?: string[];
  dispatcher: Agent;
}

// On globalThis, not in module scope: the sandbox loads this file from source and the CLI from the
// compiled package, and both must see the one map the process installed.
const ACTIVE = Symbol.for("selgeo-golive.resolverMap");
type WithActive = typeof globalThis & { [ACTIVE]?: Active };

/** The map in force in this process, if a rehearsal installed one. */
export function activeResolverMap(): ResolverMap | undefined {
  return (globalThis as WithActive)[ACTIVE]?.map;
}

/** An undici `connect` function that sends each connection where the map says (or refuses it). */
export function resolverConnector(map: ResolverMap, ca?: string[]): buildConnector.connector {
  const inner = undici().buildConnector(ca ? { ca } : {});
  return (opts, callback) => {
    let target: ResolvedTarget;
    try {
      target = resolveTarget(map, opts.hostname, Number(opts.port) || defaultPort(opts.protocol));
    } catch (e) {
      callback(e as Error, null);
      return;
    }
    // `host` stays the URL's: undici derives the TLS server name (SNI and certificate check) from it.
    inner({ ...opts, hostname: target.host, port: String(target.port) }, callback);
  };
}

/** The undici `connect` option of the active map (undefined outside a rehearsal). */
export function activeConnector(): buildConnector.connector | undefined {
  const a = (globalThis as WithActive)[ACTIVE];
  return a ? resolverConnector(a.map, a.ca) : undefined;
}

/**
 * A `createConnection` for `node:http`/`node:https` requests under the active map (undefined
 * outside a rehearsal): TLS to the mapped listener, checked against the URL's host name.
 */
export function activeCreateConnection(
  protocol: string,
): ((opts: http.ClientRequestArgs, cb?: (err: Error | null, socket: Duplex) => void) => Duplex | undefined) | undefined {
  const a = (globalThis as WithActive)[ACTIVE];
  if (!a) return undefined;
  return (opts, cb) => {
    const host = String(opts.hostname ?? opts.host ?? "localhost");
    let target: ResolvedTarget;
    try {
      target = resolveTarget(a.map, host, Number(opts.port) || defaultPort(protocol));
    } catch (e) {
      // Through the callback: node's Agent does not catch a throw from createConnection.
      if (!cb) throw e;
      cb(e as Error, undefined as unknown as Duplex);
      return undefined;
    }
    if (protocol === "https:") {
      const servername = isIP(host) ? undefined : host;
      return tls.connect({ ...(opts as tls.ConnectionOptions), host: target.host, port: target.port, servername, ...(a.ca ? { ca: a.ca } : {}) });
    }
    return new http.Agent().createConnection({ ...opts, host: target.host, port: target.port } as object) as Duplex;
  };
}

/** An http(s) Agent under the active map, for SDKs that take one (Stripe); undefined outside a rehearsal. */
export function activeHttpAgent(protocol: "http:" | "https:"): http.Agent | undefined {
  const create = activeCreateConnection(protocol);
  if (!create) return undefined;
  const agent = protocol === "https:" ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  (agent as unknown as { createConnection: typeof create }).createConnection = create;
  return agent;
}

/**
 * Puts `map` in force in this process: undici's global dispatcher (fetch), and every pool,
 * SDK agent and webhook delivery made from now on. `ca`: PEM certificates to trust besides the
 * system's (the rehearsal's CA, in the process that made it).
 */
export function installResolverMap(map: ResolverMap, ca?: string[]): void {
  const all = ca ? [...tls.rootCertificates, ...ca] : undefined;
  const dispatcher = new (undici().Agent)({ connect: resolverConnector(map, all) });
  (globalThis as WithActive)[ACTIVE] = { map, ca: all, dispatcher };
  undici().setGlobalDispatcher(dispatcher);
}

/** Lifts the map (the rehearsal is over): fetch gets a plain dispatcher again; the old one's sockets close. */
export async function uninstallResolverMap(): Promise<void> {
  const a = (globalThis as WithActive)[ACTIVE];
  if (!a) return;
  delete (globalThis as WithActive)[ACTIVE];
  undici().setGlobalDispatcher(new (undici().Agent)());
  await a.dispatcher.close().catch(() => undefined);
}

/** Installs the map named by GOLIVE_RESOLVE, if any. A malformed value throws (never run unmapped). */
export function installResolverFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const text = env[RESOLVE_ENV];
  if (!text) return false;
  if (activeResolverMap()) return true;
  installResolverMap(parseResolverMap(text));
  return true;
}
