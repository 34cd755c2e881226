/**
 * A local webhook receiver that accepts only Selgeo deliveries whose `Selgeo-Signature` verifies,
 * reading the signing secret from Secrets Manager on every delivery, as a merchant's server would
 * (so a rotated or restored secret is picked up at once). The demo and `golive sandbox` both use it.
 */
import { createServer, type Server } from "node:http";
import { verifySignatureHeader } from "@selgeo-golive/runtime";

/** Why a delivery was refused (for the log line). */
export type Rejection = "unknown path" | "no secret" | "bad signature";

/** Options of {@link VerifyingReceiver}. */
export interface VerifyingReceiverOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  host?: string;
  /** One line per delivery (accepted or refused), without the trailing newline. */
  log?: (line: string) => void;
}

/** A webhook receiver on one port; `secretFor(path)` answers the secret that signs deliveries to that path. */
export class VerifyingReceiver {
  constructor(
    private readonly secretFor: (path: string) => Promise<string | undefined>,
    private readonly opts: VerifyingReceiverOptions = {},
  ) {}
  verified = 0;
  rejected = 0;
  /** Event types of the deliveries that verified. */
  readonly events: string[] = [];
  private server?: Server;
  url = "";

  async start(): Promise<void> {
    const log = this.opts.log ?? (() => {});
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const path = (req.url ?? "").split("?")[0];
        let secret: string | undefined;
        let reason: Rejection | undefined;
        try {
          secret = await this.secretFor(path);
          if (secret === undefined) reason = "unknown path";
        } catch {
          reason = "no secret";
        }
        const header = String(req.headers["selgeo-signature"] ?? "");
        const type = eventType(body);
        if (secret && verifySignatureHeader(header, body, secret).ok) {
          this.verified++;
          this.events.push(type);
          log(`${path}: ${type} verified (200)`);
          res.writeHead(200).end("ok");
        } else {
          this.rejected++;
          const why = reason ?? "bad signature";
          log(`${path}: ${type} rejected (${why}, 400)`);
          res.writeHead(400).end(why);
        }
      });
    });
    const port = this.opts.port ?? 0;
    const host = this.opts.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, host, () => resolve());
    });
    const addr = this.server.address();
    this.url = `http://${host}:${typeof addr === "object" && addr ? addr.port : port}`;
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

function eventType(body: string): string {
  try {
    return String((JSON.parse(body) as { type?: string }).type);
  } catch {
    return "(not JSON)";
  }
}
