/**
 * Token-bucket rate limiting with the published limits (checklist item 5).
 *
 * A bucket holds `limit` tokens and refills continuously at `limit` per minute, so a client may
 * burst up to the limit and then sustain the average rate. Buckets run on real time, not the
 * sandbox clock: the client's limiter and backoff sleep in real time, and advancing the sandbox
 * clock for a retry schedule must not silently hand out fresh tokens.
 */
import { RATE_LIMITS } from "@selgeo-golive/runtime";

/** The three buckets the API enforces. */
export type BucketKind = "general_per_ip" | "conversions_per_sk" | "clicks_per_pk";

/** Limits, requests per minute, keyed like the `/_sandbox/rate_limits` body. */
export type RateLimitSettings = Record<BucketKind, number>;

/** The published limits. */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  general_per_ip: RATE_LIMITS.generalPerIp,
  conversions_per_sk: RATE_LIMITS.conversionsPerSk,
  clicks_per_pk: RATE_LIMITS.clicksPerPk,
};

/** The state of a bucket after a take or peek; maps onto the X-RateLimit-* headers. */
export interface BucketState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds (real time) at which the bucket is full again. */
  resetAt: number;
  /** Whole seconds until one token is available (>= 1); only meaningful when !allowed. */
  retryAfter: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Pruning threshold: one bucket per client IP / key must not grow without bound. */
const MAX_BUCKETS = 10_000;

/** All buckets of one sandbox. */
export class RateLimiter {
  private limits: RateLimitSettings = { ...DEFAULT_RATE_LIMITS };
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** Current limits. */
  settings(): RateLimitSettings {
    return { ...this.limits };
  }

  /** Changes limits and empties the bucket table, so every bucket starts full at the new size. */
  configure(changes: Partial<RateLimitSettings>): RateLimitSettings {
    this.limits = { ...this.limits, ...changes };
    this.buckets.clear();
    return this.settings();
  }

  /** Takes one token from the bucket `kind`/`key` if there is one. */
  take(kind: BucketKind, key: string): BucketState {
    return this.visit(kind, key, true);
  }

  /** The bucket's state without taking a token (for headers on exempt routes). */
  peek(kind: BucketKind, key: string): BucketState {
    return this.visit(kind, key, false);
  }

  private visit(kind: BucketKind, key: string, consume: boolean): BucketState {
    const limit = this.limits[kind];
    const now = this.nowMs();
    const perMs = limit / 60_000;
    const id = `${kind}\u0000${key}`;
    let bucket = this.buckets.get(id);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.prune(now);
      bucket = { tokens: limit, updatedMs: now };
      if (consume) this.buckets.set(id, bucket);
    }
    bucket.tokens = Math.min(limit, bucket.tokens + (now - bucket.updatedMs) * perMs);
    bucket.updatedMs = now;
    const allowed = bucket.tokens >= 1;
    if (allowed && consume) bucket.tokens -= 1;
    const tokens = bucket.tokens;
    return {
      allowed,
      limit,
      remaining: Math.max(0, Math.floor(tokens)),
      resetAt: Math.ceil((now + (limit - tokens) / perMs) / 1000),
      retryAfter: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)),
    };
  }

  /** Drops buckets that have refilled completely: they carry no information. */
  private prune(now: number): void {
    for (const [id, b] of this.buckets) {
      const limit = this.limits[id.slice(0, id.indexOf("\u0000")) as BucketKind];
      if (b.tokens + ((now - b.updatedMs) * limit) / 60_000 >= limit) this.buckets.delete(id);
    }
  }
}

/** The X-RateLimit-* headers for a bucket state, plus Retry-After when it was exhausted. */
export function rateLimitHeaders(state: BucketState): Record<string, string> {
  return {
    "X-RateLimit-Limit": String(state.limit),
    "X-RateLimit-Remaining": String(state.remaining),
    "X-RateLimit-Reset": String(state.resetAt),
    ...(state.allowed ? {} : { "Retry-After": String(state.retryAfter) }),
  };
}
