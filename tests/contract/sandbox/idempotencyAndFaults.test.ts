import * as http from "http";
import type { AddressInfo } from "net";
import { afterEach, describe, expect, it } from "vitest";
import { SelgeoClient } from "@selgeo-golive/runtime";
import { RateLimiter } from "@selgeo-golive/runtime";
import type { WebhookEndpointCreate } from "@selgeo-golive/runtime";
import { call, endpointBody, expectError, useSandbox } from "./helpers";

describe("sandbox: idempotency keys and fault injection", () => {
  const sb = useSandbox();
  afterEach(async () => {
    await call(sb.url, "DELETE", "/_sandbox/faults");
  });

  const listIds = async (key = sb.sk): Promise<string[]> =>
    (await call(sb.url, "GET", "/api/v1/webhook_endpoints?limit=100", { key })).body.data.map((e: { id: string }) => e.id);

  it("a replay returns the first response byte for byte and creates nothing", async () => {
    const headers = { "Idempotency-Key": "create-orders-hook-1" };
    const body = endpointBody({ description: "idempotent" });
    const first = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body, headers });
    expect(first.status).toBe(200);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const before = await listIds();

    // Same request with keys in another order: still the same request.
    const reordered = { events: body.events, description: "idempotent", url: body.url };
    const replay = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body: reordered, headers });
    expect(replay.status).toBe(200);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.text).toBe(first.text);
    expect(await listIds()).toEqual(before);
    expect(before.filter((id) => id === first.body.id)).toHaveLength(1);
  });

  it("the same key with a different body is 409 idempotency_error", async () => {
    const headers = { "Idempotency-Key": "create-orders-hook-2" };
    await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body: endpointBody(), headers });
    const res = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body: endpointBody({ description: "changed" }), headers });
    const err = expectError(res, 409, "idempotency_key_reused");
    expect(err.type).toBe("idempotency_error");
    // Same key on another path is a different request too.
    expectError(await call(sb.url, "POST", "/api/v1/webhook_endpoints/we_x/rotate_secret", { key: sb.sk, headers }), 409, "idempotency_key_reused");
  });

  it("keys are scoped per API key and expire after 24 h of sandbox time", async () => {
    const headers = { "Idempotency-Key": "scoped-key" };
    const test = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body: endpointBody(), headers });
    const live = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.info.keys.live.sk, body: endpointBody(), headers });
    expect(live.headers.get("Idempotent-Replayed")).toBeNull();
    expect(live.body.id).not.toBe(test.body.id);

    await call(sb.url, "POST", "/_sandbox/clock/advance", { body: { seconds: 24 * 3600 + 1 } });
    const later = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body: endpointBody(), headers });
    expect(later.headers.get("Idempotent-Replayed")).toBeNull();
    expect(later.body.id).not.toBe(test.body.id);
  });

  it("an injected 5xx is not remembered: a retry with the same key executes", async () => {
    const headers = { "Idempotency-Key": "bad-then-good" };
    await call(sb.url, "POST", "/_sandbox/faults", { body: { rules: [{ kind: "status", status: 503, method: "POST", path_prefix: "/api/v1/webhook_endpoints" }] } });
    const failed = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body: endpointBody(), headers });
    expectError(failed, 503, "service_unavailable");
    expect(failed.headers.get("Selgeo-Fault-Injected")).toBe("status");
    const retried = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body: endpointBody(), headers });
    expect(retried.status).toBe(200);
    expect(retried.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("a second request with a key whose first request is still running is 409, then replays", async () => {
    // A receiver that holds the ping delivery open until released, so the first request is
    // demonstrably still executing when the second arrives.
    const held: http.ServerResponse[] = [];
    const slow = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => held.push(res));
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hook`;
      const ep = (await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body: endpointBody({ url }) })).body;
      const headers = { "Idempotency-Key": "concurrent-ping" };
      const path = `/api/v1/webhook_endpoints/${ep.id}/ping`;
      const first = call(sb.url, "POST", path, { key: sb.sk, body: {}, headers });
      while (held.length === 0) await new Promise((r) => setTimeout(r, 20));

      const err = expectError(await call(sb.url, "POST", path, { key: sb.sk, body: {}, headers }), 409, "idempotency_key_in_use");
      expect(err.type).toBe("idempotency_error");

      held[0].writeHead(200).end();
      const done = await first;
      expect(done.body).toMatchObject({ status: "succeeded", attempts: 1 });
      const replay = await call(sb.url, "POST", path, { key: sb.sk, body: {}, headers });
      expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
      expect(replay.text).toBe(done.text);
      expect(held).toHaveLength(1);
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it("drop_after_commit: the socket dies, the object exists once, and a replay returns it", async () => {
    await call(sb.url, "POST", "/_sandbox/faults", { body: { rules: [{ kind: "drop_after_commit", method: "POST", path_prefix: "/api/v1/webhook_endpoints" }] } });
    const headers = { "Idempotency-Key": "dropped-create" };
    const body = endpointBody({ description: "dropped" });
    const before = await listIds();
    await expect(call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body, headers })).rejects.toThrow();

    const after = await listIds();
    expect(after).toHaveLength(before.length + 1);
    const createdId = after[0];
    expect(before).not.toContain(createdId);

    const replay = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body, headers });
    expect(replay.status).toBe(200);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.body.id).toBe(createdId);
    expect(replay.body.secret).toMatch(/^whsec_/);
    expect(await listIds()).toHaveLength(before.length + 1);
  });

  it("the client tells a replayed create from a fresh one, including its own retry after a dropped response", async () => {
    // A private bucket: the process-wide default is shared with other suites.
    const client = new SelgeoClient({ baseUrl: sb.url, apiKey: sb.sk, limiter: new RateLimiter({ perMinute: 10_000 }), sleep: async () => undefined });
    const body = endpointBody({ description: "client replay" }) as WebhookEndpointCreate;
    const fresh = await client.createWebhookEndpoint(body, { idempotencyKey: "client-replay-1" });
    const again = await client.createWebhookEndpoint(body, { idempotencyKey: "client-replay-1" });
    expect(fresh.replayed).toBe(false);
    expect(again).toMatchObject({ id: fresh.id, replayed: true });

    await call(sb.url, "POST", "/_sandbox/faults", { body: { rules: [{ kind: "drop_after_commit", count: 1, method: "POST", path_prefix: "/api/v1/webhook_endpoints" }] } });
    const before = await listIds();
    const retried = await client.createWebhookEndpoint(endpointBody({ description: "client dropped" }) as WebhookEndpointCreate, { idempotencyKey: "client-replay-2" });
    // The first attempt committed; the retry with the same key got the stored answer.
    expect(retried.replayed).toBe(true);
    expect(retried.secret).toMatch(/^whsec_/);
    expect(await listIds()).toEqual([retried.id, ...before]);
  });

  it("status faults: 429 with Retry-After, count and method/path filters", async () => {
    const rules = await call(sb.url, "POST", "/_sandbox/faults", {
      body: { rules: [{ kind: "status", status: 429, retry_after: 7, count: 2, method: "GET", path_prefix: "/api/v1/account" }] },
    });
    expect(rules.body.rules[0]).toMatchObject({ kind: "status", remaining: 2 });
    // Not matching: other path, other method.
    expect((await call(sb.url, "GET", "/api/v1/event_types", { key: sb.sk })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await call(sb.url, "GET", "/api/v1/account", { key: sb.sk });
      const err = expectError(res, 429, "rate_limited");
      expect(err.type).toBe("rate_limit_error");
      expect(res.headers.get("Retry-After")).toBe("7");
    }
    expect((await call(sb.url, "GET", "/api/v1/account", { key: sb.sk })).status).toBe(200);
    expect((await call(sb.url, "GET", "/_sandbox/faults")).body.rules).toEqual([]);
  });

  it("latency faults delay the response", async () => {
    await call(sb.url, "POST", "/_sandbox/faults", { body: { rules: [{ kind: "latency", latency_ms: 300 }] } });
    const started = Date.now();
    expect((await call(sb.url, "GET", "/api/v1/account", { key: sb.sk })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it("validates fault rules", async () => {
    expectError(await call(sb.url, "POST", "/_sandbox/faults", { body: { rules: [{ kind: "explode" }] } }), 400, "parameter_invalid");
    expectError(await call(sb.url, "POST", "/_sandbox/faults", { body: { rules: [{ kind: "status", status: 418 }] } }), 400, "parameter_invalid");
    expectError(await call(sb.url, "POST", "/_sandbox/faults", { body: { rules: [{ kind: "status", status: 500, colour: "red" }] } }), 400, "unknown_parameter");
  });
});
