import { describe, expect, it } from "vitest";
import { WebhookEndpoint, WebhookEndpointList } from "@selgeo-golive/runtime";
import { call, endpointBody, expectError, useSandbox } from "./helpers";

describe("sandbox: webhook endpoints", () => {
  const sb = useSandbox();

  const create = (body: unknown, key = sb.sk) => call(sb.url, "POST", "/api/v1/webhook_endpoints", { key, body });

  it("creates, retrieves, updates and deletes; the secret appears only on create", async () => {
    const created = await create(endpointBody({ description: "orders", metadata: { team: "growth" } }));
    expect(created.status).toBe(200);
    const ep = WebhookEndpoint.parse(created.body);
    expect(ep).toMatchObject({
      object: "webhook_endpoint",
      livemode: false,
      url: "https://hooks.example.com/selgeo",
      events: ["conversion.created", "commission.created"],
      description: "orders",
      status: "enabled",
      metadata: { team: "growth" },
    });
    expect(ep.id).toMatch(/^we_[0-9A-Za-z]{24}$/);
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const got = await call(sb.url, "GET", `/api/v1/webhook_endpoints/${ep.id}`, { key: sb.sk });
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty("secret");
    expect(got.text).not.toContain("whsec_");
    expect(got.body).toEqual({ ...created.body, secret: undefined, previous_secret_expires_at: null });

    const updated = await call(sb.url, "POST", `/api/v1/webhook_endpoints/${ep.id}`, {
      key: sb.sk,
      body: { events: ["ping"], status: "disabled", metadata: { owner: "ops" } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: ep.id, events: ["ping"], status: "disabled", description: "orders", url: ep.url, metadata: { owner: "ops" } });
    expect(updated.text).not.toContain("whsec_");

    const list = WebhookEndpointList.parse((await call(sb.url, "GET", "/api/v1/webhook_endpoints", { key: sb.sk })).body);
    expect(list.data.find((e) => e.id === ep.id)).toBeDefined();
    expect(JSON.stringify(list)).not.toContain("whsec_");

    const deleted = await call(sb.url, "DELETE", `/api/v1/webhook_endpoints/${ep.id}`, { key: sb.sk });
    expect(deleted.body).toEqual({ id: ep.id, object: "webhook_endpoint", deleted: true });
    expectError(await call(sb.url, "GET", `/api/v1/webhook_endpoints/${ep.id}`, { key: sb.sk }), 404, "resource_missing");
    expectError(await call(sb.url, "DELETE", `/api/v1/webhook_endpoints/${ep.id}`, { key: sb.sk }), 404, "resource_missing");
  });

  it("normalises an uppercase scheme", async () => {
    const res = await create(endpointBody({ url: "HTTPS://hooks.example.com/Upper" }));
    expect(res.body.url).toBe("https://hooks.example.com/Upper");
  });

  it("rotate_secret returns a new secret and keeps the old one valid for the overlap", async () => {
    const ep = (await create(endpointBody())).body;
    const now = (await call(sb.url, "GET", "/_sandbox/clock")).body.now as number;
    const rotated = await call(sb.url, "POST", `/api/v1/webhook_endpoints/${ep.id}/rotate_secret`, { key: sb.sk, body: { expires_in: 3600 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(ep.secret);
    expect(rotated.body.previous_secret_expires_at).toBeGreaterThanOrEqual(now + 3600);
    expect(rotated.body.previous_secret_expires_at).toBeLessThanOrEqual(now + 3602);
    const got = await call(sb.url, "GET", `/api/v1/webhook_endpoints/${ep.id}`, { key: sb.sk });
    expect(got.text).not.toContain("whsec_");
    expect(got.body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);

    const defaultOverlap = await call(sb.url, "POST", `/api/v1/webhook_endpoints/${ep.id}/rotate_secret`, { key: sb.sk });
    expect(defaultOverlap.body.previous_secret_expires_at - now).toBeGreaterThanOrEqual(86_400);
    const immediate = await call(sb.url, "POST", `/api/v1/webhook_endpoints/${ep.id}/rotate_secret`, { key: sb.sk, body: { expires_in: 0 } });
    expect(immediate.body.previous_secret_expires_at).toBeNull();

    expectError(await call(sb.url, "POST", `/api/v1/webhook_endpoints/${ep.id}/rotate_secret`, { key: sb.sk, body: { expires_in: "soon" } }), 400, "parameter_invalid");
    expectError(await call(sb.url, "POST", `/api/v1/webhook_endpoints/${ep.id}/rotate_secret`, { key: sb.sk, body: { expires: 1 } }), 400, "unknown_parameter");
  });

  it.each([
    ["missing url", { events: ["ping"] }, 400, "parameter_missing", "url"],
    ["missing events", { url: "https://hooks.example.com/x" }, 400, "parameter_missing", "events"],
    ["not a URL", endpointBody({ url: "not a url" }), 400, "invalid_url", "url"],
    ["credentials in the URL", endpointBody({ url: "https://u:p@hooks.example.com/x" }), 400, "invalid_url", "url"],
    ["a fragment", endpointBody({ url: "https://hooks.example.com/x#frag" }), 400, "invalid_url", "url"],
    ["ftp", endpointBody({ url: "ftp://hooks.example.com/x" }), 400, "invalid_url", "url"],
    ["empty events", endpointBody({ events: [] }), 400, "parameter_invalid", "events"],
    ["events not an array", endpointBody({ events: "ping" }), 400, "parameter_invalid", "events"],
    ["an unknown event", endpointBody({ events: ["ping", "charge.succeeded"] }), 400, "unknown_event_type", "events[1]"],
    ["a duplicate event", endpointBody({ events: ["ping", "ping"] }), 400, "duplicate_event_type", "events[1]"],
    ["a long description", endpointBody({ description: "x".repeat(501) }), 400, "string_too_long", "description"],
    ["a bad status", endpointBody({ status: "paused" }), 400, "parameter_invalid", "status"],
    ["too many metadata keys", endpointBody({ metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) }), 400, "metadata_too_many_keys", "metadata"],
    ["a long metadata key", endpointBody({ metadata: { ["k".repeat(41)]: "v" } }), 400, "metadata_key_invalid", `metadata[${"k".repeat(41)}]`],
    ["a long metadata value", endpointBody({ metadata: { k: "v".repeat(501) } }), 400, "metadata_value_too_long", "metadata[k]"],
    ["a non-string metadata value", endpointBody({ metadata: { k: 1 } }), 400, "parameter_invalid", "metadata[k]"],
    ["an unknown field", endpointBody({ enabled: true }), 400, "unknown_parameter", "enabled"],
  ])("rejects %s", async (_name, body, status, code, param) => {
    const err = expectError(await create(body), status, code);
    expect(err.param).toBe(param);
    expect(err.type).toBe("invalid_request_error");
  });

  it("accepts the limits exactly", async () => {
    const res = await create(
      endpointBody({
        description: "d".repeat(500),
        metadata: { ...Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, "v"])), ["k".repeat(40)]: "v".repeat(500) },
      }),
    );
    expect(res.status).toBe(200);
  });

  it("validates updates the same way", async () => {
    const ep = (await create(endpointBody())).body;
    expectError(await call(sb.url, "POST", `/api/v1/webhook_endpoints/${ep.id}`, { key: sb.sk, body: { events: ["nope"] } }), 400, "unknown_event_type");
    expectError(await call(sb.url, "POST", `/api/v1/webhook_endpoints/${ep.id}`, { key: sb.sk, body: { secret: "x" } }), 400, "unknown_parameter");
    expectError(await call(sb.url, "POST", `/api/v1/webhook_endpoints/${ep.id}`, { key: sb.sk, body: { url: "nope" } }), 400, "invalid_url");
  });

  it("live mode refuses non-public URLs with 422 url_not_allowed_in_live_mode", async () => {
    for (const url of ["http://hooks.example.com/x", "https://localhost/x", "https://127.0.0.1/x", "https://10.0.0.1/x", "https://[::1]/x", "https://api.internal/x", "https://box.local/x"]) {
      const err = expectError(await create(endpointBody({ url }), sb.liveSk), 422, "url_not_allowed_in_live_mode");
      expect(err.param).toBe("url");
      expect(err.type).toBe("invalid_request_error");
    }
    // The same URL is fine in test mode, and a public https URL is fine in live mode.
    expect((await create(endpointBody({ url: "http://localhost:3000/x" }))).status).toBe(200);
    const live = await create(endpointBody(), sb.liveSk);
    expect(live.status).toBe(200);
    expect(live.body.livemode).toBe(true);
    // An update cannot sneak a private URL in either.
    expectError(await call(sb.url, "POST", `/api/v1/webhook_endpoints/${live.body.id}`, { key: sb.liveSk, body: { url: "https://192.168.1.1/x" } }), 422, "url_not_allowed_in_live_mode");
  });

  it("paginates newest first with limit, starting_after and has_more", async () => {
    const { body: acct } = await call(sb.url, "POST", "/_sandbox/accounts", { body: { name: "Pager" } });
    const key = acct.keys.test.sk as string;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await create(endpointBody({ description: `#${i}` }), key)).body.id);
    const newestFirst = [...ids].reverse();

    const all = await call(sb.url, "GET", "/api/v1/webhook_endpoints", { key });
    expect(all.body.object).toBe("list");
    expect(all.body.has_more).toBe(false);
    expect(all.body.data.map((e: { id: string }) => e.id)).toEqual(newestFirst);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await call(sb.url, "GET", `/api/v1/webhook_endpoints?limit=3${cursor ? `&starting_after=${cursor}` : ""}`, { key });
      pages++;
      seen.push(...page.body.data.map((e: { id: string }) => e.id));
      if (!page.body.has_more) break;
      cursor = page.body.data[page.body.data.length - 1].id;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(newestFirst);

    const exact = await call(sb.url, "GET", "/api/v1/webhook_endpoints?limit=7", { key });
    expect(exact.body.has_more).toBe(false);
    const short = await call(sb.url, "GET", "/api/v1/webhook_endpoints?limit=6", { key });
    expect(short.body.has_more).toBe(true);
    expect((await call(sb.url, "GET", "/api/v1/webhook_endpoints?limit=100", { key })).status).toBe(200);

    for (const bad of ["0", "101", "abc", "-1", "2.5"]) {
      const err = expectError(await call(sb.url, "GET", `/api/v1/webhook_endpoints?limit=${bad}`, { key }), 400, "parameter_invalid");
      expect(err.param).toBe("limit");
    }
    expect(expectError(await call(sb.url, "GET", "/api/v1/webhook_endpoints?starting_after=we_nope", { key }), 400, "resource_missing").param).toBe("starting_after");
  });

  it("defaults to 10 per page", async () => {
    const { body: acct } = await call(sb.url, "POST", "/_sandbox/accounts", {});
    const key = acct.keys.test.sk as string;
    for (let i = 0; i < 11; i++) await create(endpointBody(), key);
    const page = await call(sb.url, "GET", "/api/v1/webhook_endpoints", { key });
    expect(page.body.data).toHaveLength(10);
    expect(page.body.has_more).toBe(true);
  });
});
