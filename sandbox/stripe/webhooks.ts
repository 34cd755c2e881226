/**
 * Stripe events and their delivery to webhook endpoints.
 *
 * An event goes to every enabled endpoint of its mode whose `enabled_events` contains its type or
 * `*`. Each delivery is a POST of the event as pretty-printed JSON (as Stripe sends it; receivers
 * must verify the raw bytes, never a re-serialisation) with
 * `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, which is what
 * stripe-node's `webhooks.constructEvent` checks. The body is rendered once per endpoint (its
 * `api_version` may differ from the account default) and stored, so every retry sends the same
 * bytes; only the signature is recomputed with a fresh timestamp, as Stripe does.
 *
 * Retries are kept short and bounded, in real time (Stripe's own schedule spans three days, which
 * no rehearsal wants to wait for): immediately, then after 1 s, 5 s and 30 s; after the fourth
 * failure the delivery is `failed` for good. 2xx is success; anything else, a redirect, a connection
 * error or no answer within the timeout is a failure. Due deliveries survive a restart.
 */
import type { SandboxClock } from "../clock";
import type { SandboxDb } from "../db";
import { newId } from "../ids";
import type { StripeEndpointRow } from "./endpoints";
import { postWebhook } from "../postWebhook";
import { RetryWorker } from "../retryWorker";
import { signPayload } from "@selgeo-golive/runtime";

/** The API version events are rendered in when an endpoint has none: the version stripe-node 23.1 pins. */
export const DEFAULT_STRIPE_API_VERSION = "2026-10-28.endive";
/** Delay before attempt n+2 after attempt n+1 failed, ms; its length + 1 is the attempt limit. */
export const STRIPE_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000];
/** How long a receiver may take to answer, ms. */
export const STRIPE_DELIVERY_TIMEOUT_MS = 10_000;

/** A Stripe `event` object. */
export interface StripeEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

/** A `stripe_emu_deliveries` row. */
interface DeliveryRow {
  seq: number;
  id: string;
  livemode: number;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  url: string;
  /** The exact bytes every attempt sends; kept out of the log, which is read for its outcome. */
  body: string;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  response_status: number | null;
  last_error: string | null;
  /** Real time of the next attempt, unix ms; null when done. */
  next_attempt_at: number | null;
  created: number;
}

/**
 * A delivery as `GET /_stripe/deliveries` shows it (the log; not a Stripe object): its row without
 * the storage details, with `livemode` a boolean and the endpoint and event named like Stripe's.
 */
export interface StripeDelivery extends Omit<DeliveryRow, "seq" | "livemode" | "endpoint_id" | "event_id" | "body"> {
  object: "stripe_delivery";
  livemode: boolean;
  endpoint: string;
  event: string;
}

function deliveryObject(row: DeliveryRow): StripeDelivery {
  const { seq: _seq, id, livemode, endpoint_id, event_id, body: _body, ...outcome } = row;
  return { id, object: "stripe_delivery", livemode: livemode === 1, endpoint: endpoint_id, event: event_id, ...outcome };
}

/** `t=…,v1=…` for a body, as Stripe signs. */
export function stripeSignatureHeader(secret: string, timestamp: number, body: string): string {
  // Stripe's scheme is Selgeo's: HMAC-SHA256 of "<t>.<raw body>", hex.
  return `t=${timestamp},v1=${signPayload(secret, timestamp, body)}`;
}

/** Creates events, delivers them and retries failures for one emulator. */
export class StripeWebhookService extends RetryWorker {
  constructor(
    private readonly db: SandboxDb,
    private readonly clock: SandboxClock,
    log: (line: string) => void = () => {},
    private readonly timeoutMs: number = STRIPE_DELIVERY_TIMEOUT_MS,
  ) {
    super(log, "stripe delivery");
  }

  /** Starts the retry worker; deliveries that were due when the previous process stopped go out now. */
  override start(): void {
    super.start();
    setImmediate(() => void this.processDue());
  }

  /**
   * Records an event and queues its deliveries: to `only` (one endpoint, subscribed or not: the
   * dashboard's "send test event"), else to every enabled subscribed endpoint of the mode.
   * Attempt 1 starts at once; the returned deliveries are as queued.
   */
  emit(
    livemode: boolean,
    type: string,
    object: Record<string, unknown>,
    options: { only?: StripeEndpointRow; previousAttributes?: Record<string, unknown> } = {},
  ): { event: StripeEvent; deliveries: StripeDelivery[] } {
    const { only, previousAttributes } = options;
    const now = this.clock.nowSeconds();
    const result = this.db.transaction(() => {
      const endpoints = only
        ? [only]
        : (this.db.prepare("SELECT * FROM stripe_emu_webhook_endpoints WHERE livemode = ? AND status = 'enabled' ORDER BY seq").all(livemode ? 1 : 0) as StripeEndpointRow[]).filter(
            (e) => {
              const events = JSON.parse(e.enabled_events) as string[];
              return events.includes("*") || events.includes(type);
            },
          );
      const event: StripeEvent = {
        id: newId("evt_"),
        object: "event",
        api_version: DEFAULT_STRIPE_API_VERSION,
        created: now,
        data: previousAttributes ? { object, previous_attributes: previousAttributes } : { object },
        livemode,
        pending_webhooks: endpoints.length,
        request: { id: null, idempotency_key: null },
        type,
      };
      this.db.prepare("INSERT INTO stripe_emu_events (id, livemode, type, data, created) VALUES (?, ?, ?, ?, ?)").run(event.id, livemode ? 1 : 0, type, JSON.stringify(event), now);
      const dueAt = this.clock.realNowMs();
      const deliveries = endpoints.map((e) => {
        const body = JSON.stringify({ ...event, api_version: e.api_version ?? DEFAULT_STRIPE_API_VERSION }, null, 2);
        const id = newId("whdel_");
        this.db
          .prepare(
            `INSERT INTO stripe_emu_deliveries (id, livemode, endpoint_id, event_id, event_type, url, body, status, attempts, next_attempt_at, created)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
          )
          .run(id, livemode ? 1 : 0, e.id, event.id, type, e.url, body, dueAt, now);
        return this.getRow(id);
      });
      return { event, deliveries };
    })();
    if (result.deliveries.length > 0 && !this.closed) setImmediate(() => void this.processDue());
    return { event: result.event, deliveries: result.deliveries.map(deliveryObject) };
  }

  /** Waits until each delivery has had at least one attempt (for `wait: true` on the /_stripe routes). */
  async settleFirstAttempts(ids: readonly string[]): Promise<StripeDelivery[]> {
    for (const id of ids) if (this.getRow(id).attempts === 0 && !this.closed) await this.attempt(id);
    return ids.map((id) => deliveryObject(this.getRow(id)));
  }

  /** The delivery log, newest first, optionally filtered. */
  list(filter: { endpoint?: string; event?: string; status?: string; livemode?: boolean }, limit = 100): StripeDelivery[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.endpoint !== undefined) {
      where.push("endpoint_id = ?");
      args.push(filter.endpoint);
    }
    if (filter.event !== undefined) {
      where.push("event_id = ?");
      args.push(filter.event);
    }
    if (filter.status !== undefined) {
      where.push("status = ?");
      args.push(filter.status);
    }
    if (filter.livemode !== undefined) {
      where.push("livemode = ?");
      args.push(filter.livemode ? 1 : 0);
    }
    const rows = this.db
      .prepare(`SELECT * FROM stripe_emu_deliveries ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY seq DESC LIMIT ?`)
      .all(...args, limit) as DeliveryRow[];
    return rows.map(deliveryObject);
  }

  protected dueIds(): string[] {
    const due = this.db
      .prepare("SELECT id FROM stripe_emu_deliveries WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT 50")
      .all(this.clock.realNowMs()) as { id: string }[];
    return due.map((d) => d.id);
  }

  protected async send(id: string): Promise<void> {
    const row = this.getRow(id);
    if (row.status !== "pending") return;
    const endpoint = this.db.prepare("SELECT * FROM stripe_emu_webhook_endpoints WHERE id = ?").get(row.endpoint_id) as StripeEndpointRow | undefined;
    if (!endpoint || endpoint.status !== "enabled") {
      // Stripe stops delivering to a deleted or disabled endpoint; the log keeps the entry.
      this.finish(row, "failed", row.attempts, row.response_status, endpoint ? "endpoint disabled" : "endpoint deleted");
      return;
    }
    // Signature timestamps are real time: the receiver checks them against its own clock.
    const t = Math.floor(this.clock.realNowMs() / 1000);
    const outcome = await this.abortable((signal) =>
      postWebhook(
        row.url,
        row.body,
        { "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)", "Stripe-Signature": stripeSignatureHeader(endpoint.secret, t, row.body) },
        this.timeoutMs,
        signal,
        "application/json; charset=utf-8",
      ),
    );
    if (this.closed) return; // shutting down: the delivery stays due and resumes after a restart
    const attempts = row.attempts + 1;
    const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const error = ok ? null : (outcome.error ?? `HTTP ${outcome.status}`);
    if (ok) this.finish(row, "succeeded", attempts, outcome.status, null);
    else if (attempts > STRIPE_RETRY_DELAYS_MS.length) this.finish(row, "failed", attempts, outcome.status, error);
    else {
      this.db
        .prepare("UPDATE stripe_emu_deliveries SET attempts = ?, response_status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?")
        .run(attempts, outcome.status, error, this.clock.realNowMs() + STRIPE_RETRY_DELAYS_MS[attempts - 1], id);
    }
    this.log(`stripe delivery ${id} (${row.event_type} -> ${row.url}) attempt ${attempts}: ${error ?? `HTTP ${outcome.status}`}`);
  }

  private finish(row: DeliveryRow, status: "succeeded" | "failed", attempts: number, responseStatus: number | null, error: string | null): void {
    this.db
      .prepare("UPDATE stripe_emu_deliveries SET status = ?, attempts = ?, response_status = ?, last_error = ?, next_attempt_at = NULL WHERE id = ?")
      .run(status, attempts, responseStatus, error, row.id);
  }

  private getRow(id: string): DeliveryRow {
    return this.db.prepare("SELECT * FROM stripe_emu_deliveries WHERE id = ?").get(id) as DeliveryRow;
  }
}

