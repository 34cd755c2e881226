/**
 * The Stripe emulator: a second HTTP listener of the sandbox that serves the parts of Stripe's v1
 * API this project uses, shaped so that the official `stripe` npm SDK works against it unchanged
 * (`new Stripe(key, { host, port, protocol: "http" })`). State lives in the sandbox's SQLite
 * database (tables `stripe_*`), so a restart on the same data dir keeps keys, endpoints, objects,
 * events, deliveries and idempotency keys.
 *
 * Stripe API (`Authorization: Bearer sk_…`; the key decides the account and `livemode`; bodies are
 * `application/x-www-form-urlencoded` as stripe-node sends them; every response has `Request-Id`
 * and `Stripe-Version`; `Idempotency-Key` on POST as Stripe does it, see idempotency.ts):
 *   GET    /v1/account, /v1/accounts/{id}       → the emulated account of the key's mode
 *   GET    /v1/webhook_endpoints                → list (limit, starting_after, ending_before)
 *   POST   /v1/webhook_endpoints                → create; the only response with `secret`
 *   GET    /v1/webhook_endpoints/{id}           → retrieve
 *   POST   /v1/webhook_endpoints/{id}           → update (url, enabled_events, description,
 *                                                 metadata, disabled)
 *   DELETE /v1/webhook_endpoints/{id}           → {id, object, deleted: true}
 *   GET    /v1/events, /v1/events/{id}          → events (list filter: type)
 *   GET    /v1/{customers|payment_intents|charges|balance_transactions|refunds|invoices}/{id},
 *          /v1/checkout/sessions/{id}           → objects the simulations created
 *
 * Sandbox-only routes (no auth, JSON bodies, not part of Stripe; never counted or faulted):
 *   GET    /_stripe/info          → {stripe_url, stripe_keys}
 *   POST   /_stripe/test_event    {livemode?, type? = "checkout.session.completed", endpoint?, wait?}
 *                                 like the dashboard's "Send test event": an obviously fake object
 *                                 (zero ids, metadata.stripe_emulator_test_event = "true"), to one
 *                                 endpoint (subscribed or not) or to every subscribed endpoint
 *   POST   /_stripe/checkout      {livemode?, amount_total, currency, client_reference_id?,
 *                                 metadata?, customer?, email?, fee_amount?, wait?}
 *                                 → {session, customer, payment_intent, charge, balance_transaction,
 *                                 event, events, deliveries}; emits checkout.session.completed
 *                                 (and customer.created, payment_intent.succeeded, charge.succeeded)
 *   POST   /_stripe/invoice_paid  {livemode?, customer, amount_paid, currency, subscription?,
 *                                 metadata?, fee_amount?, wait?} → {invoice, …, event}; emits invoice.paid
 *   POST   /_stripe/refund        {livemode?, payment_intent, amount? (default: what is left),
 *                                 reason?, wait?} → {refund, charge, payment_intent, event};
 *                                 emits charge.refunded with the updated charge
 *   GET    /_stripe/deliveries    ?endpoint=&event=&status=&livemode= → {object:"list", data}
 *   GET|POST|DELETE /_stripe/faults    same rules as /_sandbox/faults, applied to /v1 requests
 *   GET|DELETE      /_stripe/requests  {total, by_method, by_route} of /v1 requests
 * `livemode` defaults to false; `wait: true` answers only after each delivery's first attempt.
 * `fee_amount` on checkout sessions and invoices is not a Stripe field: see payments.ts.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import type { SandboxClock } from "../clock";
import type { SandboxDb } from "../db";
import { ApiError } from "../errors";
import { FaultInjector } from "../faults";
import { readBody, trackedServer, writeJson } from "../http";
import { newRequestId } from "../ids";
import { RequestCounter } from "../requestCounter";
import type { StripeAuth, StripeKeys } from "./accounts";
import { accountObject, authenticateStripe, ensureStripeAccounts } from "./accounts";
import { getEndpointRow, createEndpoint, deleteEndpoint, endpointObject, listEndpoints, updateEndpoint } from "./endpoints";
import { StripeApiError, invalidParam, noSuch, toStripeError } from "./errors";
import { STRIPE_EVENT_TYPE_SET } from "./eventTypes";
import type { FormObject } from "./form";
import { optionalString, parseForm } from "./form";
import { StripeIdempotencyStore } from "./idempotency";
import { listPage } from "./pagination";
import { rejectUnknownParams } from "./params";
import type { Emitted } from "./payments";
import { getObject, StripePayments, testEventObject } from "./payments";
import { migrateStripeSchema } from "./schema";
import type { StripeDelivery, StripeEvent } from "./webhooks";
import { DEFAULT_STRIPE_API_VERSION, StripeWebhookService } from "./webhooks";

/** Options of {@link startStripeEmulator}. */
export interface StripeEmulatorOptions {
  /** The sandbox database (the emulator adds its `stripe_*` tables; it does not close it). */
  db: SandboxDb;
  /** The sandbox clock: object `created` times follow it; signatures and retries use real time. */
  clock: SandboxClock;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  log?: (line: string) => void;
  /** How long a webhook receiver may take to answer, ms. */
  deliveryTimeoutMs?: number;
}

/** A running emulator. */
export interface RunningStripeEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`; point stripe-node at its host and port. */
  url: string;
  port: number;
  /** Secret and publishable key and account id of each mode (stable across restarts). */
  keys: StripeKeys;
  /** Event creation and delivery (for tests and sandbox features that emit Stripe events). */
  webhooks: StripeWebhookService;
  /** Stops the listener and the delivery worker; the database stays open. */
  close(): Promise<void>;
}

interface Ctx {
  params: Record<string, string>;
  query: FormObject;
  /** Form body (Stripe routes) or JSON body (sandbox routes). */
  body: FormObject & Record<string, unknown>;
  auth: StripeAuth;
}

interface StripeRoute {
  method: "GET" | "POST" | "DELETE";
  pattern: string;
  handler: (ctx: Ctx) => unknown;
}

/** Collections the simulations create, readable by id: path → [object type, name in errors]. */
const RETRIEVABLE: Record<string, [string, string]> = {
  "/v1/customers": ["customer", "customer"],
  "/v1/payment_intents": ["payment_intent", "payment_intent"],
  "/v1/charges": ["charge", "charge"],
  "/v1/balance_transactions": ["balance_transaction", "balance transaction"],
  "/v1/refunds": ["refund", "refund"],
  "/v1/invoices": ["invoice", "invoice"],
  "/v1/checkout/sessions": ["checkout.session", "checkout.session"],
};

/** Starts the emulator on its own port, sharing the sandbox's database and clock. */
export async function startStripeEmulator(opts: StripeEmulatorOptions): Promise<RunningStripeEmulator> {
  const { db, clock } = opts;
  const log = opts.log ?? (() => {});
  migrateStripeSchema(db);
  const keys = ensureStripeAccounts(db, clock.nowSeconds());
  const webhooks = new StripeWebhookService(db, clock, log, opts.deliveryTimeoutMs);
  const parts: EmulatorParts = {
    db,
    clock,
    log,
    webhooks,
    idempotency: new StripeIdempotencyStore(db, clock),
    faults: new FaultInjector(),
    requests: new RequestCounter(),
    api: apiRoutes(db, clock),
    admin: [],
  };
  let url = "";
  parts.admin = adminRoutes(parts, new StripePayments(db, webhooks, () => clock.nowSeconds()), () => ({ stripe_url: url, stripe_keys: keys }));

  const { server, active } = trackedServer((req, res) => handleRequest(parts, req, res), log, "stripe ", JSON.stringify(invalidParam("The request could not be parsed.").toBody()));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  url = baseUrl(addr);
  webhooks.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    port: addr.port,
    keys,
    webhooks,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await webhooks.stop();
        await Promise.allSettled([...active]);
        server.closeAllConnections();
        await closed;
      })()),
  };
}

/** What the request handler and the admin routes share. */
interface EmulatorParts {
  db: SandboxDb;
  clock: SandboxClock;
  log: (line: string) => void;
  webhooks: StripeWebhookService;
  idempotency: StripeIdempotencyStore;
  faults: FaultInjector;
  requests: RequestCounter;
  /** Stripe's v1 routes, authenticated with a key. */
  api: StripeRoute[];
  /** The emulator's own `/_stripe/*` routes (simulations, delivery log, faults), JSON and keyless. */
  admin: StripeRoute[];
}

/** Stripe's v1 routes the emulator serves. */
function apiRoutes(db: SandboxDb, clock: SandboxClock): StripeRoute[] {
  return [
    { method: "GET", pattern: "/v1/account", handler: ({ auth, query }) => (rejectUnknownParams(query, ["expand"]), accountObject(auth.account)) },
    {
      method: "GET",
      pattern: "/v1/accounts/{id}",
      handler: ({ auth, params, query }) => {
        rejectUnknownParams(query, ["expand"]);
        if (params.id !== auth.account.id) throw noSuch("account", params.id, "account");
        return accountObject(auth.account);
      },
    },
    { method: "GET", pattern: "/v1/webhook_endpoints", handler: ({ auth, query }) => listEndpoints(db, auth, query) },
    { method: "POST", pattern: "/v1/webhook_endpoints", handler: ({ auth, body }) => createEndpoint(db, auth, body, clock.nowSeconds()) },
    {
      method: "GET",
      pattern: "/v1/webhook_endpoints/{id}",
      handler: ({ auth, params, query }) => (rejectUnknownParams(query, ["expand"]), endpointObject(getEndpointRow(db, auth.livemode, params.id))),
    },
    { method: "POST", pattern: "/v1/webhook_endpoints/{id}", handler: ({ auth, params, body }) => updateEndpoint(db, auth, params.id, body) },
    { method: "DELETE", pattern: "/v1/webhook_endpoints/{id}", handler: ({ auth, params }) => deleteEndpoint(db, auth, params.id) },
    {
      method: "GET",
      pattern: "/v1/events",
      handler: ({ auth, query }) => {
        rejectUnknownParams(query, ["ending_before", "expand", "limit", "starting_after", "type"]);
        const type = optionalString(query, "type");
        const filter = type === undefined ? undefined : { where: "type = ?", args: [type] };
        const events = { table: "stripe_emu_events", kind: "event", url: "/v1/events", toObject: (r: { data: string }) => JSON.parse(r.data) as StripeEvent };
        return listPage(db, events, auth.livemode, query, filter);
      },
    },
    {
      method: "GET",
      pattern: "/v1/events/{id}",
      handler: ({ auth, params }) => {
        const row = db.prepare("SELECT data FROM stripe_emu_events WHERE id = ? AND livemode = ?").get(params.id, auth.livemode ? 1 : 0) as { data: string } | undefined;
        if (!row) throw noSuch("event", params.id);
        return JSON.parse(row.data) as StripeEvent;
      },
    },
    ...Object.entries(RETRIEVABLE).map(
      ([prefix, [object, kind]]): StripeRoute => ({
        method: "GET",
        pattern: `${prefix}/{id}`,
        handler: ({ auth, params, query }) => (rejectUnknownParams(query, ["expand"]), getObject(db, auth.livemode, object, params.id, kind)),
      }),
    ),
  ];
}

/** The `/_stripe/*` routes: simulations that emit events, the delivery log, fault rules, request counts. */
function adminRoutes(parts: EmulatorParts, payments: StripePayments, info: () => unknown): StripeRoute[] {
  const { db, clock, webhooks, faults, requests } = parts;
  const withDeliveries = async (result: Record<string, unknown> & Emitted, wait: boolean): Promise<Record<string, unknown>> => {
    const deliveries: StripeDelivery[] = wait ? await webhooks.settleFirstAttempts(result.deliveries.map((d) => d.id)) : result.deliveries;
    return { ...result, deliveries };
  };

  return [
    { method: "GET", pattern: "/_stripe/info", handler: info },
    {
      method: "POST",
      pattern: "/_stripe/test_event",
      handler: async ({ body }) => {
        onlyFields(body, ["livemode", "type", "endpoint", "wait"]);
        const livemode = jsonBool(body.livemode, "livemode");
        const type = body.type ?? "checkout.session.completed";
        if (typeof type !== "string" || type === "*" || !STRIPE_EVENT_TYPE_SET.has(type)) throw invalidParam(`Invalid type: '${String(type)}' is not a Stripe event type.`, "type");
        let only;
        if (body.endpoint !== undefined) {
          if (typeof body.endpoint !== "string") throw invalidParam("Invalid endpoint: must be a webhook endpoint id.", "endpoint");
          only = getEndpointRow(db, livemode, body.endpoint);
        }
        const { event, deliveries } = webhooks.emit(livemode, type, testEventObject(type, livemode, clock.nowSeconds()), { only });
        return withDeliveries({ event, events: [event], deliveries }, jsonBool(body.wait, "wait"));
      },
    },
    {
      method: "POST",
      pattern: "/_stripe/checkout",
      handler: ({ body }) => {
        onlyFields(body, ["livemode", "amount_total", "currency", "client_reference_id", "metadata", "customer", "email", "fee_amount", "wait"]);
        return withDeliveries(payments.checkout(body), jsonBool(body.wait, "wait"));
      },
    },
    {
      method: "POST",
      pattern: "/_stripe/invoice_paid",
      handler: ({ body }) => {
        onlyFields(body, ["livemode", "customer", "amount_paid", "currency", "subscription", "metadata", "fee_amount", "wait"]);
        return withDeliveries(payments.invoicePaid(body), jsonBool(body.wait, "wait"));
      },
    },
    {
      method: "POST",
      pattern: "/_stripe/refund",
      handler: ({ body }) => {
        onlyFields(body, ["livemode", "payment_intent", "amount", "reason", "wait"]);
        return withDeliveries(payments.refund(body), jsonBool(body.wait, "wait"));
      },
    },
    {
      method: "GET",
      pattern: "/_stripe/deliveries",
      handler: ({ query }) => {
        const livemode = optionalString(query, "livemode");
        const status = optionalString(query, "status");
        if (status !== undefined && !["pending", "succeeded", "failed"].includes(status)) throw invalidParam("Invalid status: pending, succeeded or failed.", "status");
        const data = webhooks.list({
          endpoint: optionalString(query, "endpoint"),
          event: optionalString(query, "event"),
          status,
          livemode: livemode === undefined ? undefined : livemode === "true",
        });
        return { object: "list", data, has_more: false, url: "/_stripe/deliveries" };
      },
    },
    { method: "GET", pattern: "/_stripe/faults", handler: () => ({ rules: faults.list() }) },
    { method: "POST", pattern: "/_stripe/faults", handler: ({ body }) => ({ rules: faults.add(body) }) },
    { method: "DELETE", pattern: "/_stripe/faults", handler: () => (faults.clear(), { rules: [] }) },
    { method: "GET", pattern: "/_stripe/requests", handler: () => requests.snapshot() },
    { method: "DELETE", pattern: "/_stripe/requests", handler: () => (requests.reset(), requests.snapshot()) },
  ];
}

/** Answers one request: routing, injected faults, auth, body parsing, idempotency, the handler. */
async function handleRequest(parts: EmulatorParts, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { db, log, faults, requests, idempotency } = parts;
  const started = Date.now();
  const method = (req.method ?? "GET").toUpperCase();
  const rawUrl = req.url ?? "/";
  const target = new URL(rawUrl.startsWith("/") ? `http://stripe.invalid${rawUrl}` : rawUrl);
  const path = target.pathname;
  const isAdmin = path === "/_stripe" || path.startsWith("/_stripe/");
  const headers: Record<string, string> = { "Request-Id": newRequestId() };
  if (!isAdmin) headers["Stripe-Version"] = header(req, "stripe-version") ?? DEFAULT_STRIPE_API_VERSION;
  const match = matchRoute(isAdmin ? parts.admin : parts.api, method, path);
  let status = 200;
  let body: string;
  let idem: { key: string; apiKey: string } | undefined;
  if (!isAdmin) requests.record(method, match.route ? `${method} ${match.route.pattern}` : `${method} ${path}`);
  try {
    const raw = (await readBody(req)).toString("utf8");
    if (!isAdmin) {
      const plan = faults.plan(method, path);
      if (plan.latency?.latency_ms) await new Promise((r) => setTimeout(r, plan.latency?.latency_ms));
      if (plan.status) {
        if (plan.status.retry_after !== undefined) headers["Retry-After"] = String(plan.status.retry_after);
        const s = plan.status.status ?? 500;
        throw s === 429
          ? new StripeApiError(429, "invalid_request_error", "Too many requests (injected by a sandbox fault rule).", undefined, "rate_limit")
          : new StripeApiError(s, "api_error", `HTTP ${s} injected by a sandbox fault rule; retry the request.`);
      }
    }
    const auth = isAdmin ? (undefined as unknown as StripeAuth) : authenticateStripe(db, header(req, "authorization"));
    if (!match.route) {
      throw new StripeApiError(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}). The Stripe emulator serves only the routes listed at the top of sandbox/stripe/server.ts.`);
    }
    const query = parseForm(target.search.slice(1));
    let parsed: FormObject & Record<string, unknown> = {};
    if (isAdmin) parsed = method === "POST" ? parseJson(raw) : {};
    else if (method === "POST") {
      if (/application\/json/i.test(header(req, "content-type") ?? "") && raw.trim() !== "") {
        throw invalidParam("Invalid request: Stripe's v1 API takes application/x-www-form-urlencoded bodies (e.g. url=…&enabled_events[0]=…), not JSON.");
      }
      // stripe-node sends POST parameters in the body; Stripe also accepts them in the query.
      parsed = { ...query, ...parseForm(raw) };
    } else if (method === "DELETE") parsed = query;

    const idemKey = header(req, "idempotency-key");
    if (!isAdmin && method === "POST" && idemKey !== undefined) {
      headers["Idempotency-Key"] = idemKey;
      const decision = idempotency.begin(auth.key, idemKey, method, path, parsed);
      if (decision.kind === "replay") {
        headers["Idempotent-Replayed"] = "true";
        status = decision.status;
        body = decision.body;
        return finish();
      }
      idem = { key: idemKey, apiKey: auth.key };
    }
    const result = await match.route.handler({ params: match.params, query, body: parsed, auth });
    body = JSON.stringify(result);
  } catch (err) {
    const e = err instanceof ApiError ? new StripeApiError(err.status, "invalid_request_error", err.message, err.param) : toStripeError(err);
    if (e.status === 500 && !(err instanceof StripeApiError)) log(`stripe ${method} ${path}: unexpected error: ${(err as Error)?.stack ?? String(err)}`);
    status = e.status;
    body = JSON.stringify(e.toBody());
  }
  if (idem) idempotency.complete(idem.apiKey, idem.key, status, body);
  return finish();

  function finish(): void {
    log(`stripe ${method} ${path} -> ${status} (${Date.now() - started} ms)`);
    writeJson(res, status, body, headers);
  }
}

function matchRoute(routes: readonly StripeRoute[], method: string, path: string): { route: StripeRoute; params: Record<string, string> } | { route: undefined; params: Record<string, string> } {
  const parts = path.split("/");
  for (const route of routes) {
    if (route.method !== method) continue;
    const segs = route.pattern.split("/");
    if (segs.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segs.length && ok; i++) {
      if (segs[i].startsWith("{")) {
        try {
          params[segs[i].slice(1, -1)] = decodeURIComponent(parts[i]);
        } catch {
          ok = false;
        }
        ok &&= parts[i] !== "";
      } else ok = segs[i] === parts[i];
    }
    if (ok) return { route, params };
  }
  return { route: undefined, params: {} };
}

function baseUrl(addr: AddressInfo): string {
  let host = addr.address;
  if (host === "0.0.0.0") host = "127.0.0.1";
  if (host === "::") host = "::1";
  return `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}`;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

function parseJson(raw: string): FormObject & Record<string, unknown> {
  if (raw.trim() === "") return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw invalidParam(`The sandbox routes take JSON bodies; this one is not valid JSON (${(e as Error).message}).`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw invalidParam("The request body must be a JSON object.");
  return v as FormObject & Record<string, unknown>;
}

function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(body)) if (!allowed.includes(k)) throw invalidParam(`Received unknown parameter: ${k} (allowed: ${allowed.join(", ")}).`, k, "parameter_unknown");
}

function jsonBool(v: unknown, param: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw invalidParam(`Invalid boolean: ${param} must be true or false.`, param);
  return v;
}
