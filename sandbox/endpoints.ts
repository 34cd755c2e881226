import { createHash } from "node:crypto";
/** Webhook endpoint storage, validation and wire shape. */
import { type EndpointStatus, type Mode, type WebhookEndpoint, ENDPOINT_STATUSES, EVENT_TYPES, isReservedObjectKey, textProblem, checkWebhookUrl, normalizeWebhookUrl } from "@selgeo-golive/runtime";
import type { AuthContext } from "./auth";
import type { SandboxDb } from "./db";
import { ApiError, invalidRequest, resourceMissing } from "./errors";

/** A `webhook_endpoints` row. */
export interface EndpointRow {
  seq: number;
  id: string;
  account_id: string;
  livemode: number;
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

/** Limits on free-form fields. */
export const ENDPOINT_LIMITS = { descriptionMax: 500, metadataKeysMax: 50, metadataKeyMax: 40, metadataValueMax: 500 } as const;

/** Validated endpoint fields (all optional: create checks required ones separately). */
export interface EndpointFields {
  url?: string;
  events?: string[];
  description?: string;
  status?: EndpointStatus;
  metadata?: Record<string, string>;
}

const FIELDS = new Set(["url", "events", "description", "status", "metadata"]);

/**
 * Validates a create (`partial = false`) or update body. Unknown fields are rejected rather than
 * ignored: a typo such as `event` for `events` would otherwise succeed and do nothing.
 */
export function validateEndpointFields(body: Record<string, unknown>, mode: Mode, partial: boolean): EndpointFields {
  for (const key of Object.keys(body)) {
    if (!FIELDS.has(key)) {
      throw invalidRequest("unknown_parameter", `Unknown parameter '${key}'. Webhook endpoints take: ${[...FIELDS].join(", ")}.`, key);
    }
  }
  const out: EndpointFields = {};
  if (!partial) {
    for (const required of ["url", "events"]) {
      if (body[required] === undefined) throw invalidRequest("parameter_missing", `Missing required parameter '${required}'.`, required);
    }
  }
  if (body.url !== undefined) {
    if (typeof body.url !== "string") throw invalidRequest("parameter_invalid", "url must be a string.", "url");
    const check = checkWebhookUrl(body.url, mode);
    if (!check.ok) {
      // 422: the URL is well-formed but this mode refuses it (it would be fine in test mode).
      if (check.code === "url_not_allowed_in_live_mode") throw new ApiError(422, "invalid_request_error", check.code, check.message, "url");
      throw invalidRequest(check.code, check.message, "url");
    }
    out.url = normalizeWebhookUrl(body.url);
  }
  if (body.events !== undefined) {
    const events = body.events;
    if (!Array.isArray(events) || events.length === 0) {
      throw invalidRequest("parameter_invalid", `events must be a non-empty array of event types (${EVENT_TYPES.join(", ")}).`, "events");
    }
    events.forEach((e, i) => {
      if (typeof e !== "string" || !(EVENT_TYPES as readonly string[]).includes(e)) {
        throw invalidRequest("unknown_event_type", `Unknown event type ${JSON.stringify(e)}. Valid types: ${EVENT_TYPES.join(", ")} (see GET /api/v1/event_types).`, `events[${i}]`);
      }
      if (events.indexOf(e) !== i) throw invalidRequest("duplicate_event_type", `Event type '${e}' is listed twice; list each type once.`, `events[${i}]`);
    });
    out.events = events as string[];
  }
  if (body.description !== undefined) {
    if (typeof body.description !== "string") throw invalidRequest("parameter_invalid", "description must be a string.", "description");
    if (body.description.length > ENDPOINT_LIMITS.descriptionMax) {
      throw invalidRequest("string_too_long", `description is ${body.description.length} characters; the maximum is ${ENDPOINT_LIMITS.descriptionMax}.`, "description");
    }
    const problem = textProblem(body.description, true);
    if (problem) throw invalidRequest("parameter_invalid", `description ${problem}.`, "description");
    out.description = body.description;
  }
  if (body.status !== undefined) {
    if (!(ENDPOINT_STATUSES as readonly unknown[]).includes(body.status)) {
      throw invalidRequest("parameter_invalid", `status must be one of ${ENDPOINT_STATUSES.join(", ")}.`, "status");
    }
    out.status = body.status as EndpointStatus;
  }
  if (body.metadata !== undefined) out.metadata = validateMetadata(body.metadata);
  return out;
}

/** Validates a metadata map (string keys and values, bounded sizes); shared by every object that has one. */
export function validateMetadata(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidRequest("parameter_invalid", "metadata must be an object of string keys and string values.", "metadata");
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > ENDPOINT_LIMITS.metadataKeysMax) {
    throw invalidRequest("metadata_too_many_keys", `metadata has ${entries.length} keys; the maximum is ${ENDPOINT_LIMITS.metadataKeysMax}.`, "metadata");
  }
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > ENDPOINT_LIMITS.metadataKeyMax) {
      throw invalidRequest("metadata_key_invalid", `metadata keys must be 1 to ${ENDPOINT_LIMITS.metadataKeyMax} characters; '${k.slice(0, 60)}' is ${k.length}.`, `metadata[${k}]`);
    }
    if (isReservedObjectKey(k)) throw invalidRequest("metadata_key_invalid", `metadata key '${k}' is reserved (it names JavaScript's object prototype); rename it.`, `metadata[${k}]`);
    const keyProblem = textProblem(k);
    if (keyProblem) throw invalidRequest("metadata_key_invalid", `metadata key ${JSON.stringify(k)} ${keyProblem}.`, `metadata[${JSON.stringify(k)}]`);
    if (typeof v !== "string") throw invalidRequest("parameter_invalid", `metadata values must be strings; '${k}' is ${v === null ? "null" : typeof v}.`, `metadata[${k}]`);
    const valueProblem = textProblem(v);
    if (valueProblem) throw invalidRequest("parameter_invalid", `metadata['${k}'] ${valueProblem}.`, `metadata[${k}]`);
    if (v.length > ENDPOINT_LIMITS.metadataValueMax) {
      throw invalidRequest("metadata_value_too_long", `metadata['${k}'] is ${v.length} characters; the maximum is ${ENDPOINT_LIMITS.metadataValueMax}.`, `metadata[${k}]`);
    }
  }
  return value as Record<string, string>;
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
