import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SandboxInfo } from "@selgeo-golive/runtime";
import type { RunningSandbox } from "../../../sandbox/server";
import { call, endpointBody, spawnSandboxCommand, startReceiver, startTestSandbox, tempDir } from "./helpers";


describe("sandbox: persistence across restarts", () => {
  let dataDir: string;
  let sb: RunningSandbox | undefined;

  beforeAll(() => {
    dataDir = tempDir();
  });
  afterAll(async () => {
    await sb?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("a restart on the same data dir keeps account, keys, endpoints, deliveries, idempotency keys and the clock", async () => {
    const receiver = await startReceiver(() => 500);
    try {
      sb = await startTestSandbox({ dataDir });
      const first = sb.info;
      const sk = first.keys.test.sk;
      const created = await call(sb.url, "POST", "/api/v1/webhook_endpoints", {
        key: sk,
        body: endpointBody({ url: receiver.url, metadata: { k: "v" } }),
        headers: { "Idempotency-Key": "persisted-key" },
      });
      const delivery = (await call(sb.url, "POST", `/api/v1/webhook_endpoints/${created.body.id}/ping`, { key: sk })).body;
      expect(delivery.status).toBe("failed");
      const { body: other } = await call(sb.url, "POST", "/_sandbox/accounts", { body: { name: "Second" } });
      const clock = (await call(sb.url, "POST", "/_sandbox/clock/advance", { body: { seconds: 3 } })).body;
      await sb.close();
      sb = undefined;

      sb = await startTestSandbox({ dataDir });
      expect(sb.info.keys).toEqual(first.keys);
      const got = await call(sb.url, "GET", `/api/v1/webhook_endpoints/${created.body.id}`, { key: sk });
      expect(got.body).toEqual({ ...created.body, secret: undefined, previous_secret_expires_at: null });
      expect((await call(sb.url, "GET", "/api/v1/account", { key: other.keys.live.sk })).body.name).toBe("Second");
      const replay = await call(sb.url, "POST", "/api/v1/webhook_endpoints", {
        key: sk,
        body: endpointBody({ url: receiver.url, metadata: { k: "v" } }),
        headers: { "Idempotency-Key": "persisted-key" },
      });
      expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
      expect(replay.text).toBe(created.text);
      expect((await call(sb.url, "GET", "/_sandbox/clock")).body.offset_seconds).toBe(clock.offset_seconds);

      // The retry schedule picks up where it left off: attempt 2 was due 5 s after attempt 1.
      await call(sb.url, "POST", "/_sandbox/clock/advance", { body: { seconds: 2 } });
      const after = (await call(sb.url, "GET", `/api/v1/webhook_deliveries/${delivery.id}`, { key: sk })).body;
      expect(after).toMatchObject({ id: delivery.id, attempts: 2, status: "failed" });
    } finally {
      await receiver.close();
    }
  });
});

describe("sandbox: the command (`golive sandbox`)", () => {
  it("prints SandboxInfo as its first stdout line, serves, and exits cleanly on SIGTERM", async () => {
    const dir = tempDir();
    try {
      const cmd = spawnSandboxCommand(["--port", "0", "--data-dir", dir, "--no-aws"]);
      const { child } = cmd;
      const firstLine = await cmd.firstLine;
      const info = SandboxInfo.parse(JSON.parse(firstLine));
      expect(info.selgeo_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const account = await call(info.selgeo_url, "GET", "/api/v1/account", { key: info.keys.live.sk });
      expect(account.body).toMatchObject({ object: "account", livemode: true });

      const exitCode = await new Promise<number | null>((resolve) => {
        child.on("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      });
      expect(exitCode).toBe(0);
      expect(cmd.stdout().trim().split("\n")).toHaveLength(1);
      expect(cmd.stderr()).toContain("shutting down");
      expect(fs.existsSync(path.join(dir, "selgeo-sandbox.sqlite"))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects bad arguments with a usage line", async () => {
    const { parseSandboxArgs } = await import("../../../sandbox/main");
    // No --port: the port is the stack file's (planSandbox), 4010 as committed.
    expect(parseSandboxArgs([])).toEqual({ dataDir: ".sandbox-data" });
    expect(parseSandboxArgs(["--port", "0", "--data-dir=/tmp/x"])).toEqual({ port: 0, dataDir: "/tmp/x" });
    expect(() => parseSandboxArgs(["--port", "http"])).toThrow(/usage: golive sandbox/);
    expect(() => parseSandboxArgs(["--port"])).toThrow(/needs a value/);
    expect(() => parseSandboxArgs(["--verbose"])).toThrow(/unknown argument/);
  });
});
