/**
 * `golive sandbox` with its AWS endpoint: the command starts moto beside the sandbox, announces it
 * as `aws_url` in the first stdout line (the env for the AWS SDK goes to stderr only), and stops it
 * on SIGTERM; a moto that is missing or fails, or a sandbox that fails, leaves nothing running and
 * nothing half-printed on stdout.
 */
import { ListSecretsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MotoNotInstalledError, type MotoServer } from "../../../sandbox/moto";
import { SandboxInfo } from "@selgeo-golive/runtime";
import { parseSandboxArgs, planSandbox, runSandboxCommand } from "../../../sandbox/main";
import type { RunningSandbox } from "../../../sandbox/server";
import { startSandbox } from "../../../sandbox/server";
import { call, tempDir } from "./helpers";

const REPO = path.resolve(__dirname, "../../..");

/** Resolves true when nothing listens on `url`'s port any more (the connection is refused). */
function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
  });
}

describe("golive sandbox: the command with moto (AWS Secrets Manager)", () => {
  it("prints selgeo_url, stripe_url and aws_url (all answering), the AWS env on stderr only, and stops moto on SIGTERM", async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ["bin/golive.js", "sandbox", "--port", "0", "--data-dir", dir], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (c: Buffer) => {
          stdout += c.toString();
          if (stdout.includes("\n")) resolve(stdout.slice(0, stdout.indexOf("\n")));
        });
        child.once("exit", (code) => reject(new Error(`golive sandbox exited early (${code}): ${stderr}`)));
      });
      const info = SandboxInfo.parse(JSON.parse(firstLine));
      expect(info.selgeo_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.stripe_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.aws_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const awsUrl = info.aws_url!;

      const account = await call(info.selgeo_url, "GET", "/api/v1/account", { key: info.keys.test.sk });
      expect(account.status).toBe(200);
      expect(account.body).toMatchObject({ object: "account", livemode: false });

      const stripeAccount = await fetch(`${info.stripe_url}/v1/account`, {
        headers: { Authorization: `Bearer ${info.stripe_keys!.test.secret_key}` },
      });
      expect(stripeAccount.status).toBe(200);
      await stripeAccount.arrayBuffer();

      // moto accepts any credentials: made-up ones, never the default chain.
      const sm = new SecretsManagerClient({
        endpoint: awsUrl,
        region: "us-east-1",
        credentials: { accessKeyId: "FAKE" + "CONTRACTTEST", secretAccessKey: "fake-" + "contract-test" },
        maxAttempts: 1,
      });
      try {
        const listed = await sm.send(new ListSecretsCommand({}));
        expect(listed.$metadata.httpStatusCode).toBe(200);
        expect(Array.isArray(listed.SecretList)).toBe(true);
      } finally {
        sm.destroy();
      }

      // The AWS env is printed after the JSON line, on stderr, never on stdout.
      await vi.waitFor(() => expect(stderr).toContain(`AWS_ENDPOINT_URL_SECRETS_MANAGER=${awsUrl}`), { timeout: 5_000 });
      expect(stderr).toMatch(/AWS_REGION=us-east-1/);
      expect(stderr).toMatch(/AWS_ACCESS_KEY_ID=\S+/);
      expect(stderr).toMatch(/AWS_SECRET_ACCESS_KEY=\S+/);
      expect(stdout).not.toMatch(/AWS_/);

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stdout.trim().split("\n")).toHaveLength(1);
      expect(stderr).toContain("shutting down");
      expect(await refusesConnections(awsUrl)).toBe(true);
      expect(await refusesConnections(info.selgeo_url)).toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parses --no-aws", () => {
    expect(parseSandboxArgs(["--no-aws"])).toEqual({ dataDir: ".sandbox-data", noAws: true });
    expect(parseSandboxArgs([]).noAws).toBeUndefined();
    expect(() => parseSandboxArgs(["--no-aws=1"])).toThrow(/unknown argument/);
  });

  it("takes its ports and receivers from Pulumi.sandbox.yaml unless told otherwise; --port 0 means free ports and no receivers", () => {
    const repo = path.resolve(__dirname, "../../..");
    const byDefault = planSandbox(parseSandboxArgs([]), repo);
    expect([byDefault.port, byDefault.stripePort, byDefault.awsPort]).toEqual([4010, 4011, 4012]);
    expect(byDefault.receivers).toEqual([{ name: "orders", port: 4040, path: "/selgeo/webhooks", url: "http://127.0.0.1:4040/selgeo/webhooks" }]);
    const throwAway = planSandbox(parseSandboxArgs(["--port", "0"]), repo);
    expect([throwAway.port, throwAway.stripePort, throwAway.awsPort, throwAway.receivers.length]).toEqual([0, 0, 0, 0]);
    const moved = planSandbox(parseSandboxArgs(["--port", "5010", "--aws-port", "5012", "--no-receiver"]), repo);
    expect([moved.port, moved.stripePort, moved.awsPort, moved.receivers.length]).toEqual([5010, 4011, 5012, 0]);
    expect(moved.notes.join("\n")).toContain("points selgeo:apiUrl at port 4010, not 5010");
    expect(() => planSandbox(parseSandboxArgs(["--stack-file", "Pulumi.nope.yaml"]), repo)).toThrow(/--stack-file Pulumi\.nope\.yaml: no such file/);
  });
});

describe("golive sandbox: start-up failures leave nothing running and stdout empty", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  /** A sandbox factory that records the sandboxes it started and whether they were closed. */
  function trackedSandboxes() {
    const started: { sandbox: RunningSandbox; closed: boolean }[] = [];
    return {
      started,
      start: async (opts: Parameters<typeof startSandbox>[0]) => {
        const sandbox = await startSandbox(opts);
        const entry = { sandbox, closed: false };
        const close = sandbox.close;
        sandbox.close = async () => {
          entry.closed = true;
          await close();
        };
        started.push(entry);
        return sandbox;
      },
    };
  }

  function fakeMoto(): MotoServer & { closed: boolean } {
    const moto = {
      url: "http://127.0.0.1:1",
      port: 1,
      region: "us-east-1",
      credentials: { accessKeyId: "FAKE", secretAccessKey: "fake" },
      clientConfig: { endpoint: "http://127.0.0.1:1", region: "us-east-1", credentials: { accessKeyId: "FAKE", secretAccessKey: "fake" } },
      env: {},
      pid: -1,
      closed: false,
      async close() {
        moto.closed = true;
      },
    };
    return moto;
  }

  /** Runs `golive sandbox` on a fresh data dir with `deps`; what it threw, printed and left behind. */
  async function startWith(deps: Parameters<typeof runSandboxCommand>[1]) {
    const stdout = vi.spyOn(process.stdout, "write");
    const dir = tempDir();
    dirs.push(dir);
    const before = { SIGTERM: process.listenerCount("SIGTERM"), SIGINT: process.listenerCount("SIGINT") };
    const err = await runSandboxCommand(["--port", "0", "--data-dir", dir], deps).catch((e: unknown) => e as Error);
    return { err, stdout, dir, before };
  }

  it("moto not installed: a clear error naming `npm run setup` and `--no-aws`, before anything starts", async () => {
    const sandboxes = trackedSandboxes();
    const { err, stdout, dir, before } = await startWith({
      motoInstalled: () => false,
      startSandbox: sandboxes.start,
    });
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/moto is not installed/);
    expect((err as Error).message).toContain("npm run setup");
    expect((err as Error).message).toContain("--no-aws");
    expect(sandboxes.started).toHaveLength(0);
    expect(stdout).not.toHaveBeenCalled();
    expect(process.listenerCount("SIGTERM")).toBe(before.SIGTERM);
    expect(fs.existsSync(path.join(dir, "selgeo-sandbox.sqlite"))).toBe(false);
  });

  it("moto failing to start (e.g. removed under us) stops the sandbox again", async () => {
    const sandboxes = trackedSandboxes();
    const { err, stdout, before } = await startWith({
      motoInstalled: () => true,
      startMoto: async () => {
        throw new MotoNotInstalledError();
      },
      startSandbox: sandboxes.start,
    });
    expect((err as Error).message).toContain("npm run setup");
    expect((err as Error).message).toContain("--no-aws");
    expect(sandboxes.started).toHaveLength(1);
    expect(sandboxes.started[0].closed).toBe(true);
    expect(stdout).not.toHaveBeenCalled();
    expect(process.listenerCount("SIGTERM")).toBe(before.SIGTERM);
  });

  it("the sandbox failing to start stops moto again", async () => {
    const moto = fakeMoto();
    const { err, stdout, before } = await startWith({
      motoInstalled: () => true,
      startMoto: async () => moto,
      startSandbox: async () => {
        throw new Error("listen EADDRINUSE: address already in use 127.0.0.1:4010");
      },
    });
    expect((err as Error).message).toMatch(/could not start the sandbox: listen EADDRINUSE/);
    expect(moto.closed).toBe(true);
    expect(stdout).not.toHaveBeenCalled();
    expect(process.listenerCount("SIGINT")).toBe(before.SIGINT);
  });
});
