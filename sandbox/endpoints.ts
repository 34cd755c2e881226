import { createHash } from "node:crypto";
/** Webhook endpoint storage, validation and wire shape. */
import { type EndpointStatus, type Mode, type WebhookEndpoint, WebhookEndpointCreate, WebhookEndpointUpdate, checkWebhookUrl, normalizeWebhookUrl } from "@selgeo-golive/runtime";
import type { AuthContext } from "./auth";
import type { SandboxDb } from "./db";
import { ApiError, invalidRequest, resourceMissing } from "./errors";
import type { ScopedRow } from "./tableSql";
import { parseBody } from "./validate";

/** A `webhook_endpoints` row. */
export interface EndpointRow extends ScopedRow {
  url: string;
  events: string;
  description: string;
  status: EndpointStatus;
  metadata: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  created: number;
}

/** Validated endpoint fields (all optional: create checks required ones separately). */
export type EndpointFields = WebhookEndpointUpdate;

/**
 * Validates a create (`partial = false`) or update body with its request schema, then the URL for
 * the key's mode (422 when only live mode refuses it).
 */
export function validateEndpointFields(body: Record<string, unknown>, mode: Mode, partial: boolean): EndpointFields {
  const out: EndpointFields = parseBody(partial ? WebhookEndpointUpdate : WebhookEndpointCreate, body);
  if (out.url !== undefined) {
    const check = checkWebhookUrl(out.url, mode);
    if (!check.ok) {
      // 422: the URL is well-formed but this mode refuses it (it would be fine in test mode).
      if (check.code === "url_not_allowed_in_live_mode") throw new ApiError(422, "invalid_request_error", check.code, check.message, "url");
      throw invalidRequest(check.code, check.message, "url");
    }
    out.url = normalizeWebhookUrl(out.url);
  }
  return out;
}

/** Loads an endpoint of the caller's account and mode, or throws 404. */
export function getEndpoint(db: SandboxDb, auth: Pick<AuthContext, "accountId" | "livemode">, id: string): EndpointRow {
  const row = db
    .prepare("SELECT * FROM webhook_endpoints WHERE id = ? AND account_id = ? AND livemode = ?")
    .get(id, auth.accountId, auth.livemode ? 1 : 0) as EndpointRow | undefined;
  if (!row) throw resourceMissing("webhook endpoint", id);
  return row;
}

/** True while the previous secret still signs deliveries. */
export function previousSecretValid(row: EndpointRow, nowSeconds: number): boolean {
  return row.previous_secret !== null && row.previous_secret_expires_at !== null && row.previous_secret_expires_at > nowSeconds;
}

/** Secrets that sign a delivery now: the current one, then the previous one during an overlap. */
export function signingSecrets(row: EndpointRow, nowSeconds: number): string[] {
  return previousSecretValid(row, nowSeconds) ? [row.secret, row.previous_secret as string] : [row.secret];
}

/** The wire object. `secret` is passed only by create and rotate_secret. */
export function endpointObject(row: EndpointRow, nowSeconds: number, secret?: string): WebhookEndpoint {
  return {
    id: row.id,
    object: "webhook_endpoint",
    livemode: row.livemode === 1,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    description: row.description,
    status: row.status,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    created: row.created,
    previous_secret_expires_at: previousSecretValid(row, nowSeconds) ? row.previous_secret_expires_at : null,
    // A non-reversible tag of the current secret, so a client that stored the secret elsewhere can
    // tell that it was rotated behind its back without ever being sent the secret again.
    secret_fingerprint: secretFingerprint(row.secret),
    ...(secret !== undefined ? { secret } : {}),
  };
}

/** `sha256:` + the first 12 hex digits of the secret's SHA-256 (the same tag the providers keep). */
export function secretFingerprint(secret: string): string {
  return "sha256:" + createHash("sha256").update(secret).digest("hex").slice(0, 12);
}
