/**
 * The HTTP core against a real node:http server scripted per test (the full Selgeo sandbox is
 * tested elsewhere): each test queues how the server answers successive requests.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { SelgeoClient, kindOfKey, modeOfKey } from "../../../runtime/src/client";
import {
  SelgeoApiError,
  SelgeoConnectionError,
  SelgeoError,
  SelgeoIdempotencyError,
  SelgeoInvalidRequestError,
  SelgeoNotFoundError,
  SelgeoRateLimitError,
} from "../../../runtime/src/errors";
import { SelgeoHttp, SelgeoHttpOptions, closeHttpPools, requestStats, resetRequestStats } from "../../../runtime/src/http";
import { canonicalJson, deriveIdempotencyKey } from "../../../runtime/src/idempotency";
import { RateLimiter } from "../../../runtime/src/rateLimiter";

// Built at run time so nothing key-shaped is committed.
const API_KEY = "sk_test_" + "fake".repeat(6);

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void;

let server: http.Server;
let baseUrl: string;
let script: Handler[] = [];
let fallback: Handler | undefined;
let seen: Seen[] = [];

function json(status: number, payload: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(payload));
  };
}
const errorBody = (type: string, code: string, message: string, param?: string) => ({
  error: { type, code, message, ...(param ? { param } : {}) },
});
/** Reads the request (so a POST is "committed"), then kills the socket without answering. */
const dropConnection: Handler = (req) => req.socket.destroy();
/** Never answers; the client's timeout must fire. */
const hang: Handler = () => undefined;
const unavailable = json(503, errorBody("api_error", "unavailable", "try later"));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const record = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(record);
      const handler = script.shift() ?? fallback ?? json(500, errorBody("api_error", "unscripted", "no script"));
      handler(req, res, record);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await closeHttpPools();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let sleeps: number[];
let now: number;
let limiter: RateLimiter;

beforeEach(() => {
  script = [];
  fallback = undefined;
  seen = [];
  sleeps = [];
  now = 1_700_000_000_000;
  // Sleep advances the same fake time the limiter reads, so a Retry-After pause costs no real time.
  const clock = { now: () => now, sleep: fakeSleep };
  limiter = new RateLimiter({ perMinute: 100_000, safetyMargin: 1, clock });
  resetRequestStats();
});

// Fresh connections per test: a socket a previous test killed would otherwise cost a retry here.
afterEach(async () => {
  await closeHttpPools();
  server.closeAllConnections();
});

async function fakeSleep(ms: number): Promise<void> {
  sleeps.push(ms);
  now += ms;
}

function makeHttp(overrides: Partial<SelgeoHttpOptions> = {}): SelgeoHttp {
  return new SelgeoHttp({ baseUrl, apiKey: API_KEY, sleep: fakeSleep, random: () => 0.5, limiter, ...overrides });
}

const Thing = z.object({ id: z.string(), n: z.number() });

describe("SelgeoHttp", () => {
  it("sends the key as a bearer token, JSON bodies and query strings", async () => {
    script = [json(200, { id: "x_1", n: 1 })];
    const result = await makeHttp().request("POST", "/api/v1/things", {
      body: { b: 2, a: 1 },
      query: { limit: 10, starting_after: "x_0", skip: undefined },
      schema: Thing,
    });
    expect(result).toEqual({ id: "x_1", n: 1 });
    expect(seen).toHaveLength(1);
    expect(seen[0].url).toBe("/api/v1/things?limit=10&starting_after=x_0");
    expect(seen[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(seen[0].headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen[0].body)).toEqual({ b: 2, a: 1 });
    expect(seen[0].headers["user-agent"]).toMatch(/^selgeo-golive-runtime\//);
  });

  it("retries 503 and then succeeds", async () => {
    script = [unavailable, unavailable, json(200, { id: "x_1", n: 1 })];
    const result = await makeHttp().request("GET", "/api/v1/things/x_1", { schema: Thing });
    expect(result.id).toBe("x_1");
    expect(seen).toHaveLength(3);
    // Full jitter with random() = 0.5: half of 250 ms, then half of 500 ms.
    expect(sleeps).toEqual([125, 250]);
    expect(requestStats).toMatchObject({ total: 3, retries: 2, byMethod: { GET: 3 } });
  });

  it("honours Retry-After instead of its own backoff", async () => {
    script = [json(429, errorBody("rate_limit_error", "rate_limited", "slow down"), { "retry-after": "3" }), json(200, { id: "x", n: 0 })];
    await makeHttp().request("GET", "/api/v1/things");
    expect(sleeps).toEqual([3000]);
    expect(seen).toHaveLength(2);
  });

  it("caps an absurd Retry-After at a minute", async () => {
    script = [json(503, errorBody("api_error", "maintenance", "later"), { "retry-after": "3600" }), json(200, {})];
    await makeHttp().request("GET", "/api/v1/things");
    expect(sleeps).toEqual([60_000]);
  });

  it("backs off exponentially up to the 20 s cap, then gives up with the last error", async () => {
    fallback = unavailable;
    const error = await makeHttp({ maxRetries: 9 }).request("GET", "/api/v1/things").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelgeoApiError);
    expect(seen).toHaveLength(10);
    expect(sleeps).toEqual([125, 250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it("draws the full-jitter delay from [0, ceiling)", () => {
    const h = makeHttp({ random: () => 0.999 });
    expect(h.retryDelay(0)).toBe(249);
    expect(h.retryDelay(30)).toBe(19_980);
    expect(makeHttp({ random: () => 0 }).retryDelay(5)).toBe(0);
  });

  it("sends one Idempotency-Key for every retry of a POST, and a new one for the next POST", async () => {
    script = [dropConnection, unavailable, json(200, { id: "we_1", n: 1 }), json(200, { id: "we_2", n: 2 })];
    const h = makeHttp();
    await h.request("POST", "/api/v1/webhook_endpoints", { body: { url: "https://example.com/h" } });
    await h.request("POST", "/api/v1/webhook_endpoints", { body: { url: "https://example.com/h" } });
    const keys = seen.map((s) => s.headers["idempotency-key"]);
    expect(seen).toHaveLength(4);
    expect(keys[0]).toMatch(/^golive-/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).toBe(keys[0]);
    expect(keys[3]).not.toBe(keys[0]);
    expect(seen.every((s) => s.body === seen[0].body)).toBe(true);
  });

  it("sends a caller's Idempotency-Key verbatim and none on GET or DELETE", async () => {
    script = [json(200, {}), json(200, {}), json(200, {})];
    const key = deriveIdempotencyKey(["urn:pulumi:dev::p::x", canonicalJson({ b: 1, a: 2 })]);
    const h = makeHttp();
    await h.request("POST", "/api/v1/webhook_endpoints", { body: {}, idempotencyKey: key });
    await h.request("GET", "/api/v1/webhook_endpoints");
    await h.request("DELETE", "/api/v1/webhook_endpoints/we_1");
    expect(seen[0].headers["idempotency-key"]).toBe(key);
    expect(seen[1].headers["idempotency-key"]).toBeUndefined();
    expect(seen[2].headers["idempotency-key"]).toBeUndefined();
  });

  // Idempotent-Replayed as servers send it (Stripe: "true" on a replay; "false" or nothing on a fresh execution).
  it.each([
    ["true", true],
    ["TRUE", true],
    ["false", false],
    [undefined, false],
  ] as const)("send() reports Idempotent-Replayed %s as replayed=%s", async (header, replayed) => {
    script = [json(200, { id: "x_1", n: 1 }, header === undefined ? {} : { "idempotent-replayed": header, "request-id": "req_1" })];
    const res = await makeHttp().send("POST", "/api/v1/things", { body: {}, idempotencyKey: "k-1", schema: Thing });
    expect(res).toEqual({ body: { id: "x_1", n: 1 }, status: 200, replayed, requestId: header === undefined ? undefined : "req_1" });
  });

  it("reports the replay flag of the attempt that succeeded, after a dropped response", async () => {
    script = [dropConnection, json(200, { id: "x_1", n: 1 }, { "idempotent-replayed": "true" })];
    const res = await makeHttp().send("POST", "/api/v1/things", { body: {}, schema: Thing });
    expect(seen).toHaveLength(2);
    expect(res.replayed).toBe(true);
  });

  it("does not retry a 400 and reports it with its request id", async () => {
    script = [json(400, errorBody("invalid_request_error", "parameter_invalid", "events must not be empty", "events"), { "request-id": "req_abc" })];
    const error = await makeHttp().request("POST", "/api/v1/webhook_endpoints", { body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelgeoInvalidRequestError);
    const e = error as SelgeoInvalidRequestError;
    expect(e.requestId).toBe("req_abc");
    expect(e.param).toBe("events");
    expect(e.message).toBe(
      "POST /api/v1/webhook_endpoints -> 400 parameter_invalid: events must not be empty (param: events) [request req_abc]",
    );
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("does not retry a 409 idempotency_error", async () => {
    script = [json(409, errorBody("idempotency_error", "idempotency_error", "different body"))];
    await expect(makeHttp().request("POST", "/x", { body: {} })).rejects.toBeInstanceOf(SelgeoIdempotencyError);
    expect(seen).toHaveLength(1);
  });

  it("retries a 409 idempotency_in_progress", async () => {
    script = [json(409, errorBody("conflict_error", "idempotency_in_progress", "still running")), json(200, {})];
    await makeHttp().request("POST", "/x", { body: {} });
    expect(seen).toHaveLength(2);
  });

  it("throws SelgeoRateLimitError once 429 retries are exhausted, pausing the bucket meanwhile", async () => {
    fallback = json(429, errorBody("rate_limit_error", "rate_limited", "slow down"), { "retry-after": "1" });
    const error = await makeHttp({ maxRetries: 2 }).request("GET", "/api/v1/things").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelgeoRateLimitError);
    expect((error as SelgeoRateLimitError).retryAfterSeconds).toBe(1);
    expect((error as SelgeoRateLimitError).status).toBe(429);
    expect(seen).toHaveLength(3);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it("retries when the server resets the connection", async () => {
    script = [dropConnection, dropConnection, json(200, { id: "x", n: 1 })];
    const result = await makeHttp().request("GET", "/api/v1/things/x", { schema: Thing });
    expect(result.n).toBe(1);
    expect(seen).toHaveLength(3);
  });

  it("gives up on a dead server with a SelgeoConnectionError", async () => {
    fallback = dropConnection;
    const error = await makeHttp({ maxRetries: 1 }).request("GET", "/api/v1/things").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelgeoConnectionError);
    expect((error as SelgeoConnectionError).status).toBe(0);
    expect((error as SelgeoConnectionError).code).toBe("connection_error");
  });

  it("times out a silent server and retries", async () => {
    script = [hang, json(200, { id: "x", n: 2 })];
    const result = await makeHttp({ timeoutMs: 150 }).request("GET", "/api/v1/things/x", { schema: Thing });
    expect(result.n).toBe(2);
    expect(seen).toHaveLength(2);
  });

  it("reports a timeout when every attempt hangs", async () => {
    fallback = hang;
    const error = await makeHttp({ timeoutMs: 100, maxRetries: 1 }).request("GET", "/slow").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelgeoConnectionError);
    expect((error as SelgeoConnectionError).code).toBe("timeout");
    expect((error as Error).message).toBe("GET /slow -> no response timeout: no response within 100 ms");
    expect(seen).toHaveLength(2);
  });

  it("turns a body that does not match the schema into invalid_response", async () => {
    script = [json(200, { id: 7, whsec: "x" }, { "request-id": "req_s" })];
    const error = await makeHttp().request("GET", "/api/v1/things/x", { schema: Thing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelgeoError);
    expect((error as SelgeoError).code).toBe("invalid_response");
    expect((error as SelgeoError).requestId).toBe("req_s");
    expect((error as SelgeoError).retryable).toBe(false);
    expect(seen).toHaveLength(1);
  });

  it("never puts the key in an error, even when the server echoes it", async () => {
    const oddKey = "opaque" + "-key-".repeat(4) + Date.now();
    script = [
      json(401, errorBody("authentication_error", "invalid_api_key", `Invalid API key provided: ${API_KEY}`)),
      json(401, errorBody("authentication_error", "invalid_api_key", `Invalid API key provided: ${oddKey}`)),
    ];
    const e1 = await makeHttp().request("GET", "/api/v1/account").catch((e: unknown) => e);
    const e2 = await makeHttp({ apiKey: oddKey }).request("GET", "/api/v1/account").catch((e: unknown) => e);
    for (const [error, key] of [[e1, API_KEY], [e2, oddKey]] as const) {
      expect(error).toBeInstanceOf(SelgeoError);
      expect(String(error)).not.toContain(key);
      expect(inspect(error)).not.toContain(key);
      expect(JSON.stringify(error)).not.toContain(key);
    }
    expect(inspect(makeHttp())).not.toContain(API_KEY);
    expect(JSON.stringify(makeHttp())).not.toContain(API_KEY);
  });

  it("takes the server's X-RateLimit-Remaining as is once earlier requests, failed ones too, have settled", async () => {
    // A dropped connection and a 503 must not stay counted as in flight: they would shrink every
    // later reading of X-RateLimit-Remaining and slow the rest of the run.
    script = [dropConnection, json(503, errorBody("api_error", "busy", "try again")), json(200, {}, { "x-ratelimit-remaining": "40" })];
    await makeHttp().request("GET", "/a");
    expect(seen).toHaveLength(3);
    expect(limiter.available()).toBe(40);
  });

  it("holds the next request for one token when remaining hits 0, not until the bucket is full", async () => {
    script = [json(200, {}, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "5" }), json(200, {})];
    const h = makeHttp();
    await h.request("GET", "/a");
    const before = now;
    await h.request("GET", "/b");
    // 100 000/min is one token per 0.6 ms: the next request waits about that, not 5 s.
    expect(now - before).toBeGreaterThan(0);
    expect(now - before).toBeLessThan(5);
    expect(seen).toHaveLength(2);
  });
});

describe("SelgeoClient", () => {
  const endpoint = (id: string) => ({
    id,
    object: "webhook_endpoint",
    livemode: false,
    url: "https://example.com/h",
    events: ["ping"],
    description: "",
    status: "enabled",
    metadata: {},
    created: 1,
  });
  const client = () => new SelgeoClient(makeHttp());

  it("auto-paginates with starting_after", async () => {
    script = [
      json(200, { object: "list", data: [endpoint("we_1"), endpoint("we_2")], has_more: true }),
      json(200, { object: "list", data: [endpoint("we_3")], has_more: false }),
    ];
    const all = await client().listAllWebhookEndpoints();
    expect(all.map((e) => e.id)).toEqual(["we_1", "we_2", "we_3"]);
    expect(seen.map((s) => s.url)).toEqual([
      "/api/v1/webhook_endpoints?limit=100",
      "/api/v1/webhook_endpoints?limit=100&starting_after=we_2",
    ]);
  });

  it("marks a create as replayed only when Selgeo says so, keeping the object's fields", async () => {
    script = [json(200, { ...endpoint("we_1"), secret: "whsec_" + "x".repeat(8) }), json(200, endpoint("we_1"), { "idempotent-replayed": "true" })];
    const fresh = await client().createWebhookEndpoint({ url: "https://example.com/h", events: ["ping"] }, { idempotencyKey: "k-2" });
    const replay = await client().createWebhookEndpoint({ url: "https://example.com/h", events: ["ping"] }, { idempotencyKey: "k-2" });
    expect(fresh).toMatchObject({ id: "we_1", replayed: false });
    expect(fresh.secret).toMatch(/^whsec_/);
    expect(replay).toMatchObject({ id: "we_1", replayed: true });
    expect(seen.map((s) => s.method)).toEqual(["POST", "POST"]);
  });

  it("finds nothing on 404 but getWebhookEndpoint throws", async () => {
    const notFound = json(404, errorBody("not_found_error", "resource_missing", "No such webhook endpoint"));
    script = [notFound, notFound];
    expect(await client().findWebhookEndpoint("we_gone")).toBeUndefined();
    await expect(client().getWebhookEndpoint("we_gone")).rejects.toBeInstanceOf(SelgeoNotFoundError);
  });

  it("treats deleting a missing endpoint as done", async () => {
    script = [json(404, errorBody("not_found_error", "resource_missing", "gone")), json(200, { id: "we_1", deleted: true })];
    await client().deleteWebhookEndpoint("we_1");
    await client().deleteWebhookEndpoint("we_1");
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(["DELETE /api/v1/webhook_endpoints/we_1", "DELETE /api/v1/webhook_endpoints/we_1"]);
  });

  it("sends rotate_secret and ping bodies in wire format", async () => {
    script = [
      json(200, { ...endpoint("we_1"), secret: "whsec_x", previous_secret_expires_at: 10 }),
      json(200, {
        id: "del_1", object: "webhook_delivery", livemode: false, endpoint: "we_1", event: "evt_1",
        event_type: "ping", status: "pending", attempts: 0, response_status: null, next_retry_at: null, created: 1,
      }),
    ];
    const rotated = await client().rotateWebhookSecret("we_1", { expiresIn: 0 });
    const delivery = await client().pingWebhookEndpoint("we_1", { signature: "invalid" });
    expect(rotated.secret).toBe("whsec_x");
    expect(delivery.id).toBe("del_1");
    expect(JSON.parse(seen[0].body)).toEqual({ expires_in: 0 });
    expect(seen[1].url).toBe("/api/v1/webhook_endpoints/we_1/ping");
    expect(JSON.parse(seen[1].body)).toEqual({ signature: "invalid" });
  });

  it("tells key modes and kinds apart", () => {
    expect(modeOfKey("sk_live_" + "x".repeat(8))).toBe("live");
    expect(modeOfKey("pk_test_" + "x".repeat(8))).toBe("test");
    expect(modeOfKey("whsec_abc")).toBeUndefined();
    expect(kindOfKey("pk_live_" + "x".repeat(8))).toBe("publishable");
    expect(kindOfKey("sk_test_" + "x".repeat(8))).toBe("secret");
    expect(kindOfKey("sk_prod_x")).toBeUndefined();
  });
});

describe("idempotency keys", () => {
  it("derive the same key from the same inputs whatever their key order", () => {
    const a = deriveIdempotencyKey(["urn:x", canonicalJson({ url: "u", events: ["a", "b"], meta: { y: 1, x: 2 } })]);
    const b = deriveIdempotencyKey(["urn:x", canonicalJson({ meta: { x: 2, y: 1 }, events: ["a", "b"], url: "u" })]);
    const c = deriveIdempotencyKey(["urn:x", canonicalJson({ url: "u", events: ["b", "a"], meta: { y: 1, x: 2 } })]);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^golive-[0-9a-f]{32}$/);
    expect(deriveIdempotencyKey(["a", "bc"])).not.toBe(deriveIdempotencyKey(["ab", "c"]));
    expect(canonicalJson({ b: undefined, a: [1, { d: 1, c: 2 }] })).toBe('{"a":[1,{"c":2,"d":1}]}');
  });
});
