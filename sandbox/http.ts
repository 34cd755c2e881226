/** Low-level HTTP helpers: reading bodies, writing JSON. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "http";
import { ApiError, invalidRequest } from "./errors";

/** Largest request body accepted, bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads the whole request body; rejects bodies over {@link MAX_BODY_BYTES}. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Keep draining so the connection stays usable for the error response.
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooLarge) reject(invalidRequest("body_too_large", `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
      else resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

/**
 * Parses a JSON request body into an object. An empty body is `{}` so that body-less POSTs
 * (`…/rotate_secret`, `…/retry`) need no `Content-Type` ceremony.
 */
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  const text = raw.toString("utf8");
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalidRequest("invalid_json", `The request body is not valid JSON (${(e as Error).message}). Send a JSON object with Content-Type: application/json.`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidRequest("invalid_json", "The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/** Writes a JSON response (the body string is passed through so replays are byte-identical). */
export function writeJson(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(body);
}

/** Turns anything thrown by a handler into an {@link ApiError}. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(500, "api_error", "internal_error", "The sandbox hit an unexpected error; see its stderr log. This is a bug in the sandbox.");
}

/**
 * An HTTP server for the sandbox and the Stripe emulator: each request is tracked in `active` until
 * answered (close() waits for them), and a handler that throws (e.g. a request line the URL parser
 * rejects) is logged and answered 400 with `badRequestBody`, never crashing the process.
 */
export function trackedServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  log: (line: string) => void,
  logPrefix: string,
  badRequestBody: string,
): { server: Server; active: Set<Promise<void>> } {
  const active = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const p = handle(req, res)
      .catch((err: unknown) => {
        log(`${logPrefix}${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
        if (!res.headersSent) writeJson(res, 400, badRequestBody, {});
        else res.destroy();
      })
      .finally(() => active.delete(p));
    active.add(p);
  });
  // Close idle keep-alive sockets promptly so close() is not held up by clients' pools.
  server.keepAliveTimeout = 5_000;
  return { server, active };
}
