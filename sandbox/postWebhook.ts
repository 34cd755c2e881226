/**
 * One delivery attempt to a webhook receiver, shared by Selgeo's deliveries and the Stripe
 * emulator's. node:http rather than fetch: fetch refuses "bad ports" (e.g. 6000) that a merchant's
 * local receiver may well use, and follows redirects, which for a webhook would hide a misconfigured
 * URL behind a success.
 */
import * as http from "http";
import * as https from "https";
import { activeCreateConnection } from "@selgeo-golive/runtime";

/** What an attempt came to: the receiver's status code, or why there is none. */
export interface PostOutcome {
  status: number | null;
  error: string | null;
}

/** POSTs `body` once and reports the status code, or the reason there is none. */
export function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
  contentType = "application/json",
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, error });
    };
    const target = new URL(url);
    // In a dress rehearsal the receiver's host is a local listener (runtime/src/resolverMap.ts).
    const createConnection = activeCreateConnection(target.protocol);
    const request = (target.protocol === "https:" ? https : http).request(target, {
      method: "POST",
      headers: { ...headers, "Content-Type": contentType, "Content-Length": String(Buffer.byteLength(body)) },
      // One connection per attempt: no pooled socket from an earlier attempt can go stale
      // (createConnection makes one per request too; node uses it only without an agent).
      ...(createConnection ? { createConnection, agent: undefined, defaultPort: target.protocol === "https:" ? 443 : 80 } : { agent: false }),
      signal,
    });
    const timer = setTimeout(() => {
      done(null, `timed out after ${timeoutMs} ms`);
      request.destroy();
    }, timeoutMs);
    request.on("response", (res) => {
      // Drain the body: the attempt is over only when the receiver finished answering.
      res.on("data", () => {});
      res.on("end", () => done(res.statusCode ?? null, null));
      res.on("error", (err) => done(res.statusCode ?? null, err.message));
    });
    request.on("error", (err: NodeJS.ErrnoException) => done(null, signal.aborted ? "aborted: sandbox shutting down" : (err.code ?? err.message)));
    request.end(body);
  });
}
