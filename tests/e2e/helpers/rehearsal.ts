/**
 * The e2e rehearsal: moto, the sandbox on port 0 (fresh data dir), a webhook receiver when asked and
 * a Pulumi workspace on a temp file backend, started together and stopped by one `close`. Built on
 * the product's own start functions (`startMoto`, `startSandbox`, `PulumiWorkspace`), and `golive`
 * runs get the workspace's own CLI environment (`cliEnv()`), as a user with the stack selected would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { startMoto, type MotoServer } from "../../../sandbox/moto";
import { PulumiWorkspace, REPO_ROOT, type CliResult } from "../../../cli/pulumiCli";
import { secrets } from "@selgeo-golive/runtime";
import { verifySignatureHeader } from "@selgeo-golive/runtime";
import { startSandbox, type RunningSandbox } from "../../../sandbox/server";

const { readGeneratedSecret, secretNameFor } = secrets;

/** One request the receiver got. */
export interface Delivery {
  /** The request path, e.g. `/orders`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The `Selgeo-Signature` header ("" when absent). */
  signature: string;
}

/** Picks the HTTP status the receiver answers a delivery with. */
export type Answer = (d: Delivery) => number | Promise<number>;

/** A local webhook receiver on a free loopback port. */
export interface TestReceiver {
  /** `http://127.0.0.1:<port>` (no path: endpoints add their own). */
  url: string;
  /** Every request, in arrival order. */
  deliveries: Delivery[];
  /** How deliveries are answered; a test may swap it. */
  answer: Answer;
  close(): Promise<void>;
}

/** Starts a receiver answering with `answer` (default: 200 to everything). */
export async function startTestReceiver(answer: Answer = () => 200): Promise<TestReceiver> {
  const receiver: TestReceiver = { url: "", deliveries: [], answer, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const d: Delivery = {
        path: (req.url ?? "").split("?")[0],
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        signature: String(req.headers["selgeo-signature"] ?? ""),
      };
      receiver.deliveries.push(d);
      let status = 500;
      try {
        status = await receiver.answer(d);
      } catch {
        status = 503;
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  receiver.url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  receiver.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return receiver;
}

/** True when the delivery's `Selgeo-Signature` verifies with `secret`. */
export function signedWith(d: Delivery, secret: string | undefined): boolean {
  return !!secret && verifySignatureHeader(d.signature, d.body, secret).ok;
}

/** An answer that verifies with the endpoint's signing secret read from moto on every delivery, as a merchant's server does. */
export function verifyFromSecretsManager(moto: MotoServer, stack: string, endpoint: string): Answer {
  return async (d) => {
    const { value } = await readGeneratedSecret({ arn: secretNameFor({ stack, kind: "webhook-endpoint", name: endpoint }), ...moto.clientConfig });
    return signedWith(d, value) ? 200 : 400;
  };
}

/** Which sandbox keys a workspace gets in its environment. */
export type KeyEnv = "SELGEO_SECRET_KEY" | "STRIPE_SECRET_KEY";

/** What a rehearsal starts. */
export interface RehearsalOptions {
  /** Start a receiver answering with this (`true`: 200 to everything). */
  receiver?: Answer | true;
  /** Runs once moto, the sandbox and the receiver are up, before the workspace is created. */
  before?: (r: Rehearsal) => Promise<void> | void;
  /** The workspace's stack; without it no workspace is created (a test makes its own with `workspace`). */
  stack?: string;
  /** The stack's config, built once the servers are up. */
  config?: (r: Rehearsal) => Record<string, unknown>;
  /** Sandbox test keys put in the workspace's environment (default both); moto's environment always is. */
  keys?: readonly KeyEnv[];
  /** A workspace with neither moto's environment nor keys. */
  bare?: boolean;
  /** More environment for the workspace's CLI runs. */
  env?: Record<string, string>;
  /** Runs `pulumi up --yes --skip-preview` once the workspace exists. */
  up?: boolean;
}

/** How a rehearsal's `golive` run differs from the workspace's CLI environment. */
export interface GoliveOptions {
  /** The workspace whose CLI environment to use (default the rehearsal's). */
  ws?: PulumiWorkspace;
  /** Variables to set; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** Default: the workspace's project folder (with `cron`, this process's folder). */
  cwd?: string;
  /** As cron or CI runs it: no colour switch set either way, so what `golive` picks without a TTY shows. */
  cron?: boolean;
}

/** What a rehearsal's workspace gets in its environment. */
export interface WorkspaceEnv {
  /** Sandbox test keys (default both). */
  keys?: readonly KeyEnv[];
  /** Neither moto's environment nor keys. */
  bare?: boolean;
  env?: Record<string, string>;
}

/** A running rehearsal. */
export interface Rehearsal {
  moto: MotoServer;
  sandbox: RunningSandbox;
  /** Present when the options asked for one. */
  receiver: TestReceiver;
  /** Present when the options named a stack. */
  ws: PulumiWorkspace;
  /** The sandbox's test-mode Selgeo secret key. */
  sk: string;
  /** The Stripe emulator's test-mode secret key. */
  stripeKey: string;
  /** Another workspace on the same servers (moto's environment plus `keys`), removed by `close`. */
  workspace(stack: string, config: Record<string, unknown>, opts?: WorkspaceEnv): Promise<PulumiWorkspace>;
  /** A Selgeo API call with `key` (default the test sk); the parsed body whatever the status. */
  request(method: string, p: string, body?: unknown, key?: string): Promise<any>;
  /** Like `request`, but throws (with `status`) unless the answer is 2xx. */
  api(method: string, p: string, body?: unknown, key?: string): Promise<any>;
  /** A sandbox admin route (`/_sandbox<p>`): POST with `body`, DELETE without. */
  admin(p: string, body?: unknown): Promise<Response>;
  /**
   * `pulumi up` while the sandbox injects the fault `rules`: it may fail, but cleanly (Pulumi's own
   * `error:` summary, not a crash), and then a rerun without faults must succeed.
   */
  upThroughFaults(rules: unknown[]): Promise<void>;
  /** `node bin/golive.js <args>` in the workspace's folder with its CLI environment (`undefined` in `env` removes a variable). */
  golive(args: string[], opts?: GoliveOptions): Promise<CliResult>;
  /** Like `golive`, but hands back the running process (to read its output while it runs). */
  startGolive(args: string[], opts?: GoliveOptions): GoliveRun;
  close(): Promise<void>;
}

/**
 * Starts moto, the sandbox, the receiver and the workspace, in that order, filling in `into`
 * as each part comes up (so `config` and `before` may read the parts through the caller's handle).
 */
export async function startRehearsal(opts: RehearsalOptions = {}, into = {} as Rehearsal): Promise<Rehearsal> {
  const workspaces: PulumiWorkspace[] = [];
  const r = into;
  const keyEnv = (keys: readonly KeyEnv[] = ["SELGEO_SECRET_KEY", "STRIPE_SECRET_KEY"]) =>
    Object.fromEntries(keys.map((k) => [k, k === "SELGEO_SECRET_KEY" ? r.sk : r.stripeKey]));
  const request = async (method: string, p: string, body?: unknown, key = r.sk) => {
    const res = await fetch(`${r.sandbox.url}${p}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { res, text, json: text ? JSON.parse(text) : undefined };
  };
  Object.assign(r, {
    request: async (method: string, p: string, body?: unknown, key?: string) => (await request(method, p, body, key)).json,
    api: async (method: string, p: string, body?: unknown, key?: string) => {
      const { res, text, json } = await request(method, p, body, key);
      if (!res.ok) throw Object.assign(new Error(`${method} ${p} -> ${res.status} ${text}`), { status: res.status });
      return json;
    },
    admin: (p: string, body?: unknown) =>
      fetch(`${r.sandbox.url}/_sandbox${p}`, {
        method: body === undefined ? "DELETE" : "POST",
        headers: { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    upThroughFaults: async (rules: unknown[]) => {
      await r.admin("/faults", { rules });
      const first = await r.ws.run(["up", "--yes", "--skip-preview"]);
      await r.admin("/faults");
      if (first.code !== 0) {
        expect(first.stdout + first.stderr).toMatch(/error:/);
        await r.ws.mustRun(["up", "--yes", "--skip-preview"]);
      }
    },
    workspace: async (stack: string, config: Record<string, unknown>, o: WorkspaceEnv = {}) => {
      const ws = await PulumiWorkspace.create({ stack, config, env: { ...(o.bare ? {} : { ...r.moto.env, ...keyEnv(o.keys) }), ...o.env } });
      workspaces.push(ws);
      return ws;
    },
    startGolive: (args: string[], o: GoliveOptions = {}) => {
      const ws = o.ws ?? r.ws;
      const set = { ...(o.cron ? { NO_COLOR: undefined, FORCE_COLOR: undefined } : {}), ...o.env };
      const env: NodeJS.ProcessEnv = { ...ws.cliEnv(), ...set };
      for (const [k, v] of Object.entries(set)) if (v === undefined) delete env[k];
      return startGolive(args, env, o.cwd ?? (o.cron ? process.cwd() : ws.projectDir));
    },
    golive: (args: string[], o: GoliveOptions = {}) => r.startGolive(args, o).done,
    close: async () => {
      await r.receiver?.close();
      await r.sandbox?.close();
      await r.moto?.close();
      for (const ws of workspaces) rmSync(path.dirname(ws.projectDir), { recursive: true, force: true });
    },
  });
  try {
    r.moto = await startMoto({ port: 0 });
    r.sandbox = await startSandbox({ port: 0 });
    r.sk = r.sandbox.info.keys.test.sk;
    r.stripeKey = r.sandbox.info.stripe_keys!.test.secret_key;
    if (opts.receiver) r.receiver = await startTestReceiver(opts.receiver === true ? undefined : opts.receiver);
    await opts.before?.(r);
    if (opts.stack) {
      r.ws = await r.workspace(opts.stack, opts.config?.(r) ?? {}, { keys: opts.keys, bare: opts.bare, env: opts.env });
      if (opts.up) await r.ws.mustRun(["up", "--yes", "--skip-preview"]);
    }
  } catch (e) {
    await r.close();
    throw e;
  }
  return r;
}

/**
 * Registers `beforeAll`/`afterAll` for a rehearsal in the current file or describe block; the
 * returned object is filled in before the first test runs.
 */
export function useRehearsal(opts: RehearsalOptions = {}, timeoutMs = 240_000): Rehearsal {
  const r = {} as Rehearsal;
  beforeAll(async () => {
    await startRehearsal(opts, r);
  }, timeoutMs);
  afterAll(async () => {
    await r.close?.();
  });
  return r;
}

/** What a go-live stack declares beyond what `goLiveConfig` fills in. */
export interface GoLiveStack {
  /** The events of the one endpoint, `orders`. */
  events: string[];
  /** Where on the receiver `orders` delivers (default `/orders`). */
  path?: string;
  /** The active program's name (default "Acme Partners"). */
  programName?: string;
  commissionRules: Record<string, unknown>;
  /** Sets `selgeo:verify` (the go-live verification inside `pulumi up`). */
  verify?: boolean;
  /** More `selgeo:*` keys. */
  extra?: Record<string, unknown>;
}

/**
 * A test-mode go-live stack on the rehearsal's servers: Selgeo and its Stripe emulator, one `orders`
 * endpoint on the receiver, the Stripe webhook registration, and an active program with its rules.
 */
export function goLiveConfig(r: Pick<Rehearsal, "sandbox" | "receiver">, s: GoLiveStack): Record<string, unknown> {
  return {
    "selgeo:mode": "test",
    "selgeo:apiUrl": r.sandbox.url,
    "selgeo:stripeApiUrl": r.sandbox.stripeUrl,
    ...(s.verify === undefined ? {} : { "selgeo:verify": s.verify }),
    "selgeo:webhookEndpoints": { orders: { url: `${r.receiver.url}${s.path ?? "/orders"}`, events: s.events } },
    "selgeo:stripe": {},
    "selgeo:program": { name: s.programName ?? "Acme Partners", status: "active" },
    "selgeo:commissionRules": s.commissionRules,
    ...s.extra,
  };
}

/** A `golive` child process: its output so far, and its result once it exits. */
export interface GoliveRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
}

/** Starts `node bin/golive.js <args>` without a terminal. */
export function startGolive(args: string[], env: NodeJS.ProcessEnv, cwd?: string): GoliveRun {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "golive.js"), ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d));
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** `node bin/golive.js <args>` as a child process without a terminal; its exit code and output. */
export function runGolive(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<CliResult> {
  return startGolive(args, env, cwd).done;
}

/** Polls `fn` until it returns a truthy value; fails naming `what` after `ms`. */
export async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 20_000, everyMs = 200): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, everyMs));
  }
}
