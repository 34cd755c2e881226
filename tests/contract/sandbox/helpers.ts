/**
 * Helpers for the sandbox contract tests (and the Stripe emulator's): a sandbox on a free port with
 * its own temp data dir and SQLite database, a small JSON client over real HTTP, and a real webhook
 * receiver.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { ErrorBody } from "@selgeo-golive/runtime";
import type { RunningSandbox, SandboxOptions } from "../../../sandbox/server";
import { startSandbox } from "../../../sandbox/server";
import { afterAll, beforeAll } from "vitest";

const REPO = path.resolve(__dirname, "../../..");

/** `sandbox/main.ts` (what `golive sandbox` runs) as a child process. */
export interface SandboxCommand {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The first stdout line (the SandboxInfo JSON); fails if the command exits before printing it. */
  firstLine: Promise<string>;
}

/** Starts `sandbox/main.ts <args>` from the repository root, collecting its output. */
export function spawnSandboxCommand(args: string[]): SandboxCommand {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "sandbox/main.ts", ...args], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes("\n")) resolve(stdout.slice(0, stdout.indexOf("\n")));
    });
    child.once("exit", (code) => reject(new Error(`sandbox exited early (${code}): ${stderr}`)));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, firstLine };
}

/** A fresh temp dir (the caller removes it). */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "selgeo-contract-"));
}

/** A sandbox on port 0; without `dataDir` it gets a fresh temp dir that `close` removes. */
export async function startTestSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  return startSandbox({ port: 0, ...opts });
}

/** A running sandbox with its default merchant's keys at hand. */
export interface TestSandbox extends RunningSandbox {
  /** Test-mode secret key. */
  sk: string;
  /** Live-mode secret key. */
  liveSk: string;
  /** Test-mode publishable key. */
  pk: string;
}

/**
 * A sandbox for the current file or describe block: started (port 0, fresh data dir and database)
 * in `beforeAll`, closed in `afterAll`; the returned object is filled in before the first test.
 */
export function useSandbox(opts: SandboxOptions = {}): TestSandbox {
  const sb = {} as TestSandbox;
  beforeAll(async () => {
    const running = await startTestSandbox(opts);
    Object.assign(sb, running, { sk: running.info.keys.test.sk, liveSk: running.info.keys.live.sk, pk: running.info.keys.test.pk });
  });
  afterAll(async () => {
    await sb.close?.();
  });
  return sb;
}

/** A JSON response: status, headers and the parsed body. */
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

/** Sends one request; `key` becomes `Authorization: Bearer <key>`. */
export async function call<T = any>(
  base: string,
  method: string,
  pathname: string,
  opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.Authorization = `Bearer ${opts.key}`;
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(base + pathname, {
    method,
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

/** Asserts the error format and returns the error. */
export function expectError(res: JsonResponse, status: number, code: string): ErrorBody["error"] {
  if (res.status !== status || res.body?.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${res.text}`);
  }
  return ErrorBody.parse(res.body).error;
}

/** A delivery as a receiver saw it. */
export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A local webhook receiver; `decide` picks the status to answer (default 200). */
export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a webhook receiver on a free loopback port. */
export async function startReceiver(decide: (headers: http.IncomingHttpHeaders, body: string) => number = () => 200): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const status = decide(req.headers, body);
      received.push({ headers: req.headers, body, status });
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ received: status < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/selgeo`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A valid create body for a test-mode endpoint. */
export function endpointBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { url: "https://hooks.example.com/selgeo", events: ["conversion.created", "commission.created"], ...overrides };
}
