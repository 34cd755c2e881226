/**
 * The one HTTP core of the Selgeo client (in the spirit of stripe-node's RequestSender): auth,
 * JSON, idempotency keys, rate limiting, retries with backoff, error mapping and response
 * validation all happen here, so typed methods in `client.ts` stay one-liners.
 */
import { createHash } from "crypto";
import type { Pool } from "undici";
import { undici } from "./lazyModules";
import type { z } from "zod";
import {
  HeaderBag,
  RequestContext,
  SelgeoConnectionError,
  SelgeoError,
  headerValue,
  invalidResponseError,
  parseRetryAfter,
} from "./errors";
import { randomIdempotencyKey } from "./idempotency";
import { activeConnector } from "./resolverMap";
import { DEFAULT_LIMITS, RateLimiter, sharedLimiter, systemClock } from "./rateLimiter";

/** HTTP methods the Selgeo API uses. */
export type HttpMethod = "GET" | "POST" | "DELETE" | "PUT" | "PATCH";

/** Query values; `undefined` members are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Options of one logical request (which may take several attempts). */
export interface RequestOptions<T> {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** POST only. Defaults to a fresh key, kept for every retry of this request. */
  idempotencyKey?: string;
  /** Validates (and types) the 2xx body; a mismatch is a `SelgeoError` `invalid_response`. */
  schema?: z.ZodType<T>;
  /** Overrides the client's `maxRetries` for this request. */
  maxRetries?: number;
}

/** Options of `SelgeoHttp`. */
export interface SelgeoHttpOptions {
  /** e.g. `http://127.0.0.1:4010`; a path prefix is kept. */
  baseUrl: string;
  /** `sk_test_…` / `sk_live_…` (or a publishable key for the tracking routes). */
  apiKey: string;
  /** Retries after the first attempt (default 5). */
  maxRetries?: number;
  /** Per-attempt deadline covering connect, headers and body (default 30 s). */
  timeoutMs?: number;
  /** General bucket; default: the process-wide 300/min bucket of this origin. */
  limiter?: RateLimiter;
  /** Bucket for `POST /api/v1/conversions`; default: process-wide 120/min per origin and key. */
  conversionsLimiter?: RateLimiter;
  /** Bucket for `POST /v1/clicks`; default: process-wide 1,000/min per origin and key. */
  clicksLimiter?: RateLimiter;
  userAgent?: string;
  /** Waits between attempts; injectable for tests. Default: `setTimeout`. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1); injectable for tests. */
  random?: () => number;
  /** Upper bound on an honoured `Retry-After`, seconds (default 60). */
  maxRetryAfterSeconds?: number;
}

/** Backoff base and cap, ms: attempt n waits uniformly in [0, min(cap, base * 2^n)). */
export const BACKOFF_BASE_MS = 250;
export const BACKOFF_CAP_MS = 20_000;

/**
 * Attempts actually put on the wire, per method, across every client in the process. Retries
 * count: this is what the server sees (the benchmark and the "no writes on a second up" checks
 * compare against it).
 */
export const requestStats = {
  total: 0,
  retries: 0,
  byMethod: {} as Record<string, number>,
};

/** Zeroes `requestStats`. */
export function resetRequestStats(): void {
  requestStats.total = 0;
  requestStats.retries = 0;
  requestStats.byMethod = {};
}

const pools = new Map<string, Pool>();

// One keep-alive pool per origin for the whole process, shared by every client instance.
function poolFor(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    // In a dress rehearsal the stack's hosts go to local listeners (resolverMap.ts).
    const connect = activeConnector();
    pool = new (undici().Pool)(origin, { connections: 16, keepAliveTimeout: 10_000, ...(connect ? { connect } : {}) });
    pools.set(origin, pool);
  }
  return pool;
}

/** Closes every connection pool, e.g. before a short-lived process exits; later requests reopen. */
export async function closeHttpPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((pool) => pool.close().catch(() => undefined)));
}

/** A short, non-reversible tag of a key, safe to use in limiter names and diagnostics. */
export function keyFingerprint(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("hex").slice(0, 12);
}

/**
 * A 2xx answer with what its headers say about it. `replayed` is the server's
 * `Idempotent-Replayed: true` (as Stripe sends it): the body is the stored answer to an earlier
 * request with the same Idempotency-Key, not the result of executing this one. Fresh executions
 * send `false` or nothing.
 */
export interface SelgeoResponse<T> {
  body: T;
  status: number;
  replayed: boolean;
  requestId?: string;
  /** The answer's `X-RateLimit-*` headers as sent; absent when the server sends no limit. */
  rateLimit?: RateLimitHeaders;
}

/** The `X-RateLimit-*` headers of one answer, as text (what a report shows). */
export interface RateLimitHeaders {
  limit: string;
  remaining?: string;
  reset?: string;
}

type Outcome<T> = { ok: true; value: SelgeoResponse<T> } | { ok: false; error: SelgeoError; retryAfterSeconds?: number };

/** Sends Selgeo API requests; see the module comment. */
export class SelgeoHttp {
  readonly baseUrl: string;
  readonly maxRetries: number;
  readonly timeoutMs: number;
  private readonly apiKey: string;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly userAgent: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly maxRetryAfterMs: number;
  private readonly limiter: RateLimiter;
  private readonly conversionsLimiter: RateLimiter;
  private readonly clicksLimiter: RateLimiter;

  constructor(options: SelgeoHttpOptions) {
    if (!options.apiKey) throw new TypeError("SelgeoHttp: apiKey is required");
    const url = new URL(options.baseUrl);
    this.baseUrl = options.baseUrl;
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    this.maxRetries = options.maxRetries ?? 5;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? `selgeo-golive-runtime/0.1.0 node/${process.versions.node}`;
    this.sleep = options.sleep ?? systemClock.sleep;
    this.random = options.random ?? Math.random;
    this.maxRetryAfterMs = (options.maxRetryAfterSeconds ?? 60) * 1000;
    const fp = keyFingerprint(options.apiKey);
    // The general limit is per IP, so every key of this process shares one bucket per origin.
    this.limiter =
      options.limiter ?? sharedLimiter(`general:${this.origin}`, { perMinute: DEFAULT_LIMITS.generalPerMinute });
    this.conversionsLimiter =
      options.conversionsLimiter ??
      sharedLimiter(`conversions:${this.origin}:${fp}`, { perMinute: DEFAULT_LIMITS.conversionsPerMinute });
    this.clicksLimiter =
      options.clicksLimiter ?? sharedLimiter(`clicks:${this.origin}:${fp}`, { perMinute: DEFAULT_LIMITS.clicksPerMinute });
  }

  // Keeps the key out of util.inspect / console.log of a client object.
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `SelgeoHttp { baseUrl: ${JSON.stringify(this.baseUrl)}, apiKey: [redacted] }`;
  }

  /** Keeps the key out of `JSON.stringify` of a client object. */
  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, maxRetries: this.maxRetries, timeoutMs: this.timeoutMs };
  }

  /**
   * Sends one logical request, retrying connection errors, timeouts, 429, 5xx and 409
   * `idempotency_in_progress`; resolves with the (schema-checked) JSON body, `undefined` for an
   * empty one. Throws a `SelgeoError` subclass.
   */
  async request<T = unknown>(method: HttpMethod, path: string, options: RequestOptions<T> = {}): Promise<T> {
    return (await this.send(method, path, options)).body;
  }

  /**
   * `request`, with the response's status and whether it was an idempotent replay. Callers that
   * must tell a fresh create from a replayed one (a replay may describe an object deleted since)
   * use this.
   */
  async send<T = unknown>(method: HttpMethod, path: string, options: RequestOptions<T> = {}): Promise<SelgeoResponse<T>> {
    // Chosen once, outside the loop: a retry after a dropped response must replay, not duplicate.
    const idempotencyKey = method === "POST" ? (options.idempotencyKey ?? randomIdempotencyKey()) : undefined;
    const maxRetries = options.maxRetries ?? this.maxRetries;
    const limiters = this.limitersFor(method, path);
    for (let attempt = 0; ; attempt++) {
      for (const limiter of limiters) await limiter.acquire();
      let outcome: Outcome<T>;
      try {
        outcome = await this.attempt(method, path, options, idempotencyKey, limiters);
      } finally {
        for (const limiter of limiters) limiter.settle();
      }
      if (outcome.ok) return outcome.value;
      if (!outcome.error.retryable || attempt >= maxRetries) throw outcome.error;
      requestStats.retries++;
      await this.sleep(this.retryDelay(attempt, outcome.retryAfterSeconds));
    }
  }

  /** Delay before retry number `attempt + 1`: the server's Retry-After, else full-jitter backoff. */
  retryDelay(attempt: number, retryAfterSeconds?: number): number {
    if (retryAfterSeconds !== undefined) return Math.min(retryAfterSeconds * 1000, this.maxRetryAfterMs);
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
    return Math.floor(this.random() * ceiling);
  }

  private limitersFor(method: HttpMethod, path: string): RateLimiter[] {
    const route = path.split("?")[0].replace(/\/+$/, "");
    if (method === "POST" && route === "/api/v1/conversions") return [this.conversionsLimiter, this.limiter];
    // Clicks have their own, larger, per-pk allowance and come from browsers, not the general bucket.
    if (method === "POST" && route === "/v1/clicks") return [this.clicksLimiter];
    return [this.limiter];
  }

  private async attempt<T>(
    method: HttpMethod,
    path: string,
    options: RequestOptions<T>,
    idempotencyKey: string | undefined,
    limiters: RateLimiter[],
  ): Promise<Outcome<T>> {
    const context: RequestContext = { method, path, secrets: [this.apiKey] };
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.apiKey}`,
      accept: "application/json",
      "user-agent": this.userAgent,
    };
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) headers["content-type"] = "application/json";
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;

    requestStats.total++;
    requestStats.byMethod[method] = (requestStats.byMethod[method] ?? 0) + 1;

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    let status: number;
    let responseHeaders: HeaderBag;
    let text: string;
    try {
      const res = await poolFor(this.origin).request({
        method,
        path: this.basePath + path + queryString(options.query),
        headers,
        body,
        signal: controller.signal,
      });
      status = res.statusCode;
      responseHeaders = res.headers;
      // Reading the body stays under the same deadline: a server can stall mid-body too.
      text = await res.body.text();
    } catch (cause) {
      const error = timedOut
        ? new SelgeoConnectionError({ ...context, code: "timeout", message: `no response within ${this.timeoutMs} ms` })
        : new SelgeoConnectionError({ ...context, message: describeCause(cause), cause });
      return { ok: false, error };
    } finally {
      clearTimeout(timer);
    }

    // The most specific bucket is the one the server's headers describe.
    limiters[0].observe(responseHeaders);
    if (status >= 200 && status < 300) return this.parseSuccess(status, text, responseHeaders, options.schema, context);

    const error = SelgeoError.fromResponse(status, text, responseHeaders, context);
    const retryAfterSeconds = parseRetryAfter(responseHeaders);
    if (status === 429) limiters[0].pauseFor((retryAfterSeconds ?? 1) * 1000);
    return { ok: false, error, retryAfterSeconds };
  }

  private parseSuccess<T>(
    status: number,
    text: string,
    headers: HeaderBag,
    schema: z.ZodType<T> | undefined,
    context: RequestContext,
  ): Outcome<T> {
    const requestId = headerValue(headers, "request-id") ?? headerValue(headers, "x-request-id");
    const replayed = headerValue(headers, "idempotent-replayed")?.trim().toLowerCase() === "true";
    const limit = headerValue(headers, "x-ratelimit-limit");
    const rateLimit = limit ? { limit, remaining: headerValue(headers, "x-ratelimit-remaining"), reset: headerValue(headers, "x-ratelimit-reset") } : undefined;
    const answer = (body: T): Outcome<T> => ({ ok: true, value: { body, status, replayed, requestId, ...(rateLimit ? { rateLimit } : {}) } });
    let json: unknown = undefined;
    if (text.trim() !== "") {
      try {
        json = JSON.parse(text);
      } catch {
        return { ok: false, error: invalidResponseError(status, "body is not JSON", requestId, context) };
      }
    }
    if (!schema) return answer(json as T);
    const parsed = schema.safeParse(json);
    if (parsed.success) return answer(parsed.data);
    // Only paths and messages: the body may hold a signing secret.
    const detail = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    return { ok: false, error: invalidResponseError(status, detail, requestId, context) };
  }
}

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.append(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" ? `${cause.message} (${code})` : cause.message;
  }
  return String(cause);
}
