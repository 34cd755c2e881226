/**
 * The rehearsal's resolver map: the hosts it names go to local listeners (TLS checked against the
 * URL's host name, with the rehearsal's CA), loopback passes, and every other host is refused
 * before any DNS lookup or connection: through fetch, the runtime's HTTP core, the Stripe SDK's
 * agent and the sandbox's webhook deliveries alike.
 */
import { createServer, type Server } from "node:http";
import * as https from "node:https";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRehearsalCerts, startTlsFront, type TlsFront } from "../../../cli/rehearseTls";
import { closeHttpPools, SelgeoHttp } from "../../../runtime/src/http";
import {
  activeHttpAgent,
  formatResolverMap,
  installResolverMap,
  parseResolverMap,
  resolveTarget,
  ResolverRefusedError,
  uninstallResolverMap,
} from "../../../runtime/src/resolverMap";
import { postWebhook } from "../../../sandbox/postWebhook";

// Made up at run time, so nothing shaped like a key is committed.
const fakeKey = ["sk", "test", "resolvermap".padEnd(24, "x")].join("_");

describe("parseResolverMap", () => {
  it("reads the JSON form and writes it back the same", () => {
    const text = '{"api.selgeo.example:443":"127.0.0.1:40001","hooks.merchant.example:443":"127.0.0.1:40002"}';
    const map = parseResolverMap(text);
    expect(map.get("api.selgeo.example:443")).toEqual({ host: "127.0.0.1", port: 40001 });
    expect(JSON.parse(formatResolverMap(map))).toEqual(JSON.parse(text));
  });

  it.each([
    ["not JSON", "api.selgeo.example=127.0.0.1:1", /GOLIVE_RESOLVE must be a JSON object/],
    ["an array", "[]", /GOLIVE_RESOLVE must be a JSON object/],
    ["a key without port", '{"api.selgeo.example":"127.0.0.1:1"}', /key "api.selgeo.example" is not host:port/],
    ["a target without port", '{"api.selgeo.example:443":"127.0.0.1"}', /target "127.0.0.1" is not host:port/],
    ["a port out of range", '{"api.selgeo.example:443":"127.0.0.1:70000"}', /not host:port/],
    ["a non-string target", '{"api.selgeo.example:443":4010}', /must be a "host:port" string/],
  ])("refuses %s", (_what, text, message) => {
    expect(() => parseResolverMap(text)).toThrow(message);
  });
});

describe("resolveTarget", () => {
  const map = parseResolverMap('{"api.selgeo.example:443":"127.0.0.1:40001","api.stripe.com:443":"127.0.0.1:40003"}');
  it.each([
    ["a mapped host", "api.selgeo.example", 443, { host: "127.0.0.1", port: 40001 }],
    ["a mapped host, any case", "API.Stripe.COM", 443, { host: "127.0.0.1", port: 40003 }],
    ["loopback IPv4 as is", "127.0.0.1", 4012, { host: "127.0.0.1", port: 4012 }],
    ["localhost as is", "localhost", 8080, { host: "localhost", port: 8080 }],
    ["IPv6 loopback as is", "[::1]", 9, { host: "::1", port: 9 }],
  ])("%s", (_what, host, port, expected) => {
    expect(resolveTarget(map, host, port)).toEqual(expected);
  });

  it.each([
    ["a host not in the map", "hooks.merchant.example", 443],
    ["a mapped host on another port", "api.selgeo.example", 80],
    ["the real Stripe's other hosts", "files.stripe.com", 443],
    ["a public address", "93.184.216.34", 443],
    ["a private address (not loopback)", "10.0.0.1", 443],
  ])("refuses %s", (_what, host, port) => {
    expect(() => resolveTarget(map, host, port)).toThrow(ResolverRefusedError);
    expect(() => resolveTarget(map, host, port)).toThrow(/not in the rehearsal's resolver map \(GOLIVE_RESOLVE\): refused/);
  });
});

describe("an installed map, on real connections", () => {
  let dir: string;
  let plain: Server;
  let front: TlsFront;
  const seen: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "golive-resolver-"));
    const certs = makeRehearsalCerts(dir, ["api.selgeo.example", "hooks.merchant.example"]);
    plain = createServer((req, res) => {
      seen.push(`${req.method} ${req.headers.host}${req.url}`);
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
    });
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", () => r()));
    front = await startTlsFront(certs, (plain.address() as AddressInfo).port);
    installResolverMap(
      new Map([
        ["api.selgeo.example:443", { host: "127.0.0.1", port: front.port }],
        ["hooks.merchant.example:443", { host: "127.0.0.1", port: front.port }],
      ]),
      [certs.caPem],
    );
  });

  afterAll(async () => {
    await closeHttpPools();
    await uninstallResolverMap();
    await front.close();
    await new Promise<void>((r) => plain.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("fetch reaches a mapped https host over TLS checked against its name", async () => {
    const res = await fetch("https://api.selgeo.example/_sandbox/info");
    expect(res.status).toBe(200);
    expect(seen).toContain("GET api.selgeo.example/_sandbox/info");
  });

  it("fetch refuses a host not in the map, without reaching it", async () => {
    const before = seen.length;
    const err = await fetch("https://example.com/").then(() => undefined, (e: Error & { cause?: Error }) => e);
    expect(err?.cause).toBeInstanceOf(Error);
    expect(String(err?.cause?.message)).toMatch(/example\.com:443 is not in the rehearsal's resolver map/);
    expect(seen.length).toBe(before);
  });

  it("the runtime's HTTP core follows the map", async () => {
    await closeHttpPools();
    const http = new SelgeoHttp({ baseUrl: "https://api.selgeo.example", apiKey: fakeKey, maxRetries: 0 });
    const ok = await http.request<{ ok: boolean }>("GET", "/api/v1/account");
    expect(ok).toEqual({ ok: true });
    const refused = new SelgeoHttp({ baseUrl: "https://api.selgeo.invalid", apiKey: fakeKey, maxRetries: 0 });
    await expect(refused.request("GET", "/api/v1/account")).rejects.toThrow(/api\.selgeo\.invalid:443 is not in the rehearsal's resolver map/);
  });

  it("the sandbox's webhook delivery follows the map and is refused elsewhere", async () => {
    const signal = new AbortController().signal;
    const ok = await postWebhook("https://hooks.merchant.example/selgeo", "{}", {}, 5_000, signal);
    expect(ok).toEqual({ status: 200, error: null });
    expect(seen).toContain("POST hooks.merchant.example/selgeo");
    const refused = await postWebhook("https://finance.merchant.example/selgeo", "{}", {}, 5_000, signal);
    expect(refused).toEqual({ status: null, error: "EGOLIVEREFUSED" });
  });

  it("the Stripe SDK's agent connects mapped hosts and refuses the rest", async () => {
    const agent = activeHttpAgent("https:")!;
    const get = (host: string) =>
      new Promise<number | string>((resolve) => {
        const req = https.request({ host, path: "/v1/account", agent }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        req.end();
      });
    expect(await get("api.selgeo.example")).toBe(200);
    expect(await get("api.stripe.com")).toBe("EGOLIVEREFUSED");
    agent.destroy();
  });
});
