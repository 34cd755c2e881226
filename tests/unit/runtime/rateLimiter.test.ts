import { describe, expect, it } from "vitest";
import { Clock, MAX_PAUSE_MS, RateLimiter, resetSharedLimiters, sharedLimiter } from "../../../runtime/src/rateLimiter";

/** A clock whose sleep advances time instantly, recording every wait. */
function fakeClock(start = 1_700_000_000_000): Clock & { t: number; sleeps: number[] } {
  const clock = {
    t: start,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

describe("RateLimiter", () => {
  it("lets 300 through at 300/min and makes the 301st wait one refill interval", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ perMinute: 300, safetyMargin: 1, clock });
    const start = clock.t;
    for (let i = 0; i < 300; i++) await limiter.acquire();
    expect(clock.t).toBe(start);
    expect(clock.sleeps).toEqual([]);
    await limiter.acquire();
    // 300/min is one token every 200 ms.
    expect(clock.t - start).toBeGreaterThanOrEqual(200);
    expect(clock.t - start).toBeLessThanOrEqual(202);
  });

  it("bursts the server's whole bucket and sustains 95 % of its rate by default", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ perMinute: 300, clock });
    expect(limiter.capacity).toBe(300);
    expect(limiter.ratePerMinute).toBeCloseTo(285, 6);
    const start = clock.t;
    for (let i = 0; i < 300; i++) await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
    // 285 more take a minute at 285/min, where the server refills 300: no 429 from drift.
    for (let i = 0; i < 285; i++) await limiter.acquire();
    expect(clock.t - start).toBeGreaterThanOrEqual(60_000 - 5);
    expect(clock.t - start).toBeLessThanOrEqual(60_000 + 300);
  });

  it("sustains the limited rate over several minutes", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ perMinute: 120, safetyMargin: 1, clock });
    const start = clock.t;
    for (let i = 0; i < 120 + 240; i++) await limiter.acquire();
    // The burst is free; the next 240 take two minutes.
    expect(clock.t - start).toBeGreaterThanOrEqual(120_000 - 5);
    expect(clock.t - start).toBeLessThanOrEqual(120_000 + 500);
  });

  it("serves concurrent waiters in order without polling", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ perMinute: 60, safetyMargin: 1, clock });
    for (let i = 0; i < 60; i++) await limiter.acquire();
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => limiter.acquire().then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3]);
    // One sleep per token (1 s each at 60/min), not a spin of tiny ones.
    expect(clock.sleeps).toEqual([1000, 1000, 1000]);
  });

  it.each([
    ["seconds from now", "7"],
    ["a Unix timestamp", String(1_700_000_000 + 40)],
  ])("at X-RateLimit-Remaining 0 waits one refill interval, not for X-RateLimit-Reset (%s)", async (_how, reset) => {
    // A token bucket: Reset is when it is full again; the next token comes after 60/limit s.
    const clock = fakeClock(1_700_000_000_000);
    const limiter = new RateLimiter({ perMinute: 300, clock });
    const start = clock.t;
    limiter.observe({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset });
    await limiter.acquire();
    // One token at 285/min: 60 000 / 285 ≈ 211 ms, later than the server's 200 ms.
    expect(clock.t - start).toBeGreaterThanOrEqual(200);
    expect(clock.t - start).toBeLessThan(250);
  });

  it("never holds more tokens than the server says remain", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ perMinute: 300, safetyMargin: 1, clock });
    limiter.observe({ "x-ratelimit-remaining": "2", "x-ratelimit-reset": "30" });
    expect(limiter.available()).toBe(2);
    await limiter.acquire();
    await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
    await limiter.acquire();
    expect(clock.sleeps.length).toBe(1);
  });

  it("subtracts the other requests in flight from what the server says remains", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ perMinute: 300, safetyMargin: 1, clock });
    // The bucket was half spent by someone else; eight requests go out before the first answer.
    for (let i = 0; i < 8; i++) await limiter.acquire();
    // The first answer was written before the seven others reached the server: 150 left then.
    limiter.observe({ "x-ratelimit-remaining": "150" });
    limiter.settle();
    expect(limiter.available()).toBe(143);
  });

  it("stops counting a request as in flight once it settles", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ perMinute: 300, safetyMargin: 1, clock });
    for (let i = 0; i < 3; i++) await limiter.acquire();
    for (let i = 0; i < 3; i++) limiter.settle();
    // Extra settles (a caller that settles twice) never make the count negative.
    limiter.settle();
    await limiter.acquire();
    limiter.observe({ "x-ratelimit-remaining": "50" });
    expect(limiter.available()).toBe(50);
  });

  it.each([
    ["raised", "60000", 60_000, 57_000],
    ["lowered", "100", 100, 95],
  ] as const)("takes the server's X-RateLimit-Limit as its size when it is %s", async (_how, limit, capacity, rate) => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ perMinute: 300, clock });
    limiter.observe({ "x-ratelimit-limit": limit, "x-ratelimit-remaining": String(Number(limit) - 1) });
    expect(limiter.capacity).toBe(capacity);
    expect(limiter.ratePerMinute).toBeCloseTo(rate, 6);
    // Never more tokens than before the resize; refilled at the new rate afterwards.
    const before = Math.min(300, capacity - 1);
    expect(limiter.available()).toBeLessThanOrEqual(before);
    const start = clock.t;
    for (let i = 0; i < 400; i++) await limiter.acquire();
    // The tokens beyond the bucket come at the new sustained rate, within 10 %.
    const expected = (400 - before) * (60_000 / rate);
    expect(clock.t - start).toBeGreaterThanOrEqual(expected * 0.9);
    expect(clock.t - start).toBeLessThanOrEqual(expected * 1.1 + 5);
  });

  it("ignores responses without rate-limit headers", () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ perMinute: 300, safetyMargin: 1, clock });
    limiter.observe({ "content-type": "application/json" });
    expect(limiter.available()).toBe(300);
  });

  it("pauses the whole bucket for a Retry-After, capped at a minute", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ perMinute: 300, clock });
    const start = clock.t;
    limiter.pauseFor(3000);
    await Promise.all([limiter.acquire(), limiter.acquire()]);
    expect(clock.t - start).toBeGreaterThanOrEqual(3000);

    const again = clock.t;
    limiter.pauseFor(3_600_000);
    await limiter.acquire();
    expect(clock.t - again).toBeLessThanOrEqual(MAX_PAUSE_MS + 300);
  });

  it("rejects nonsense limits", () => {
    expect(() => new RateLimiter({ perMinute: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ perMinute: 10, safetyMargin: 1.5 })).toThrow(RangeError);
  });
});

describe("sharedLimiter", () => {
  it("returns one instance per name for the whole process", () => {
    resetSharedLimiters();
    const a = sharedLimiter("general:http://x", { perMinute: 300 });
    const b = sharedLimiter("general:http://x", { perMinute: 999 });
    const c = sharedLimiter("conversions:http://x:abc", { perMinute: 120 });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(c.capacity).toBe(120);
    resetSharedLimiters();
    expect(sharedLimiter("general:http://x", { perMinute: 300 })).not.toBe(a);
  });
});
