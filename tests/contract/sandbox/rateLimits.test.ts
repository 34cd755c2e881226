import { afterEach, describe, expect, it } from "vitest";
import { RATE_LIMITS } from "@selgeo-golive/runtime";
import { call, endpointBody, expectError, useSandbox } from "./helpers";

describe("sandbox: rate limits and the request counter", () => {
  const sb = useSandbox();
  afterEach(async () => {
    await call(sb.url, "DELETE", "/_sandbox/rate_limits");
  });

  it("every response carries X-RateLimit-* headers, errors included", async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const res of [
      await call(sb.url, "GET", "/api/v1/account", { key: sb.sk }),
      await call(sb.url, "GET", "/api/v1/account"),
      await call(sb.url, "GET", "/api/v1/nope", { key: sb.sk }),
      await call(sb.url, "GET", "/_sandbox/clock"),
    ]) {
      expect(Number(res.headers.get("X-RateLimit-Limit"))).toBe(RATE_LIMITS.generalPerIp);
      const remaining = Number(res.headers.get("X-RateLimit-Remaining"));
      expect(remaining).toBeGreaterThanOrEqual(0);
      expect(remaining).toBeLessThan(RATE_LIMITS.generalPerIp);
      const reset = Number(res.headers.get("X-RateLimit-Reset"));
      expect(reset).toBeGreaterThanOrEqual(nowSeconds);
      expect(reset).toBeLessThanOrEqual(nowSeconds + 61);
      expect(res.headers.get("Retry-After")).toBeNull();
    }
  });

  it("remaining counts down by one per request", async () => {
    const a = Number((await call(sb.url, "GET", "/api/v1/account", { key: sb.sk })).headers.get("X-RateLimit-Remaining"));
    const b = Number((await call(sb.url, "GET", "/api/v1/account", { key: sb.sk })).headers.get("X-RateLimit-Remaining"));
    expect(b).toBe(a - 1);
  });

  it("429 rate_limited with Retry-After once the general per-IP bucket is empty", async () => {
    const set = await call(sb.url, "POST", "/_sandbox/rate_limits", { body: { general_per_ip: 3 } });
    expect(set.body).toMatchObject({ general_per_ip: 3, conversions_per_sk: RATE_LIMITS.conversionsPerSk, clicks_per_pk: RATE_LIMITS.clicksPerPk });
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ok = await call(sb.url, "GET", "/api/v1/account", { key: sb.sk });
      expect(ok.status).toBe(200);
      remaining.push(Number(ok.headers.get("X-RateLimit-Remaining")));
    }
    expect(remaining).toEqual([2, 1, 0]);
    // Unauthenticated and other-key requests come from the same IP: same bucket.
    const limited = await call(sb.url, "GET", "/api/v1/account", { key: sb.info.keys.live.sk });
    const err = expectError(limited, 429, "rate_limited");
    expect(err.type).toBe("rate_limit_error");
    const retryAfter = limited.headers.get("Retry-After");
    expect(retryAfter).toMatch(/^\d+$/);
    // 3 per minute refill one token every 20 s.
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(20);
    expect(limited.headers.get("X-RateLimit-Limit")).toBe("3");
    expect(limited.headers.get("X-RateLimit-Remaining")).toBe("0");
    // A 429 is not executed, so it must not create anything.
    expectError(await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body: endpointBody() }), 429, "rate_limited");
    // Admin routes stay usable so a test can always restore the limits.
    expect((await call(sb.url, "GET", "/_sandbox/rate_limits")).status).toBe(200);
  });

  it("conversions have their own 120/min bucket per secret key", async () => {
    await call(sb.url, "POST", "/_sandbox/rate_limits", { body: { conversions_per_sk: 2 } });
    const first = await call(sb.url, "POST", "/api/v1/conversions", { key: sb.sk, body: {} });
    expectError(first, 400, "parameter_missing");
    expect(first.headers.get("X-RateLimit-Limit")).toBe("2");
    expectError(await call(sb.url, "POST", "/api/v1/conversions", { key: sb.sk, body: {} }), 400, "parameter_missing");
    const limited = await call(sb.url, "POST", "/api/v1/conversions", { key: sb.sk, body: {} });
    expectError(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    // Another key has its own bucket; other routes still answer.
    expectError(await call(sb.url, "POST", "/api/v1/conversions", { key: sb.info.keys.live.sk, body: {} }), 400, "parameter_missing");
    expect((await call(sb.url, "GET", "/api/v1/account", { key: sb.sk })).status).toBe(200);
  });

  it("clicks have their own bucket per publishable key", async () => {
    await call(sb.url, "POST", "/_sandbox/rate_limits", { body: { clicks_per_pk: 1 } });
    const pk = sb.info.keys.test.pk;
    const first = await call(sb.url, "POST", "/v1/clicks", { key: pk, body: {} });
    expect(first.headers.get("X-RateLimit-Limit")).toBe("1");
    expectError(await call(sb.url, "POST", "/v1/clicks", { key: pk, body: {} }), 429, "rate_limited");
    expectError(await call(sb.url, "POST", "/v1/clicks", { key: sb.info.keys.live.pk, body: {} }), 400, "parameter_missing");
  });

  it("the published limits are the defaults", async () => {
    expect((await call(sb.url, "GET", "/_sandbox/rate_limits")).body).toEqual({
      general_per_ip: RATE_LIMITS.generalPerIp,
      conversions_per_sk: RATE_LIMITS.conversionsPerSk,
      clicks_per_pk: RATE_LIMITS.clicksPerPk,
    });
    expectError(await call(sb.url, "POST", "/_sandbox/rate_limits", { body: { general_per_ip: 0 } }), 400, "parameter_invalid");
  });

  it("counts API requests by method and route, and not admin requests", async () => {
    await call(sb.url, "DELETE", "/_sandbox/requests");
    const created = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body: endpointBody() });
    await call(sb.url, "GET", `/api/v1/webhook_endpoints/${created.body.id}`, { key: sb.sk });
    await call(sb.url, "GET", "/api/v1/webhook_endpoints", { key: sb.sk });
    await call(sb.url, "DELETE", `/api/v1/webhook_endpoints/${created.body.id}`, { key: sb.sk });
    await call(sb.url, "GET", "/api/v1/account"); // 401s are requests too
    await call(sb.url, "GET", "/_sandbox/clock");
    const counts = (await call(sb.url, "GET", "/_sandbox/requests")).body;
    expect(counts).toEqual({
      total: 5,
      by_method: { GET: 3, POST: 1, DELETE: 1 },
      by_route: {
        "POST /api/v1/webhook_endpoints": 1,
        "GET /api/v1/webhook_endpoints/{id}": 1,
        "GET /api/v1/webhook_endpoints": 1,
        "DELETE /api/v1/webhook_endpoints/{id}": 1,
        "GET /api/v1/account": 1,
      },
    });
    const reset = await call(sb.url, "DELETE", "/_sandbox/requests");
    expect(reset.body).toEqual({ total: 0, by_method: { GET: 0, POST: 0, DELETE: 0 }, by_route: {} });
  });
});
