import * as net from "net";
import { describe, expect, it } from "vitest";
import { Account, EVENT_TYPES, EventTypeList, SandboxInfo } from "@selgeo-golive/runtime";
import { call, endpointBody, expectError, useSandbox } from "./helpers";

describe("sandbox: auth, key kinds, modes and the error format", () => {
  const sb = useSandbox();

  it("prints keys of the right shape, generated at run time", () => {
    expect(SandboxInfo.parse(sb.info).selgeo_url).toBe(sb.url);
    expect(sb.info.keys.test.pk).toMatch(/^pk_test_[0-9A-Za-z]{24}$/);
    expect(sb.info.keys.test.sk).toMatch(/^sk_test_[0-9A-Za-z]{24}$/);
    expect(sb.info.keys.live.pk).toMatch(/^pk_live_[0-9A-Za-z]{24}$/);
    expect(sb.info.keys.live.sk).toMatch(/^sk_live_[0-9A-Za-z]{24}$/);
  });

  it("401 without a key, with a malformed header and with an unknown key", async () => {
    const missing = expectError(await call(sb.url, "GET", "/api/v1/account"), 401, "missing_api_key");
    expect(missing.type).toBe("authentication_error");
    expectError(await call(sb.url, "GET", "/api/v1/account", { headers: { Authorization: "Basic abc" } }), 401, "invalid_authorization_header");
    const unknownKey = sb.info.keys.test.sk.slice(0, 8) + "x".repeat(24);
    const unknown = expectError(await call(sb.url, "GET", "/api/v1/account", { key: unknownKey }), 401, "invalid_api_key");
    // The message helps recognise the key without echoing it whole.
    expect(unknown.message).not.toContain(unknownKey);
  });

  it("403 for a publishable key on /api/v1 and a secret key on /v1/clicks", async () => {
    const pk = expectError(await call(sb.url, "GET", "/api/v1/account", { key: sb.info.keys.test.pk }), 403, "secret_key_required");
    expect(pk.type).toBe("permission_error");
    expectError(await call(sb.url, "GET", "/api/v1/webhook_endpoints", { key: sb.info.keys.live.pk }), 403, "secret_key_required");
    expectError(await call(sb.url, "POST", "/v1/clicks", { key: sb.info.keys.test.sk, body: {} }), 403, "publishable_key_required");
    expectError(await call(sb.url, "POST", "/v1/clicks", { body: {} }), 401, "missing_api_key");
    // Authenticated correctly, an empty body fails validation.
    expectError(await call(sb.url, "POST", "/v1/clicks", { key: sb.info.keys.test.pk, body: {} }), 400, "parameter_missing");
  });

  it("the key decides the mode: the same account in both modes", async () => {
    const test = await call(sb.url, "GET", "/api/v1/account", { key: sb.info.keys.test.sk });
    const live = await call(sb.url, "GET", "/api/v1/account", { key: sb.info.keys.live.sk });
    expect(Account.parse(test.body)).toMatchObject({ object: "account", livemode: false, name: "Sandbox Merchant" });
    expect(Account.parse(live.body)).toMatchObject({ object: "account", livemode: true, id: test.body.id });
    expect(test.body.id).toMatch(/^acct_/);
  });

  it("an object of the other mode is a 404, never visible in lists", async () => {
    const created = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.info.keys.test.sk, body: endpointBody() });
    expect(created.status).toBe(200);
    expect(created.body.livemode).toBe(false);
    const id = created.body.id as string;
    const err = expectError(await call(sb.url, "GET", `/api/v1/webhook_endpoints/${id}`, { key: sb.info.keys.live.sk }), 404, "resource_missing");
    expect(err).toMatchObject({ type: "not_found_error", param: "id" });
    expectError(await call(sb.url, "POST", `/api/v1/webhook_endpoints/${id}`, { key: sb.info.keys.live.sk, body: { description: "x" } }), 404, "resource_missing");
    expectError(await call(sb.url, "DELETE", `/api/v1/webhook_endpoints/${id}`, { key: sb.info.keys.live.sk }), 404, "resource_missing");
    expectError(await call(sb.url, "POST", `/api/v1/webhook_endpoints/${id}/ping`, { key: sb.info.keys.live.sk, body: {} }), 404, "resource_missing");
    const liveList = await call(sb.url, "GET", "/api/v1/webhook_endpoints", { key: sb.info.keys.live.sk });
    expect(liveList.body.data.map((e: { id: string }) => e.id)).not.toContain(id);
    // Nor can a live key use a test id as a pagination cursor.
    expectError(await call(sb.url, "GET", `/api/v1/webhook_endpoints?starting_after=${id}`, { key: sb.info.keys.live.sk }), 400, "resource_missing");
    expect((await call(sb.url, "GET", `/api/v1/webhook_endpoints/${id}`, { key: sb.info.keys.test.sk })).status).toBe(200);
  });

  it("another merchant's objects are a 404 too", async () => {
    const other = await call(sb.url, "POST", "/_sandbox/accounts", { body: { name: "Other Merchant" } });
    expect(other.status).toBe(200);
    expect(other.body.account.id).toMatch(/^acct_/);
    const otherSk = other.body.keys.test.sk as string;
    expect((await call(sb.url, "GET", "/api/v1/account", { key: otherSk })).body.name).toBe("Other Merchant");
    const mine = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.info.keys.test.sk, body: endpointBody() });
    expectError(await call(sb.url, "GET", `/api/v1/webhook_endpoints/${mine.body.id}`, { key: otherSk }), 404, "resource_missing");
  });

  it("unknown routes are a 404 after auth, with the error format", async () => {
    expectError(await call(sb.url, "GET", "/api/v1/nope"), 401, "missing_api_key");
    const err = expectError(await call(sb.url, "GET", "/api/v1/nope", { key: sb.info.keys.test.sk }), 404, "route_not_found");
    expect(err.type).toBe("not_found_error");
    const wrongMethod = expectError(await call(sb.url, "DELETE", "/api/v1/account", { key: sb.info.keys.test.sk }), 404, "route_not_found");
    expect(wrongMethod.message).toContain("GET");
  });

  it("malformed JSON is a 400 invalid_json", async () => {
    const err = expectError(await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.info.keys.test.sk, body: "{not json" }), 400, "invalid_json");
    expect(err.type).toBe("invalid_request_error");
    expectError(await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.info.keys.test.sk, body: "[1,2]" }), 400, "invalid_json");
  });

  it("serves the event type catalog", async () => {
    const res = await call(sb.url, "GET", "/api/v1/event_types", { key: sb.info.keys.test.sk });
    const list = EventTypeList.parse(res.body);
    expect(list.data.map((e) => e.name)).toEqual([...EVENT_TYPES]);
    for (const e of list.data) expect(e.description.length).toBeGreaterThan(10);
  });

  it("odd request targets and oversized bodies get JSON errors, and the server keeps serving", async () => {
    const port = Number(new URL(sb.url).port);
    const raw = (requestLine: string) =>
      new Promise<string>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => socket.write(`${requestLine}\r\nHost: x\r\nConnection: close\r\n\r\n`));
        let data = "";
        socket.on("data", (c) => (data += c));
        socket.on("close", () => resolve(data));
      });
    expect(await raw("GET // HTTP/1.1")).toMatch(/^HTTP\/1\.1 404[\s\S]*"route_not_found"/);
    expect(await raw("GET http://x:99999/ HTTP/1.1")).toMatch(/^HTTP\/1\.1 400[\s\S]*"invalid_request_error"/);
    const big = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.info.keys.test.sk, body: { description: "x".repeat(1024 * 1024 + 1) } });
    expectError(big, 400, "body_too_large");
    expect((await call(sb.url, "GET", "/api/v1/account", { key: sb.info.keys.test.sk })).status).toBe(200);
  });
});
