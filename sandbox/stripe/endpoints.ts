/**
 * `/v1/webhook_endpoints`: validation, storage and the wire object, following Stripe's rules:
 * `secret` only in the create response; `metadata[k]=` removes one key and `metadata=` all of
 * them while other keys are kept (Stripe merges metadata on update); `description=` unsets;
 * `disabled=true|false` sets `status`; at most 16 endpoints per mode.
 *
 * One deliberate difference: in test mode any http(s) URL is accepted, localhost included, because
 * the whole point of the emulator is to deliver to a receiver on this machine. Real Stripe refuses
 * local URLs (it points you at the Stripe CLI). Live mode applies the project's live URL rules
 * (https, public host), which are at least as strict as Stripe's.
 */
import { randomBase62, newId } from "../ids";
import type { SandboxDb } from "../db";
import { checkWebhookUrl } from "@selgeo-golive/runtime";
import type { StripeAuth } from "./accounts";
import { invalidParam, missingParam, noSuch } from "./errors";
import type { FormObject, FormValue } from "./form";
import { optionalBoolean, optionalString, stringArray } from "./form";
import { STRIPE_EVENT_TYPE_SET } from "./eventTypes";
import { rejectUnknownParams } from "./params";
import type { StripeList } from "./pagination";
import { listPage } from "./pagination";

/** Stripe's limit of webhook endpoints per account and mode. */
export const MAX_ENDPOINTS_PER_MODE = 16;
/** Stripe's metadata limits. */
const METADATA_MAX_KEYS = 50;
const METADATA_KEY_MAX = 40;
const METADATA_VALUE_MAX = 500;
const TEXT_MAX = 5000;

/** A `stripe_emu_webhook_endpoints` row. */
export interface StripeEndpointRow {
  seq: number;
  id: string;
  livemode: number;
  url: string;
  enabled_events: string;
  description: string | null;
  status: "enabled" | "disabled";
  metadata: string;
  api_version: string | null;
  secret: string;
  created: number;
}

/** The `webhook_endpoint` object; `secret` only when `withSecret` (the create response). */
export function endpointObject(row: StripeEndpointRow, withSecret = false): Record<string, unknown> {
  return {
    id: row.id,
    object: "webhook_endpoint",
    api_version: row.api_version,
    application: null,
    created: row.created,
    description: row.description,
    enabled_events: JSON.parse(row.enabled_events) as string[],
    livemode: row.livemode === 1,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    ...(withSecret ? { secret: row.secret } : {}),
    status: row.status,
    url: row.url,
  };
}

/** An endpoint of the caller's mode, or 404. */
export function getEndpointRow(db: SandboxDb, livemode: boolean, id: string): StripeEndpointRow {
  const row = db.prepare("SELECT * FROM stripe_emu_webhook_endpoints WHERE id = ? AND livemode = ?").get(id, livemode ? 1 : 0) as StripeEndpointRow | undefined;
  if (!row) throw noSuch("webhook endpoint", id, "webhook_endpoint");
  return row;
}

/** `POST /v1/webhook_endpoints`. */
export function createEndpoint(db: SandboxDb, auth: StripeAuth, body: FormObject, now: number): Record<string, unknown> {
  rejectUnknownParams(body, ["api_version", "connect", "description", "enabled_events", "expand", "metadata", "url"]);
  if (body.url === undefined) throw missingParam("url");
  if (body.enabled_events === undefined) throw missingParam("enabled_events");
  const url = validUrl(optionalString(body, "url") as string, auth.livemode);
  const events = validEvents(body.enabled_events);
  const description = validDescription(optionalString(body, "description"));
  const metadata = mergeMetadata({}, body.metadata);
  const apiVersion = optionalString(body, "api_version");
  if (apiVersion !== undefined && !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(apiVersion)) {
    throw invalidParam(`Invalid api_version: '${apiVersion}' is not a Stripe API version (e.g. 2026-08-26.dahlia).`, "api_version");
  }
  if (optionalBoolean(body, "connect") === true) {
    throw invalidParam("Connect webhook endpoints (connect=true) are not supported by the Stripe emulator.", "connect");
  }
  const count = (db.prepare("SELECT COUNT(*) AS n FROM stripe_emu_webhook_endpoints WHERE livemode = ?").get(auth.livemode ? 1 : 0) as { n: number }).n;
  if (count >= MAX_ENDPOINTS_PER_MODE) {
    throw invalidParam(`You have reached the maximum of ${MAX_ENDPOINTS_PER_MODE} ${auth.livemode ? "live" : "test"} webhook endpoints.`, "url");
  }
  const id = newId("we_");
  db.prepare(
    `INSERT INTO stripe_emu_webhook_endpoints (id, livemode, url, enabled_events, description, status, metadata, api_version, secret, created)
     VALUES (?, ?, ?, ?, ?, 'enabled', ?, ?, ?, ?)`,
  ).run(id, auth.livemode ? 1 : 0, url, JSON.stringify(events), description ?? null, JSON.stringify(metadata), apiVersion ?? null, "whsec_" + randomBase62(32), now);
  return endpointObject(getEndpointRow(db, auth.livemode, id), true);
}

/** `POST /v1/webhook_endpoints/{id}`: a partial update. */
export function updateEndpoint(db: SandboxDb, auth: StripeAuth, id: string, body: FormObject): Record<string, unknown> {
  rejectUnknownParams(body, ["description", "disabled", "enabled_events", "expand", "metadata", "url"]);
  // Parameters are validated before the lookup, as Stripe does: a malformed request is a 400
  // whether or not the endpoint exists.
  const url = body.url === undefined ? undefined : validUrl(optionalString(body, "url") as string, auth.livemode);
  const events = body.enabled_events === undefined ? undefined : validEvents(body.enabled_events);
  const description = body.description === undefined ? undefined : (validDescription(optionalString(body, "description")) ?? null);
  mergeMetadata({}, body.metadata);
  const disabled = optionalBoolean(body, "disabled");
  const row = getEndpointRow(db, auth.livemode, id);
  const next = { ...row };
  if (url !== undefined) next.url = url;
  if (events !== undefined) next.enabled_events = JSON.stringify(events);
  if (description !== undefined) next.description = description;
  if (body.metadata !== undefined) next.metadata = JSON.stringify(mergeMetadata(JSON.parse(row.metadata) as Record<string, string>, body.metadata));
  if (disabled !== undefined) next.status = disabled ? "disabled" : "enabled";
  db.prepare("UPDATE stripe_emu_webhook_endpoints SET url = ?, enabled_events = ?, description = ?, metadata = ?, status = ? WHERE id = ?").run(
    next.url,
    next.enabled_events,
    next.description,
    next.metadata,
    next.status,
    id,
  );
  return endpointObject(getEndpointRow(db, auth.livemode, id));
}

/** `DELETE /v1/webhook_endpoints/{id}`. */
export function deleteEndpoint(db: SandboxDb, auth: StripeAuth, id: string): Record<string, unknown> {
  getEndpointRow(db, auth.livemode, id);
  db.prepare("DELETE FROM stripe_emu_webhook_endpoints WHERE id = ?").run(id);
  return { id, object: "webhook_endpoint", deleted: true };
}

/** `GET /v1/webhook_endpoints`. */
export function listEndpoints(db: SandboxDb, auth: StripeAuth, query: FormObject): StripeList {
  rejectUnknownParams(query, ["ending_before", "expand", "limit", "starting_after"]);
  return listPage<StripeEndpointRow>(db, { table: "stripe_emu_webhook_endpoints", kind: "webhook endpoint", url: "/v1/webhook_endpoints", toObject: (r) => endpointObject(r) }, auth.livemode, query);
}

function validUrl(url: string, livemode: boolean): string {
  if (url.length > TEXT_MAX) throw invalidParam(`Invalid URL: must be at most ${TEXT_MAX} characters.`, "url", "url_invalid");
  const check = checkWebhookUrl(url, livemode ? "live" : "test");
  if (!check.ok) throw invalidParam(`Invalid URL: ${check.message}`, "url", "url_invalid");
  return url;
}

function validEvents(value: FormValue): string[] {
  const events = stringArray(value, "enabled_events");
  if (events.length === 0) throw invalidParam("Invalid array: enabled_events must not be empty.", "enabled_events");
  events.forEach((e, i) => {
    if (!STRIPE_EVENT_TYPE_SET.has(e)) {
      throw invalidParam(
        `Invalid enabled_events[${i}]: must be one of the Stripe event types (e.g. checkout.session.completed, invoice.paid, charge.refunded) or '*'; got '${e}'.`,
        `enabled_events[${i}]`,
      );
    }
  });
  // Stripe keeps the list as sent; duplicates are dropped so a set comparison stays honest.
  return [...new Set(events)];
}

function validDescription(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.length > TEXT_MAX) throw invalidParam(`Invalid description: must be at most ${TEXT_MAX} characters.`, "description");
  return value;
}

/**
 * Applies a `metadata` parameter to existing metadata: `""` clears everything, `metadata[k]=""`
 * removes `k`, other keys are set. Shared by everything that takes metadata.
 */
export function mergeMetadata(current: Record<string, string>, value: FormValue | undefined): Record<string, string> {
  if (value === undefined) return current;
  if (value === "") return {};
  if (typeof value === "string" || Array.isArray(value)) {
    throw invalidParam("Invalid metadata: send it as metadata[key]=value pairs, or metadata= to unset all keys.", "metadata");
  }
  const out = { ...current };
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") throw invalidParam(`Invalid metadata[${k}]: metadata values must be strings.`, `metadata[${k}]`);
    if (k.length > METADATA_KEY_MAX) throw invalidParam(`Invalid metadata: keys can be at most ${METADATA_KEY_MAX} characters; '${k}' is longer.`, `metadata[${k}]`);
    if (v.length > METADATA_VALUE_MAX) throw invalidParam(`Invalid metadata[${k}]: values can be at most ${METADATA_VALUE_MAX} characters.`, `metadata[${k}]`);
    if (v === "") delete out[k];
    else out[k] = v;
  }
  if (Object.keys(out).length > METADATA_MAX_KEYS) throw invalidParam(`Invalid metadata: at most ${METADATA_MAX_KEYS} keys are allowed.`, "metadata");
  return out;
}
