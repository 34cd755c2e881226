/**
 * Events and webhook deliveries: fan-out, signing, sending, the retry schedule and the worker.
 *
 * A delivery is due when `next_retry_at <= sandbox now`; the worker polls for due deliveries, and
 * `POST /_sandbox/clock/advance` processes them at once, so a test can walk the whole 24-hour
 * schedule in a second. Each delivery re-sends the exact bytes of its event, so a receiver that
 * stored the first attempt's body can deduplicate by `Selgeo-Event-Id`.
 */
import { type DeliveryStatus, type WebhookDelivery, type WebhookEventPayload, EVENT_TYPES, ID_PREFIXES, RETRY_SCHEDULE_SECONDS, buildSignatureHeader, generateWebhookSecret, SELGEO_SIGNATURE_HEADER } from "@selgeo-golive/runtime";
import type { SandboxClock } from "./clock";
import type { SandboxDb } from "./db";
import type { EndpointRow } from "./endpoints";
import { signingSecrets } from "./endpoints";
import { ApiError } from "./errors";
import { newId } from "./ids";
import { postWebhook } from "./postWebhook";
import { RetryWorker } from "./retryWorker";
import type { ScopedRow } from "./tableSql";

/** How long a receiver may take to answer, milliseconds. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Deliveries the worker starts per tick: keeps one slow receiver from being flooded. */
const WORKER_BATCH = 50;

/** A `webhook_deliveries` row. */
export interface DeliveryRow extends ScopedRow {
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  response_status: number | null;
  next_retry_at: number | null;
  forge_signature: number;
  last_error: string | null;
  created: number;
}

/** The wire object. */
export function deliveryObject(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    object: "webhook_delivery",
    livemode: row.livemode === 1,
    endpoint: row.endpoint_id,
    event: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    response_status: row.response_status,
    next_retry_at: row.next_retry_at,
    // Says whether this delivery was a deliberately forged ping, so a monitor can tell
    // verification's expected rejections from a receiver that is really failing.
    signature: row.forge_signature ? "invalid" : "valid",
    created: row.created,
  };
}

/** Something to log through (the server's stderr logger). */
export type Logger = (message: string) => void;

/** Creates events, sends deliveries and runs the retry worker for one sandbox. */
export class DeliveryService extends RetryWorker {
  constructor(
    private readonly db: SandboxDb,
    private readonly clock: SandboxClock,
    log: Logger = () => {},
    private readonly timeoutMs: number = DELIVERY_TIMEOUT_MS,
  ) {
    super(log, "delivery");
  }

  /**
   * Records an event and queues a delivery to every enabled endpoint of the account and mode that
   * subscribes to its type. Later features (conversions, commissions…) call this.
   */
  emitEvent(accountId: string, livemode: boolean, type: string, object: Record<string, unknown>): { event: WebhookEventPayload; deliveries: WebhookDelivery[] } {
    // A typo here would silently reach no endpoint; fail loudly in the calling code instead.
    if (!(EVENT_TYPES as readonly string[]).includes(type)) throw new Error(`emitEvent: unknown event type '${type}' (known: ${EVENT_TYPES.join(", ")})`);
    const now = this.clock.nowSeconds();
    const result = this.db.transaction(() => {
      const event = this.insertEvent(accountId, livemode, type, object, now);
      const endpoints = this.db
        .prepare("SELECT * FROM webhook_endpoints WHERE account_id = ? AND livemode = ? AND status = 'enabled' ORDER BY seq")
        .all(accountId, livemode ? 1 : 0) as EndpointRow[];
      const deliveries = endpoints
        .filter((e) => (JSON.parse(e.events) as string[]).includes(type))
        .map((e) => this.insertDelivery(e, event, now, now, false));
      return { event, deliveries };
    })();
    // Attempt 1 is "immediate": do not wait for the next worker tick.
    if (result.deliveries.length > 0 && !this.closed) setImmediate(() => void this.processDue());
    return { event: result.event, deliveries: result.deliveries.map(deliveryObject) };
  }

  /**
   * Sends a `ping` event to one endpoint now (whether or not it subscribes to `ping`) and returns
   * the delivery after the attempt. `forge` signs with a random wrong secret, so a merchant can
   * show that their receiver rejects forged deliveries; a forged ping is never retried.
   */
  async ping(endpoint: EndpointRow, forge: boolean): Promise<WebhookDelivery> {
    const now = this.clock.nowSeconds();
    const delivery = this.db.transaction(() => {
      const event = this.insertEvent(endpoint.account_id, endpoint.livemode === 1, "ping", {
        object: "ping",
        webhook_endpoint: endpoint.id,
        message: "Ping from Selgeo: your endpoint is reachable.",
      }, now);
      // next_retry_at stays null until the attempt below finishes, so the worker cannot race it.
      return this.insertDelivery(endpoint, event, now, null, forge);
    })();
    await this.attempt(delivery.id);
    return deliveryObject(this.getRow(delivery.id));
  }

  /** Re-attempts a delivery now (manual retry) and returns it after the attempt. */
  async retryNow(row: DeliveryRow): Promise<WebhookDelivery> {
    const endpointExists = this.db.prepare("SELECT 1 FROM webhook_endpoints WHERE id = ?").get(row.endpoint_id);
    if (!endpointExists) {
      throw new ApiError(409, "conflict_error", "endpoint_deleted", `The webhook endpoint ${row.endpoint_id} of this delivery was deleted; there is nothing to retry to.`);
    }
    await this.attempt(row.id);
    return deliveryObject(this.getRow(row.id));
  }

  protected dueIds(): string[] {
    const due = this.db
      .prepare(
        "SELECT id FROM webhook_deliveries WHERE next_retry_at IS NOT NULL AND next_retry_at <= ? AND status IN ('pending', 'failed') ORDER BY next_retry_at, seq LIMIT ?",
      )
      .all(this.clock.nowSeconds(), WORKER_BATCH + this.inFlight.size) as { id: string }[];
    return due.map((d) => d.id);
  }

  protected async send(id: string): Promise<void> {
    const row = this.getRow(id);
    const endpoint = this.db.prepare("SELECT * FROM webhook_endpoints WHERE id = ?").get(row.endpoint_id) as EndpointRow | undefined;
    if (!endpoint) {
      // Deleted endpoint: stop the schedule, keep the log entry.
      this.db
        .prepare("UPDATE webhook_deliveries SET status = 'failed', next_retry_at = NULL, last_error = 'endpoint deleted' WHERE id = ? AND status IN ('pending', 'failed')")
        .run(id);
      return;
    }
    const { payload } = this.db.prepare("SELECT payload FROM events WHERE id = ?").get(row.event_id) as { payload: string };
    // Signature timestamps use real time: the receiver checks them against its own clock, and
    // an advanced sandbox clock would push them outside its tolerance.
    const t = Math.floor(this.clock.realNowMs() / 1000);
    const secrets = row.forge_signature ? [generateWebhookSecret()] : signingSecrets(endpoint, this.clock.nowSeconds());
    const outcome = await this.abortable((signal) =>
      postWebhook(endpoint.url, payload, {
        "User-Agent": "Selgeo-Sandbox/1 (+webhooks)",
        [SELGEO_SIGNATURE_HEADER]: buildSignatureHeader(t, secrets, payload),
        "Selgeo-Event-Id": row.event_id,
        "Selgeo-Delivery-Id": row.id,
      }, this.timeoutMs, signal),
    );
    if (this.closed) return; // shutting down: leave the delivery due; it is retried after a restart
    this.recordAttempt(row, outcome.status, outcome.error);
  }

  private recordAttempt(row: DeliveryRow, status: number | null, error: string | null): void {
    const now = this.clock.nowSeconds();
    const attempts = this.getRow(row.id).attempts + 1;
    const succeeded = status !== null && status >= 200 && status < 300;
    let next: number | null = null;
    let newStatus: DeliveryStatus;
    if (succeeded) {
      newStatus = "succeeded";
    } else if (attempts >= RETRY_SCHEDULE_SECONDS.length) {
      newStatus = "dead_lettered";
    } else {
      newStatus = "failed";
      // A forged ping is expected to be rejected; retrying it would only spam the receiver.
      next = row.forge_signature ? null : now + RETRY_SCHEDULE_SECONDS[attempts];
    }
    this.db
      .prepare("UPDATE webhook_deliveries SET status = ?, attempts = ?, response_status = ?, next_retry_at = ?, last_error = ? WHERE id = ?")
      .run(newStatus, attempts, status, next, error ?? (succeeded ? null : `HTTP ${status}`), row.id);
    this.log(`delivery ${row.id} (${row.event_type}) attempt ${attempts}: ${error ?? `HTTP ${status}`} -> ${newStatus}`);
  }

  private insertEvent(accountId: string, livemode: boolean, type: string, object: Record<string, unknown>, now: number): WebhookEventPayload {
    const event: WebhookEventPayload = { id: newId(ID_PREFIXES.event), object: "event", type, livemode, created: now, data: { object } };
    this.db
      .prepare("INSERT INTO events (id, account_id, livemode, type, payload, created) VALUES (?, ?, ?, ?, ?, ?)")
      .run(event.id, accountId, livemode ? 1 : 0, type, JSON.stringify(event), now);
    return event;
  }

  private insertDelivery(endpoint: EndpointRow, event: WebhookEventPayload, now: number, due: number | null, forge: boolean): DeliveryRow {
    const id = newId(ID_PREFIXES.delivery);
    this.db
      .prepare(
        `INSERT INTO webhook_deliveries (id, account_id, livemode, endpoint_id, event_id, event_type, status, attempts, next_retry_at, forge_signature, created)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
      )
      .run(id, endpoint.account_id, endpoint.livemode, endpoint.id, event.id, event.type, due, forge ? 1 : 0, now);
    return this.getRow(id);
  }

  private getRow(id: string): DeliveryRow {
    return this.db.prepare("SELECT * FROM webhook_deliveries WHERE id = ?").get(id) as DeliveryRow;
  }
}

