/**
 * The Selgeo sandbox: a local, stateful implementation of the Selgeo API v1 (management subset)
 * on node:http and SQLite. The public contract is docs/selgeo-api-v1.md.
 *
 * Request pipeline (the order is part of the contract):
 *   1. count the request (API routes only), take a token from the general per-IP bucket (429);
 *   2. injected faults: latency, then status (429/5xx), and mark drop-after-commit;
 *   3. authenticate (401 missing/unknown key, 403 wrong kind), then 404 for an unknown route;
 *   4. the route's own bucket (per sk for conversions, per pk for clicks);
 *   5. Idempotency-Key (POST): replay, 409 on a different request, or execute and remember;
 *   6. the handler; every response carries X-RateLimit-Limit/Remaining/Reset and Request-Id.
 *
 * Sandbox-only admin routes (no auth; not part of Selgeo's API; never counted, faulted or rate
 * limited, though they report the general bucket in their X-RateLimit-* headers):
 *   GET    /_sandbox/info               → SandboxInfo of the default account ({selgeo_url, keys})
 *   POST   /_sandbox/accounts           {name?} → {account, keys:{test:{pk,sk},live:{pk,sk}}}
 *   GET    /_sandbox/clock              → {now, offset_seconds}
 *   POST   /_sandbox/clock/advance      {seconds} → moves the clock forward, attempts every
 *                                         delivery that became due, then answers {now, offset_seconds}
 *                                         (and releases commission holds that ended)
 *   POST   /_sandbox/stripe_integration {account_id?, livemode, fee_data_available: bool|null}
 *                                         overrides whether the mode's Stripe integration has fee
 *                                         data (null = available whenever connected)
 *   GET    /_sandbox/faults             → {rules} (active rules with `remaining` hits)
 *   POST   /_sandbox/faults             {rules:[{kind:"status"|"latency"|"drop_after_commit",
 *                                         status?:429|500|502|503, retry_after?, latency_ms?,
 *                                         method?, path_prefix?, count?=1, probability?=1}]}
 *                                         appends rules; they apply to /api/v1 and /v1 requests.
 *                                         drop_after_commit executes the request, commits (and
 *                                         stores its idempotent response), then destroys the
 *                                         socket without answering.
 *   DELETE /_sandbox/faults             → removes all rules
 *   GET    /_sandbox/requests           → {total, by_method, by_route} for /api/v1 and /v1 requests;
 *                                         by_route keys look like "POST /api/v1/webhook_endpoints/{id}"
 *   DELETE /_sandbox/requests           → resets the counters
 *   GET    /_sandbox/rate_limits        → {general_per_ip, conversions_per_sk, clicks_per_pk}
 *   POST   /_sandbox/rate_limits        {general_per_ip?, conversions_per_sk?, clicks_per_pk?}
 *                                         (requests/minute) sets limits and refills every bucket
 *   DELETE /_sandbox/rate_limits        → back to the published limits
 */
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import type { SandboxInfo, WebhookDelivery, WebhookEventPayload } from "@selgeo-golive/runtime";
import { ensureDefaultAccount } from "./accounts";
import type { AuthContext } from "./auth";
import { authenticate } from "./auth";
import { SandboxClock } from "./clock";
import type { SandboxDb } from "./db";
import { openDatabase } from "./db";
import { DeliveryService } from "./deliveries";
import { ApiError } from "./errors";
import type { FaultRule } from "./faults";
import { FaultInjector } from "./faults";
import { parseJsonObject, readBody, toApiError, trackedServer, writeJson } from "./http";
import { IdempotencyStore, MAX_IDEMPOTENCY_KEY_LENGTH } from "./idempotency";
import { newRequestId } from "./ids";
import type { BucketState } from "./rateLimit";
import { RateLimiter, rateLimitHeaders } from "./rateLimit";
import { RequestCounter } from "./requestCounter";
import type { Route } from "./router";
import { Router } from "./router";
import { accountRoutes } from "./routes/account";
import { adminRoutes } from "./routes/admin";
import { flowRoutes } from "./routes/flow";
import { programRoutes } from "./routes/programs";
import { stripeIntegrationRoutes } from "./routes/stripeIntegration";
import { stripeReceiverRoutes } from "./stripeReceiver";
import { webhookDeliveryRoutes } from "./routes/webhookDeliveries";
import { webhookEndpointRoutes } from "./routes/webhookEndpoints";
import type { SandboxServices } from "./services";
// Stripe emulator hook-up (sandbox/stripe): a second listener on the same database.
import type { RunningStripeEmulator } from "./stripe/server";
import { startStripeEmulator } from "./stripe/server";

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1: the sandbox has no auth on its admin routes). */
  host?: string;
  /** Where the SQLite database lives; default a fresh temp dir that close() removes. */
  dataDir?: string;
  /** Real-time source, epoch milliseconds (the sandbox clock adds its offset to it). */
  now?: () => number;
  /** Receives log lines (requests, delivery attempts, unexpected errors). Default: silent. */
  log?: (line: string) => void;
  /** How long a webhook receiver may take to answer, ms (default 10 000; tests shorten it). */
  deliveryTimeoutMs?: number;
  /** Stripe emulator: TCP port of its listener (same host); 0 (the default) picks a free one. */
  stripePort?: number;
  /**
   * The base URL the sandbox calls itself by in what it hands out (`info.selgeo_url`, the Stripe
   * integration's `webhook_url`, invite links), when clients reach it under another name than its
   * listener's: a dress rehearsal's `https://api.selgeo.example`. Default: the listener's URL.
   */
  publicUrl?: string;
}

/** A running sandbox. */
export interface RunningSandbox {
  /** Base URL, e.g. `http://127.0.0.1:4010`; the API lives under `/api/v1` and `/v1`. */
  url: string;
  /** Base URL and the keys of the default merchant account (stable across restarts). */
  info: SandboxInfo;
  /** The database (for inspection in tests; writes bypass the API's rules). */
  db: SandboxDb;
  /** The data dir in use. */
  dataDir: string;
  /** The sandbox clock. */
  clock: SandboxClock;
  /** Stripe emulator: its base URL (also `info.stripe_url`; keys in `info.stripe_keys`). */
  stripeUrl: string;
  /** Stripe emulator: the running instance (its webhook service emits Stripe events). */
  stripe: RunningStripeEmulator;
  /** Fans an event out to every enabled endpoint of the account and mode subscribed to `type`. */
  emitEvent(accountId: string, livemode: boolean, type: string, object: Record<string, unknown>): { event: WebhookEventPayload; deliveries: WebhookDelivery[] };
  /** Stops the server and the delivery worker, and closes the database. */
  close(): Promise<void>;
}

const ALL_ROUTES: Route[] = [
  ...accountRoutes,
  ...webhookEndpointRoutes,
  ...webhookDeliveryRoutes,
  ...programRoutes,
  ...stripeIntegrationRoutes,
  ...stripeReceiverRoutes,
  ...flowRoutes,
  ...adminRoutes,
];

/** Starts a sandbox. On an empty data dir it creates the default merchant account first. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const ownsDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "selgeo-sandbox-"));
  const log = opts.log ?? (() => {});
  const realNow = opts.now ?? Date.now;
  const db = openDatabase(dataDir);
  const clock = new SandboxClock(db, realNow);
  const { keys } = ensureDefaultAccount(db, clock.nowSeconds());
  const deliveries = new DeliveryService(db, clock, log, opts.deliveryTimeoutMs);
  let info: SandboxInfo = { selgeo_url: "", keys };
  const services: SandboxServices = {
    db,
    clock,
    deliveries,
    faults: new FaultInjector(),
    limiter: new RateLimiter(realNow),
    requests: new RequestCounter(),
    idempotency: new IdempotencyStore(db, clock),
    info: () => info,
  };
  const router = new Router(ALL_ROUTES);
  const { server, active } = trackedServer(
    (req, res) => handleRequest(req, res, router, services, log),
    log,
    "",
    JSON.stringify({ error: { type: "invalid_request_error", code: "bad_request", message: "The request could not be parsed." } }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const url = baseUrl(server.address() as AddressInfo);
  // Stripe emulator hook-up: started once the Selgeo listener is up; closed before the database.
  const stripe = await startStripeEmulator({ db, clock, host: opts.host, port: opts.stripePort ?? 0, log, deliveryTimeoutMs: opts.deliveryTimeoutMs }).catch(async (err: unknown) => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    db.close();
    throw err;
  });
  info = { selgeo_url: opts.publicUrl?.replace(/\/+$/, "") ?? url, keys, stripe_url: stripe.url, stripe_keys: stripe.keys };
  deliveries.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    info,
    db,
    dataDir,
    clock,
    stripeUrl: stripe.url,
    stripe,
    emitEvent: (accountId, livemode, type, object) => deliveries.emitEvent(accountId, livemode, type, object),
    close: () =>
      (closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await deliveries.stop();
        await stripe.close(); // Stripe emulator hook-up
        // Handlers still running (e.g. a ping whose attempt was just aborted) finish before the
        // database goes away underneath them.
        await Promise.allSettled([...active]);
        server.closeAllConnections();
        await serverClosed;
        db.close();
        if (ownsDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
      })()),
  };
}

function baseUrl(addr: AddressInfo): string {
  // A wildcard bind is reachable on loopback; print an address a client can actually dial.
  let host = addr.address;
  if (host === "0.0.0.0") host = "127.0.0.1";
  if (host === "::") host = "::1";
  return `http://${addr.family === "IPv6" || host.includes(":") ? `[${host}]` : host}:${addr.port}`;
}

function isApiPath(p: string): boolean {
  return p === "/api/v1" || p.startsWith("/api/v1/") || p === "/v1" || p.startsWith("/v1/");
}

function clientIp(req: http.IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? "unknown";
  // Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; one client, one bucket.
  return ip.startsWith("::ffff:") ? ip.slice(7) : ip;
}

async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse, router: Router, s: SandboxServices, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const method = (req.method ?? "GET").toUpperCase();
  // Concatenate instead of resolving against a base: "//x" must stay a path, not become a host.
  const rawUrl = req.url ?? "/";
  const url = new URL(rawUrl.startsWith("/") ? `http://sandbox.invalid${rawUrl}` : rawUrl);
  const path = url.pathname;
  const api = isApiPath(path);
  const match = router.match(method, path);
  const headers: Record<string, string> = { "Request-Id": newRequestId() };
  let limitState: BucketState;
  let status = 500;
  let body: string;
  let drop = false;
  let idem: { apiKey: string; key: string } | undefined;

  if (api) s.requests.record(method, match.route ? `${method} ${match.route.pattern}` : `${method} ${path}`);
  // Admin routes are exempt (a test that lowers the limit must still be able to raise it again)
  // but still report the bucket so that "every response carries the headers" holds.
  limitState = api ? s.limiter.take("general_per_ip", clientIp(req)) : { ...s.limiter.peek("general_per_ip", clientIp(req)), allowed: true };

  try {
    const raw = await readBody(req);
    if (!limitState.allowed) throw rateLimited(limitState, `Too many requests from this IP: the limit is ${limitState.limit} per minute.`);

    if (api) {
      const plan = s.faults.plan(method, path);
      if (plan.latency?.latency_ms) await sleep(plan.latency.latency_ms);
      if (plan.status) throw injectedStatus(plan.status);
      drop = plan.dropAfterCommit !== undefined;
    }

    const needs = match.route?.auth ?? (path.startsWith("/api/") ? "sk" : api ? "pk" : "none");
    let auth: AuthContext | undefined;
    if (needs !== "none") auth = authenticate(s.db, header(req, "authorization"), needs);

    if (!match.route) {
      const hint = match.allowed.length ? ` This path supports: ${match.allowed.join(", ")}.` : "";
      throw new ApiError(404, "not_found_error", "route_not_found", `Unrecognized request URL (${method} ${path}).${hint}`);
    }
    const route = match.route;
    if (route.bucket && auth) {
      limitState = s.limiter.take(route.bucket, auth.key);
      if (!limitState.allowed) throw rateLimited(limitState, `Too many requests for this key on ${route.pattern}: the limit is ${limitState.limit} per minute.`);
    }

    // GET and DELETE take no body; ignoring one is friendlier than failing on a stray "{}".
    const params = method === "POST" && !route.rawBody ? parseJsonObject(raw) : {};

    const idempotencyKey = header(req, "idempotency-key");
    if (method === "POST" && idempotencyKey !== undefined && auth) {
      if (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
        throw new ApiError(400, "invalid_request_error", "idempotency_key_invalid", `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`);
      }
      const decision = s.idempotency.begin(auth.key, idempotencyKey, method, url.pathname + url.search, params);
      if (decision.kind === "replay") {
        headers["Idempotent-Replayed"] = "true";
        status = decision.status;
        body = decision.body;
        return finish();
      }
      if (decision.kind === "mismatch") {
        throw new ApiError(
          409,
          "idempotency_error",
          "idempotency_key_reused",
          `Idempotency-Key '${idempotencyKey}' was already used for a different request (${decision.method} ${decision.path} with another body). Use a new key for a new request.`,
        );
      }
      if (decision.kind === "in_progress") {
        throw new ApiError(409, "idempotency_error", "idempotency_key_in_use", `A request with Idempotency-Key '${idempotencyKey}' is still being processed. Retry after it finished.`);
      }
      idem = { apiKey: auth.key, key: idempotencyKey };
    }

    const result = await route.handler({ method, path, query: url.searchParams, params: match.params, body: params, rawBody: raw, headers: req.headers, auth: auth as AuthContext }, s);
    status = result.status;
    body = JSON.stringify(result.body);
  } catch (err) {
    const apiErr = toApiError(err);
    if (apiErr.status === 500 && apiErr.code === "internal_error" && !(err instanceof ApiError)) {
      log(`${method} ${path}: unexpected error: ${(err as Error)?.stack ?? String(err)}`);
    }
    status = apiErr.status;
    body = JSON.stringify(apiErr.toBody());
    Object.assign(headers, apiErr.headers);
  }

  if (idem) {
    // 5xx and 429 are not outcomes of the request, so a retry with the same key must execute.
    if (status < 500 && status !== 429) s.idempotency.complete(idem.apiKey, idem.key, status, body);
    else s.idempotency.abandon(idem.apiKey, idem.key);
  }
  return finish();

  function finish(): void {
    log(`${method} ${url.pathname} -> ${drop ? "dropped after commit" : status} (${Date.now() - started} ms)`);
    if (drop) {
      // The request took full effect; the client only sees the connection die.
      req.socket.destroy();
      return;
    }
    writeJson(res, status, body, { ...rateLimitHeaders(limitState), ...headers });
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

function rateLimited(state: BucketState, message: string): ApiError {
  return new ApiError(429, "rate_limit_error", "rate_limited", `${message} Retry after ${state.retryAfter} s (see Retry-After).`, undefined, {
    "Retry-After": String(state.retryAfter),
  });
}

function injectedStatus(rule: FaultRule): ApiError {
  const status = rule.status ?? 500;
  const extra: Record<string, string> = { "Selgeo-Fault-Injected": "status" };
  if (status === 429) {
    extra["Retry-After"] = String(Math.max(1, rule.retry_after ?? 1));
    return new ApiError(429, "rate_limit_error", "rate_limited", "Too many requests (injected by a sandbox fault rule).", undefined, extra);
  }
  if (rule.retry_after !== undefined) extra["Retry-After"] = String(rule.retry_after);
  const code = status === 502 ? "bad_gateway" : status === 503 ? "service_unavailable" : "internal_error";
  return new ApiError(status, "api_error", code, `HTTP ${status} injected by a sandbox fault rule; retry the request.`, undefined, extra);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
