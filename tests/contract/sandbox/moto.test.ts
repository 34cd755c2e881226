/**
 * sandbox/moto.ts: moto starts on a free port, answers the Secrets Manager API with made-up
 * credentials, and never outlives whoever started it.
 */
import { CreateSecretCommand, GetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MotoNotInstalledError, pinnedMotoVersion, installedMotoVersion, startMoto } from "../../../sandbox/moto";
import { useMoto } from "../runtime/secrets/helpers";

const REPO = path.resolve(__dirname, "..", "..", "..");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

const moto = useMoto();

describe("startMoto", () => {
  it("is installed at the pinned version", () => {
    expect(pinnedMotoVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installedMotoVersion()).toBe(pinnedMotoVersion());
  });

  it("answers /moto-api/ and ListSecrets with made-up credentials in us-east-1", async () => {
    expect(moto.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${moto.url}/moto-api/`)).status).toBe(200);
    expect(moto.region).toBe("us-east-1");
    expect(moto.credentials.accessKeyId).toMatch(/^FAKEMOTO[0-9A-F]{12}$/);
    expect(moto.credentials.secretAccessKey).toMatch(/^fake-moto-secret-/);
    const client = new SecretsManagerClient(moto.clientConfig);
    try {
      const out = await client.send(new ListSecretsCommand({}));
      expect(Array.isArray(out.SecretList)).toBe(true);
    } finally {
      client.destroy();
    }
    expect(moto.env).toMatchObject({
      SELGEO_AWS_ENDPOINT_URL: moto.url,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    });
  });

  it("makes up different credentials for each server", async () => {
    const other = await startMoto();
    try {
      expect(other.port).not.toBe(moto.port);
      expect(other.credentials.accessKeyId).not.toBe(moto.credentials.accessKeyId);
    } finally {
      await other.close();
    }
  });

  it("close() stops the process and can be called twice", async () => {
    const m = await startMoto();
    expect(alive(m.pid)).toBe(true);
    await m.close();
    await m.close();
    expect(await waitUntilGone(m.pid)).toBe(true);
  });

  it("fails clearly when the requested port is taken", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startMoto({ port, timeoutMs: 15_000 })).rejects.toThrow(/moto (exited before answering|did not answer)/);
    } finally {
      blocker.close();
    }
  });

  it("names `npm run setup` when moto is not installed", () => {
    expect(new MotoNotInstalledError().message).toMatch(/\.venv\/bin\/moto_server is missing\): run `npm run setup`/);
  });

  it.each([
    ["exits", "process.exit(0)"],
    ["is terminated", "setInterval(() => {}, 1000)"],
  ])("dies with its parent when the parent %s", async (_how, then) => {
    const script = `
      require("ts-node").register({ transpileOnly: true, project: ${JSON.stringify(path.join(REPO, "tsconfig.json"))} });
      require(${JSON.stringify(path.join(REPO, "sandbox", "moto.ts"))}).startMoto().then((m) => {
        process.stdout.write(JSON.stringify({ pid: m.pid }) + "\\n");
        ${then};
      }, (e) => { console.error(e.message); process.exit(3); });`;
    const child = spawn(process.execPath, ["-e", script], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (c) => (err += c));
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (c) => {
        out += c;
        const line = out.split("\n")[0];
        if (out.includes("\n")) resolve(JSON.parse(line).pid);
      });
      child.once("exit", (code) => reject(new Error(`parent exited (${code}) before starting moto: ${err}`)));
    });
    expect(alive(pid)).toBe(true);
    if (then.startsWith("setInterval")) child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    expect(await waitUntilGone(pid)).toBe(true);
  });

  it("with persistDir and a seed, secrets come back after a restart under the same ARNs and version ids", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "golive-moto-persist-"));
    const opts = { persistDir: dir, seed: 7 };
    try {
      const first = await startMoto(opts);
      const sm1 = new SecretsManagerClient(first.clientConfig);
      const a = await sm1.send(new CreateSecretCommand({ Name: "persist/a", SecretString: "one-" + Date.now() }));
      const a2 = await sm1.send(new PutSecretValueCommand({ SecretId: a.ARN!, SecretString: "two" }));
      const b = await sm1.send(new CreateSecretCommand({ Name: "persist/b", SecretString: "bee" }));
      await first.close();

      const second = await startMoto(opts);
      try {
        const sm2 = new SecretsManagerClient(second.clientConfig);
        const got = await sm2.send(new GetSecretValueCommand({ SecretId: a.ARN! }));
        expect([got.ARN, got.VersionId, got.SecretString]).toEqual([a.ARN, a2.VersionId, "two"]);
        expect((await sm2.send(new GetSecretValueCommand({ SecretId: b.ARN! }))).SecretString).toBe("bee");
        // What comes next is drawn as it would have been without the restart: no ARN collides.
        const c = await sm2.send(new CreateSecretCommand({ Name: "persist/c", SecretString: "sea" }));
        expect(c.ARN).not.toBe(a.ARN);
      } finally {
        await second.close();
      }
      // Without persistDir a restart starts empty, as before.
      const plain = await startMoto();
      try {
        const listed = await new SecretsManagerClient(plain.clientConfig).send(new ListSecretsCommand({}));
        expect(listed.SecretList ?? []).toEqual([]);
      } finally {
        await plain.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
