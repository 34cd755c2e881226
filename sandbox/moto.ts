/**
 * moto in server mode: the local AWS endpoint (Secrets Manager) for tests, the sandbox stack and
 * CI. tools/setup-moto.sh (run by `npm run setup`) installs it into the project's .venv/.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { REPO_ROOT } from "./repoPaths";

export const MOTO_VENV = path.join(REPO_ROOT, ".venv");
export const MOTO_SERVER_BIN = path.join(MOTO_VENV, "bin", "moto_server");
export const MOTO_REQUIREMENTS = path.join(REPO_ROOT, "tools", "requirements-moto.txt");
export const MOTO_REGION = "us-east-1";

/** Raised when .venv/bin/moto_server is not there; the message says to run `npm run setup`. */
export class MotoNotInstalledError extends Error {
  constructor() {
    super(
      `moto is not installed (${path.relative(REPO_ROOT, MOTO_SERVER_BIN)} is missing): run \`npm run setup\` ` +
        "(or `bash tools/setup-moto.sh`), which installs it into .venv/ from tools/requirements-moto.txt; it needs python3 with the venv module",
    );
    this.name = "MotoNotInstalledError";
  }
}

/** Options of `startMoto`. */
export interface StartMotoOptions {
  /** 0 (default): a free port. */
  port?: number;
  /** How long to wait for moto to answer; default 30 s. */
  timeoutMs?: number;
  /** Copy moto's output to this process's stderr. */
  echo?: boolean;
  /**
   * Keep moto's state in this folder across restarts: every request is recorded to
   * `recording.jsonl` there and replayed on the next start. Use it with `seed`, so the replay
   * draws the same random ARN suffixes and version ids as the original requests did.
   */
  persistDir?: string;
  /** Seeds moto's random generator before anything else reaches it. */
  seed?: number;
  /** Credentials to hand out (moto accepts any); default: made up for this server. */
  credentials?: MotoCredentials;
}

/** The file `persistDir` keeps moto's recorded requests in. */
export const MOTO_RECORDING_FILE = "recording.jsonl";

/** Fake credentials, made up per server: moto accepts any. */
export interface MotoCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  region: string;
  credentials: MotoCredentials;
  /** `{endpoint, region, credentials}`: spread into `new SecretsManagerClient(...)` or the runtime's helpers. */
  clientConfig: { endpoint: string; region: string; credentials: MotoCredentials };
  /** Environment for a child process (Pulumi, a provider) that should talk to this moto. */
  env: Record<string, string>;
  pid: number;
  /** Stops the server (idempotent). */
  close(): Promise<void>;
}

/** The moto version pinned in tools/requirements-moto.txt. */
export function pinnedMotoVersion(): string | undefined {
  if (!existsSync(MOTO_REQUIREMENTS)) return undefined;
  return /^\s*moto(?:\[[^\]]*\])?==([^\s#;]+)/m.exec(readFileSync(MOTO_REQUIREMENTS, "utf8"))?.[1];
}

/** The moto version installed in .venv, read from its dist-info (no Python start-up). */
export function installedMotoVersion(): string | undefined {
  if (!existsSync(MOTO_SERVER_BIN)) return undefined;
  const lib = path.join(MOTO_VENV, "lib");
  try {
    for (const py of readdirSync(lib)) {
      const site = path.join(lib, py, "site-packages");
      if (!existsSync(site)) continue;
      for (const entry of readdirSync(site)) {
        const m = /^moto-(.+)\.dist-info$/.exec(entry);
        if (m) return m[1];
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** A port nobody listens on right now (bind port 0, read it, close). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function fakeCredentials(): MotoCredentials {
  return {
    accessKeyId: "FAKEMOTO" + randomBytes(6).toString("hex").toUpperCase(),
    secretAccessKey: "fake-moto-secret-" + randomBytes(12).toString("hex"),
  };
}

// Every moto this process started, so an exiting parent never leaves one behind.
const running = new Set<ChildProcess>();
let hooksInstalled = false;
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGTERM");
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      for (const child of running) child.kill("SIGTERM");
      // If nobody else handles the signal, behave as if we had not: die of it.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

async function isAnswering(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Starts `.venv/bin/moto_server -H 127.0.0.1 -p <port>` and resolves once it answers
 * `GET /moto-api/`. Throws `MotoNotInstalledError` when moto is not installed, and a clear error
 * (with moto's last output) when it exits early or does not answer within the timeout.
 */
export async function startMoto(opts: StartMotoOptions = {}): Promise<MotoServer> {
  if (!existsSync(MOTO_SERVER_BIN)) throw new MotoNotInstalledError();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  // A port picked by freePort can be taken before moto binds it: try a few.
  const attempts = opts.port ? 1 : 3;
  let lastError: Error | undefined;
  for (let i = 0; i < attempts; i++) {
    const port = opts.port || (await freePort());
    try {
      return await startOn(port, timeoutMs, opts);
    } catch (err) {
      lastError = err as Error;
      if (!/address already in use|port .* in use/i.test(lastError.message)) break;
    }
  }
  throw lastError;
}

async function motoApi(url: string, route: string, timeoutMs = 10_000): Promise<void> {
  const res = await fetch(`${url}/moto-api/${route}`, { method: "POST", signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new Error(`moto ${route} answered ${res.status}: ${text.slice(0, 500)}`);
}

async function startOn(port: number, timeoutMs: number, opts: StartMotoOptions): Promise<MotoServer> {
  installExitHooks();
  const echo = !!opts.echo;
  const url = `http://127.0.0.1:${port}`;
  const recording = opts.persistDir ? path.join(opts.persistDir, MOTO_RECORDING_FILE) : undefined;
  const child = spawn(MOTO_SERVER_BIN, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1", ...(recording ? { MOTO_RECORDER_FILEPATH: recording } : {}) },
  });
  running.add(child);
  let tail = "";
  const keep = (chunk: Buffer) => {
    if (echo) process.stderr.write(chunk);
    tail = (tail + chunk.toString("utf8")).slice(-4_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve();
    });
  });
  child.once("error", (err) => {
    spawnError = err;
    running.delete(child);
  });

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) throw new Error(`could not start moto (${MOTO_SERVER_BIN}): ${spawnError.message}; run \`npm run setup\``);
    if (exited) {
      throw new Error(
        `moto exited before answering (code ${exited.code ?? exited.signal}) on port ${port}; if it keeps failing run \`npm run setup\`. Its output:\n${tail.trim()}`,
      );
    }
    if (await isAnswering(url)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(
        `moto did not answer on ${url} within ${Math.round(timeoutMs / 1000)} s; check the install with \`npm run setup\` and \`golive doctor\`. Its output:\n${tail.trim()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  // The same order on every start (seed, record, replay): the replay then consumes moto's random
  // generator exactly as the recorded requests did, so ARNs and version ids come back identical.
  try {
    if (opts.seed !== undefined) await motoApi(url, `seed?a=${opts.seed}`);
    if (recording) {
      await motoApi(url, "recorder/start-recording");
      if (existsSync(recording) && statSync(recording).size > 0) await motoApi(url, "recorder/replay-recording", Math.max(timeoutMs, 120_000));
    }
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`moto on ${url} could not restore its state from ${recording ?? "(none)"}: ${(err as Error).message}`);
  }

  const credentials = opts.credentials ?? fakeCredentials();
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    region: MOTO_REGION,
    credentials,
    clientConfig: { endpoint: url, region: MOTO_REGION, credentials },
    env: {
      SELGEO_AWS_ENDPOINT_URL: url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
      AWS_REGION: MOTO_REGION,
      AWS_DEFAULT_REGION: MOTO_REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    pid: child.pid ?? -1,
    close() {
      closing ??= (async () => {
        if (exited) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exitPromise;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
