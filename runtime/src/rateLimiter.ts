/**
 * Client-side token buckets that keep a provider process under Selgeo's published limits
 * (checklist item 5), so a large `pulumi up` slows down instead of collecting 429s.
 *
 * The server limits per key / per IP, not per object, so buckets are shared per process through
 * `sharedLimiter`: Pulumi deserializes a provider closure per resource, and a limiter per closure
 * would multiply the allowance by the number of resources.
 */
import { HeaderBag, headerValue } from "./errors";
import { RATE_LIMITS } from "./schemas";

/** Time source; injectable so tests can drive the bucket without waiting. */
export interface Clock {
  /** Milliseconds, monotonic enough for rate limiting. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Wall clock and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Default share of a published rate the client sustains, leaving room for clock drift between its
 * refill and the server's. The burst is not reduced: the server's bucket holds the full limit, and
 * every answer's `X-RateLimit-Remaining` caps the local count (see `observe`).
 */
export const DEFAULT_SAFETY_MARGIN = 0.95;

/** No single pause lasts longer than this: every Selgeo bucket refills within a minute. */
export const MAX_PAUSE_MS = 60_000;

/** Published per-minute limits the client enforces by default. */
export const DEFAULT_LIMITS = {
  generalPerMinute: RATE_LIMITS.generalPerIp,
  conversionsPerMinute: RATE_LIMITS.conversionsPerSk,
  clicksPerMinute: RATE_LIMITS.clicksPerPk,
} as const;

/** Options of a `RateLimiter`. */
export interface RateLimiterOptions {
  /** The published limit, requests per minute. */
  perMinute: number;
  /** Fraction of `perMinute` sustained after the burst, 0 < m <= 1 (default 0.95). */
  safetyMargin?: number;
  clock?: Clock;
}

/**
 * A token bucket the size of the server's (`perMinute` tokens), refilled continuously at
 * `perMinute × safetyMargin` per minute. Waiters are served in FIFO order and only the head of the
 * queue sleeps, so there is no polling.
 *
 * Requests between `acquire` and `settle` are in flight: the server may count them after it wrote
 * the `X-RateLimit-Remaining` of an answer that arrives now, so `observe` subtracts them.
 */
export class RateLimiter {
  private cap: number;
  private refillPerMs: number;
  private readonly margin: number;
  private readonly clock: Clock;
  private tokens: number;
  private lastRefill: number;
  private inFlight = 0;
  private pausedUntil = 0;
  // Serializes waiters: each acquire starts after the previous one got its token.
  private tail: Promise<void> = Promise.resolve();

  constructor(options: RateLimiterOptions) {
    const margin = options.safetyMargin ?? DEFAULT_SAFETY_MARGIN;
    if (!(options.perMinute > 0)) throw new RangeError("perMinute must be positive");
    if (!(margin > 0 && margin <= 1)) throw new RangeError("safetyMargin must be in (0, 1]");
    this.margin = margin;
    this.cap = Math.max(1, Math.floor(options.perMinute));
    this.refillPerMs = (options.perMinute * margin) / 60_000;
    this.clock = options.clock ?? systemClock;
    this.tokens = this.cap;
    this.lastRefill = this.clock.now();
  }

  /** Tokens when full: the server's burst. */
  get capacity(): number {
    return this.cap;
  }

  /** Requests per minute sustained once the burst is spent. */
  get ratePerMinute(): number {
    return this.refillPerMs * 60_000;
  }

  /**
   * Resolves once a request may be sent, consuming one token. The request counts as in flight
   * until `settle()`.
   */
  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.takeToken());
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** The request of an earlier `acquire` has its answer (or failed): it is no longer in flight. */
  settle(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** Tokens available right now (fractional), for diagnostics and tests. */
  available(): number {
    this.refill(this.clock.now());
    return this.tokens;
  }

  /**
   * Stops handing out tokens for `ms` (capped at `MAX_PAUSE_MS`), e.g. after a 429's Retry-After.
   * The local bucket is emptied too: the server just said its bucket is, and refilling from zero
   * during the pause matches what the server's bucket does.
   */
  pauseFor(ms: number): void {
    const now = this.clock.now();
    this.refill(now);
    this.tokens = 0;
    this.pausedUntil = Math.max(this.pausedUntil, now + Math.min(Math.max(0, ms), MAX_PAUSE_MS));
  }

  /**
   * Adapts to the server's view from `X-RateLimit-Remaining`. The server bucket may be shared with
   * other processes using the same key or IP, so the local count never exceeds what the server says
   * is left, less the other requests still in flight (sent before this answer arrived, possibly
   * counted after it was written). Call it before `settle()` for the same request.
   * At zero the next token comes one refill interval later, as on the server: Selgeo's buckets are
   * token buckets and `X-RateLimit-Reset` is when the bucket is *full* again (up to a minute away),
   * so waiting for it would stall a run that only needs the next token. A 429 still pauses for its
   * `Retry-After` (`pauseFor`).
   * `X-RateLimit-Limit` resizes the bucket: the server's own statement of its limit beats the
   * published default (a Selgeo with another limit, a sandbox configured for a load test).
   */
  observe(headers: HeaderBag | undefined): void {
    const limit = Number(headerValue(headers, "x-ratelimit-limit") ?? NaN);
    if (Number.isFinite(limit) && limit > 0) this.resize(limit);
    const remaining = Number(headerValue(headers, "x-ratelimit-remaining") ?? NaN);
    if (!Number.isFinite(remaining)) return;
    const now = this.clock.now();
    this.refill(now);
    const othersInFlight = Math.max(0, this.inFlight - 1);
    this.tokens = Math.min(this.tokens, Math.max(0, remaining - othersInFlight));
  }

  private resize(perMinute: number): void {
    const cap = Math.max(1, Math.floor(perMinute));
    if (cap === this.cap) return;
    this.refill(this.clock.now());
    this.cap = cap;
    this.refillPerMs = (perMinute * this.margin) / 60_000;
    this.tokens = Math.min(this.tokens, cap);
  }

  private async takeToken(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      this.refill(now);
      if (now < this.pausedUntil) {
        await this.clock.sleep(this.pausedUntil - now);
        continue;
      }
      if (this.tokens >= 1) {
        this.tokens -= 1;
        this.inFlight += 1;
        return;
      }
      await this.clock.sleep(Math.max(1, Math.ceil((1 - this.tokens) / this.refillPerMs)));
    }
  }

  private refill(now: number): void {
    const elapsed = now - this.lastRefill;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.cap, this.tokens + elapsed * this.refillPerMs);
    this.lastRefill = now;
  }
}

const registry = new Map<string, RateLimiter>();

/**
 * The process-wide limiter called `name`, created on first use. Later calls return the same
 * instance and ignore their options, so every caller must agree on what a name means
 * (e.g. `general:<origin>` or `conversions:<origin>:<key fingerprint>`).
 */
export function sharedLimiter(name: string, options: RateLimiterOptions): RateLimiter {
  let limiter = registry.get(name);
  if (!limiter) {
    limiter = new RateLimiter(options);
    registry.set(name, limiter);
  }
  return limiter;
}

/** Forgets every shared limiter; for tests. */
export function resetSharedLimiters(): void {
  registry.clear();
}
