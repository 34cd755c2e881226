/**
 * Helpers for the Stripe emulator contract tests: the official SDK pointed at the emulator, calls
 * to the sandbox-only `/_stripe/` routes, and a webhook receiver that verifies every delivery with
 * the SDK's own `stripe.webhooks.constructEvent`.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import Stripe from "stripe";
import type { RunningSandbox, SandboxOptions } from "../../../../sandbox/server";
import * as sandboxHelpers from "../helpers";

/** Deliveries give up after 2 s, so a test waiting on a dead receiver is not held up. */
const STRIPE_DEFAULTS: SandboxOptions = { deliveryTimeoutMs: 2_000 };

/** A sandbox on port 0 (Stripe emulator on a free port too); fresh temp data dir unless given. */
export function startTestSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  return sandboxHelpers.startTestSandbox({ ...STRIPE_DEFAULTS, ...opts });
}

/** The sandbox helpers' `useSandbox` with the Stripe suites' defaults. */
export function useSandbox(opts: SandboxOptions = {}): sandboxHelpers.TestSandbox {
  return sandboxHelpers.useSandbox({ ...STRIPE_DEFAULTS, ...opts });
}

/** The official SDK, talking to a base URL such as `http://127.0.0.1:41234`. */
export function stripeAt(baseUrl: string, secretKey: string): Stripe {
  const u = new URL(baseUrl);
  return new Stripe(secretKey, { host: u.hostname, port: Number(u.port), protocol: "http", maxNetworkRetries: 0 });
}

/** The SDK for one mode of the sandbox's emulator. */
export function stripeFor(sb: RunningSandbox, mode: "test" | "live"): Stripe {
  const keys = sb.info.stripe_keys;
  if (!keys || !sb.info.stripe_url) throw new Error("the sandbox did not report stripe_url / stripe_keys");
  return stripeAt(sb.info.stripe_url, keys[mode].secret_key);
}

/** A JSON call to the emulator listener (sandbox routes, or raw /v1 requests). */
export async function stripeCall<T = any>(
  sb: RunningSandbox,
  method: string,
  pathname: string,
  opts: { body?: unknown; form?: string; key?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: T; text: string }> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  } else if (opts.form !== undefined) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = opts.form;
  }
  if (opts.key) headers.Authorization = `Bearer ${opts.key}`;
  const res = await fetch(sb.stripeUrl + pathname, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
}

/** One delivery as the receiver saw it, with the SDK's verdict. */
export interface VerifiedDelivery {
  raw: string;
  signature: string;
  /** The event as `constructEvent` returned it; undefined when verification failed. */
  event?: Stripe.Event;
  error?: string;
  status: number;
}

/** A local webhook receiver that verifies with `stripe.webhooks.constructEvent`. */
export interface VerifyingReceiver {
  url: string;
  deliveries: VerifiedDelivery[];
  /** The signing secret to verify with (set after creating the endpoint). */
  secret: string;
  /** Status to answer verified deliveries with (default 200); a function sees the attempt number. */
  respond: (n: number) => number;
  /** Resolves once `count` deliveries arrived (fails after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<VerifiedDelivery[]>;
  close(): Promise<void>;
}

/** Starts a verifying receiver on a free loopback port. */
export async function startVerifyingReceiver(): Promise<VerifyingReceiver> {
  // Verification needs no API key: the SDK's static webhooks helper is the one instances use.
  const verifier = Stripe;
  const state: VerifyingReceiver = {
    url: "",
    deliveries: [],
    secret: "",
    respond: () => 200,
    waitFor: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (state.deliveries.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} deliveries, got ${state.deliveries.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return state.deliveries;
    },
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const signature = String(req.headers["stripe-signature"] ?? "");
      const d: VerifiedDelivery = { raw, signature, status: 0 };
      try {
        d.event = verifier.webhooks.constructEvent(raw, signature, state.secret);
        d.status = state.respond(state.deliveries.length + 1);
      } catch (e) {
        d.error = (e as Error).message;
        d.status = 400;
      }
      state.deliveries.push(d);
      res.writeHead(d.status, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ received: d.status < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** Polls until `check` returns a value other than undefined. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
