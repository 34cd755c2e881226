/**
 * The client's pacing against the sandbox's real token bucket (300/min per IP, the published
 * limit), over real HTTP with eight requests in flight, as a provider process sends them during a
 * large `pulumi up`: the client spends the server's whole burst (its unit tests pin the sizes) and
 * not one request is answered 429, also when someone else had already spent half the bucket.
 * How long it takes is the bench's business (bench/refresh.ts, `up/no-op up`).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RateLimiter } from "../../../runtime/src/rateLimiter";
import { SelgeoHttp } from "../../../runtime/src/http";
import { startTestSandbox } from "../sandbox/helpers";

// A fresh sandbox (and so a full bucket) per test.
let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
let statuses: Record<string, number>;

beforeEach(async () => {
  statuses = {};
  sandbox = await startTestSandbox({
    log: (line: string) => {
      const m = /^GET \/api\/v1\/\S* -> (\d{3})/.exec(line);
      if (m) statuses[m[1]] = (statuses[m[1]] ?? 0) + 1;
    },
  });
});

afterEach(async () => {
  await sandbox?.close();
});

/** Sends `count` GETs through one client, `concurrency` at a time. */
async function sendAll(http: SelgeoHttp, count: number, concurrency = 8): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await http.request("GET", "/api/v1/webhook_endpoints", { query: { limit: 1 } });
      }
    }),
  );
}

describe("pacing under the sandbox's 300/min bucket", () => {
  it("spends the whole burst of 300, then paces the rest: 330 requests, no 429", async () => {
    const http = new SelgeoHttp({ baseUrl: sandbox.url, apiKey: sandbox.info.keys.test.sk, limiter: new RateLimiter({ perMinute: 300 }) });
    await sendAll(http, 330);
    expect(statuses).toEqual({ "200": 330 });
  }, 60_000);

  it("reads the server's remaining count when another client spent half the bucket: no 429", async () => {
    // Someone else (another process on this IP) takes 150 tokens first.
    for (let i = 0; i < 150; i++) {
      const res = await fetch(`${sandbox.url}/api/v1/webhook_endpoints?limit=1`, { headers: { authorization: `Bearer ${sandbox.info.keys.test.sk}` } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    statuses = {};
    // A fresh client believes the bucket is full; the first answers tell it otherwise.
    const http = new SelgeoHttp({ baseUrl: sandbox.url, apiKey: sandbox.info.keys.test.sk, limiter: new RateLimiter({ perMinute: 300 }) });
    await sendAll(http, 160);
    expect(statuses).toEqual({ "200": 160 });
  }, 60_000);
});
