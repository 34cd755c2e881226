/** Webhook endpoint routes: CRUD, `rotate_secret` and `ping`. */
import { DEFAULT_ROTATION_OVERLAP_SECONDS, ID_PREFIXES, PingRequest, RotateSecretRequest, generateWebhookSecret } from "@selgeo-golive/runtime";
import type { EndpointRow } from "../endpoints";
import { endpointObject, getEndpoint, validateEndpointFields } from "../endpoints";
import { newId } from "../ids";
import { listPage } from "../pagination";
import { type Route, route } from "../router";
import { parseBody } from "../validate";

/** Default overlap after a rotation, seconds. */
export { DEFAULT_ROTATION_OVERLAP_SECONDS };

/** Webhook endpoint routes. */
export const webhookEndpointRoutes: Route[] = [
  route("GET /api/v1/webhook_endpoints", "sk", (req, { db, clock }) => ({
    status: 200,
    body: listPage<EndpointRow, unknown>(
      db,
      "webhook_endpoints",
      { where: "account_id = ? AND livemode = ?", args: [req.auth.accountId, req.auth.livemode ? 1 : 0] },
      req.query,
      (row) => endpointObject(row, clock.nowSeconds()),
    ),
  })),
  route("POST /api/v1/webhook_endpoints", "sk", (req, { db, clock }) => {
    const fields = validateEndpointFields(req.body, req.auth.mode, false);
    const id = newId(ID_PREFIXES.webhookEndpoint);
    const secret = generateWebhookSecret();
    const now = clock.nowSeconds();
    db.prepare(
      `INSERT INTO webhook_endpoints (id, account_id, livemode, url, events, description, status, metadata, secret, created)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      req.auth.accountId,
      req.auth.livemode ? 1 : 0,
      fields.url,
      JSON.stringify(fields.events),
      fields.description ?? "",
      fields.status ?? "enabled",
      JSON.stringify(fields.metadata ?? {}),
      secret,
      now,
    );
    return { status: 200, body: endpointObject(getEndpoint(db, req.auth, id), now, secret) };
  }),
  route("GET /api/v1/webhook_endpoints/{id}", "sk", (req, { db, clock }) => ({ status: 200, body: endpointObject(getEndpoint(db, req.auth, req.params.id), clock.nowSeconds()) })),
  route("POST /api/v1/webhook_endpoints/{id}", "sk", (req, { db, clock }) => {
    const row = getEndpoint(db, req.auth, req.params.id);
    const f = validateEndpointFields(req.body, req.auth.mode, true);
    // metadata replaces the whole map (no per-key merge): what you send is what is stored,
    // which keeps declarative callers (Pulumi) free of "remove a key" special cases.
    db.prepare("UPDATE webhook_endpoints SET url = ?, events = ?, description = ?, status = ?, metadata = ? WHERE id = ?").run(
      f.url ?? row.url,
      f.events ? JSON.stringify(f.events) : row.events,
      f.description ?? row.description,
      f.status ?? row.status,
      f.metadata ? JSON.stringify(f.metadata) : row.metadata,
      row.id,
    );
    return { status: 200, body: endpointObject(getEndpoint(db, req.auth, row.id), clock.nowSeconds()) };
  }),
  route("DELETE /api/v1/webhook_endpoints/{id}", "sk", (req, { db }) => {
    const row = getEndpoint(db, req.auth, req.params.id);
    db.transaction(() => {
      db.prepare("DELETE FROM webhook_endpoints WHERE id = ?").run(row.id);
      // Stop pending retries; the log entries stay for the record.
      db.prepare(
        "UPDATE webhook_deliveries SET status = 'failed', next_retry_at = NULL, last_error = 'endpoint deleted' WHERE endpoint_id = ? AND status IN ('pending', 'failed')",
      ).run(row.id);
    })();
    return { status: 200, body: { id: row.id, object: "webhook_endpoint", deleted: true } };
  }),
  route("POST /api/v1/webhook_endpoints/{id}/rotate_secret", "sk", (req, { db, clock }) => {
    const row = getEndpoint(db, req.auth, req.params.id);
    const parsed = parseBody(RotateSecretRequest, req.body);
    const expiresIn = parsed.expires_in ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
    const now = clock.nowSeconds();
    const secret = generateWebhookSecret();
    // Only the secret being replaced keeps signing; an older one still in overlap is dropped,
    // so a delivery never carries more than two signatures.
    db.prepare("UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_expires_at = ? WHERE id = ?").run(
      secret,
      expiresIn > 0 ? row.secret : null,
      expiresIn > 0 ? now + expiresIn : null,
      row.id,
    );
    return { status: 200, body: endpointObject(getEndpoint(db, req.auth, row.id), now, secret) };
  }),
  route("POST /api/v1/webhook_endpoints/{id}/ping", "sk", async (req, { db, deliveries }) => {
    const row = getEndpoint(db, req.auth, req.params.id);
    const { signature = "valid" } = parseBody(PingRequest, req.body);
    return { status: 200, body: await deliveries.ping(row, signature === "invalid") };
  }),
];
