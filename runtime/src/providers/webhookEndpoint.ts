/**
 * The logic behind the `WebhookEndpoint` dynamic resource (providers/webhookEndpoint.ts wires it to
 * Pulumi). It lives in this package so the serialized provider in state is a few `require` calls,
 * not a copy of the client.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { SelgeoNotFoundError } from "../errors";
import { canonicalJson, deriveIdempotencyKey } from "../idempotency";
import { requireSettings, selgeoClient, settingsProblems, CONFIG_KEYS } from "../providerSettings";
import { EVENT_TYPES, MODES, type Mode, type WebhookEndpoint } from "../schemas";
import { checkWebhookUrl } from "../urlRules";

/** Metadata key that ties a Selgeo endpoint to the stack resource that manages it. */
export const MANAGED_BY_METADATA_KEY = "golive_resource";

/** Inputs after `check`: validated and normalised (events sorted and unique). */
export interface WebhookEndpointInputs {
  /** `<project>/<stack>/<resource name>`: the identity idempotency keys and adoption use. */
  resourceKey: string;
  /** The mode this endpoint lives in; a change of mode replaces the endpoint. */
  mode: Mode;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  metadata: Record<string, string>;
  /** Adopt this existing endpoint instead of creating one (Pulumi's `import` cannot serve dynamic resources). */
  adoptId?: string;
}

/** What state holds for an endpoint. `secret` is marked secret by the resource (additionalSecretOutputs). */
export interface WebhookEndpointOutputs extends WebhookEndpointInputs {
  endpointId: string;
  livemode: boolean;
  status: "enabled" | "disabled";
  /** The `whsec_` signing secret; empty when the endpoint was adopted (Selgeo only reveals it on create). */
  secret: string;
  /** sha256 prefix of the secret, so a reviewer can tell secrets apart without seeing them. */
  secretFingerprint: string;
  created: number;
}

/** Pulumi's marker for a value not known during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const MAX_DESCRIPTION = 500;
const MAX_METADATA_KEYS = 49; // Selgeo allows 50; one is ours.

const InputShape = z.object({
  resourceKey: z.string().min(1),
  mode: z.enum(MODES),
  url: z.string().min(1, "url is required: the HTTPS address of your webhook receiver"),
  events: z.array(z.string()).min(1, "subscribe to at least one event"),
  description: z.string().max(MAX_DESCRIPTION, `description must be at most ${MAX_DESCRIPTION} characters`).default(""),
  enabled: z.boolean().default(true),
  metadata: z.record(z.string(), z.string()).default({}),
  adoptId: z.string().regex(/^we_/, "adoptId must be a Selgeo webhook endpoint id (we_…)").optional(),
});

/** One `check` failure: the input property and what to do. */
export interface CheckFailure {
  property: string;
  reason: string;
}

const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/** Validates and normalises inputs; every failure names the property and the fix. */
export async function check(
  _olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const failures: CheckFailure[] = [];
  for (const p of settingsProblems()) failures.push({ property: "mode", reason: p });

  const parsed = InputShape.safeParse(stripProvider(news));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const property = issue.path.map(String).join(".") || "inputs";
      const value = issue.path.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown>)?.[k as PropertyKey], news);
      if (isUnknown(value)) continue;
      failures.push({ property, reason: issue.message });
    }
    return { inputs: news, failures };
  }
  const inputs = parsed.data;

  const settings = settingsProblems().length === 0 ? requireSettings() : undefined;
  if (settings && inputs.mode !== settings.mode) {
    failures.push({
      property: "mode",
      reason: `this endpoint is declared for ${inputs.mode} mode but ${CONFIG_KEYS.mode} is "${settings.mode}": keep them the same`,
    });
  }
  if (!isUnknown(inputs.url)) {
    const url = checkWebhookUrl(inputs.url, inputs.mode);
    if (!url.ok) failures.push({ property: "url", reason: url.message });
  }
  inputs.events.forEach((e, i) => {
    if (!isUnknown(e) && !(EVENT_TYPES as readonly string[]).includes(e)) {
      failures.push({
        property: `events[${i}]`,
        reason: `"${e}" is not a Selgeo event type; use one of: ${EVENT_TYPES.join(", ")}`,
      });
    }
  });
  const metaKeys = Object.keys(inputs.metadata);
  if (metaKeys.length > MAX_METADATA_KEYS) {
    failures.push({ property: "metadata", reason: `at most ${MAX_METADATA_KEYS} metadata keys are allowed` });
  }
  if (metaKeys.includes(MANAGED_BY_METADATA_KEY)) {
    failures.push({ property: `metadata.${MANAGED_BY_METADATA_KEY}`, reason: "this key is reserved by selgeo-golive: rename it" });
  }
  for (const k of metaKeys) {
    if (k.length > 40) failures.push({ property: `metadata.${k}`, reason: "metadata keys are at most 40 characters" });
    if (inputs.metadata[k].length > 500) failures.push({ property: `metadata.${k}`, reason: "metadata values are at most 500 characters" });
  }

  const normalised: WebhookEndpointInputs = {
    ...inputs,
    events: [...new Set(inputs.events)].sort(),
  };
  return { inputs: dropUndefined({ ...normalised }), failures };
}

/** The properties a change of which is an in-place update (the id and the secret survive). */
const UPDATABLE = ["url", "events", "description", "enabled", "metadata"] as const;

/** Compares desired with recorded inputs. Mode and adoption target replace; the rest update in place. */
export async function diff(
  _id: string,
  olds: Partial<WebhookEndpointOutputs>,
  news: Partial<WebhookEndpointInputs>,
): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
  const replaces: string[] = [];
  if (olds.mode !== news.mode) replaces.push("mode");
  if ((olds.adoptId ?? "") !== (news.adoptId ?? "")) replaces.push("adoptId");
  const changed = UPDATABLE.filter((k) => canonicalJson(normaliseField(k, olds[k])) !== canonicalJson(normaliseField(k, news[k])));
  return { changes: replaces.length > 0 || changed.length > 0, replaces, deleteBeforeReplace: false };
}

function normaliseField(k: (typeof UPDATABLE)[number], v: unknown): unknown {
  if (k === "events") return [...new Set((v as string[] | undefined) ?? [])].sort();
  if (k === "metadata") return v ?? {};
  if (k === "description") return v ?? "";
  if (k === "enabled") return v ?? true;
  return v;
}

/**
 * Creates the endpoint. The idempotency key is derived from the resource's identity and inputs, so a
 * `pulumi up` killed after Selgeo committed the create gets the same endpoint (and its secret) back
 * on the rerun instead of a duplicate.
 */
export async function create(inputs: WebhookEndpointInputs): Promise<{ id: string; outs: WebhookEndpointOutputs }> {
  const client = selgeoClient();
  const body = wireBody(inputs);
  if (inputs.adoptId) {
    const ep = await client.updateWebhookEndpoint(inputs.adoptId, body);
    return { id: ep.id, outs: toOutputs(inputs, ep, "") };
  }
  // The key is a pure function of identity and inputs, so a rerun after a crash replays the create
  // that already happened. The same inputs after a destroy would replay a create whose endpoint is
  // gone: then the key is chained on the stale id, which is just as deterministic for a rerun.
  let chain = "";
  for (let i = 0; i < 8; i++) {
    const idempotencyKey = deriveIdempotencyKey(["webhook_endpoint.create", inputs.resourceKey, canonicalJson(body), chain]);
    const ep = await client.createWebhookEndpoint(body, { idempotencyKey });
    if (await client.findWebhookEndpoint(ep.id)) return { id: ep.id, outs: toOutputs(inputs, ep, ep.secret ?? "") };
    chain += `/${ep.id}`;
  }
  throw new Error(`creating webhook endpoint ${inputs.resourceKey}: Selgeo kept replaying deleted endpoints; retry later`);
}

/** Reads the endpoint as it is; a deleted one returns an empty id so refresh drops it from state. */
export async function read(
  id: string,
  props: Partial<WebhookEndpointOutputs>,
): Promise<{ id: string; props?: WebhookEndpointOutputs; inputs?: WebhookEndpointInputs }> {
  const client = selgeoClient();
  let ep: WebhookEndpoint;
  try {
    ep = await client.getWebhookEndpoint(id);
  } catch (e) {
    if (e instanceof SelgeoNotFoundError) return { id: "" };
    throw e;
  }
  const mode: Mode = ep.livemode ? "live" : "test";
  const inputs: WebhookEndpointInputs = dropUndefined({
    resourceKey: props.resourceKey ?? ep.metadata[MANAGED_BY_METADATA_KEY] ?? id,
    mode,
    url: ep.url,
    events: [...ep.events].sort(),
    description: ep.description,
    enabled: ep.status === "enabled",
    metadata: userMetadata(ep.metadata),
    adoptId: props.adoptId,
  });
  return { id: ep.id, props: toOutputs(inputs, ep, props.secret ?? ""), inputs };
}

/** Updates url, events, description, status and metadata in place. */
export async function update(
  id: string,
  olds: WebhookEndpointOutputs,
  news: WebhookEndpointInputs,
): Promise<{ outs: WebhookEndpointOutputs }> {
  const ep = await selgeoClient().updateWebhookEndpoint(id, wireBody(news));
  return { outs: toOutputs(news, ep, olds.secret ?? "") };
}

/** Deletes the endpoint; one already gone counts as deleted. */
export async function remove(id: string): Promise<void> {
  await selgeoClient().deleteWebhookEndpoint(id);
}

function wireBody(inputs: WebhookEndpointInputs) {
  return {
    url: inputs.url,
    events: inputs.events,
    description: inputs.description,
    status: inputs.enabled ? ("enabled" as const) : ("disabled" as const),
    metadata: { ...inputs.metadata, [MANAGED_BY_METADATA_KEY]: inputs.resourceKey },
  };
}

function toOutputs(inputs: WebhookEndpointInputs, ep: WebhookEndpoint, secret: string): WebhookEndpointOutputs {
  return dropUndefined({
    ...inputs,
    endpointId: ep.id,
    livemode: ep.livemode,
    status: ep.status,
    secret,
    secretFingerprint: secret ? fingerprint(secret) : "",
    created: ep.created,
  });
}

/** A short, non-reversible tag of a secret, safe to show and to keep in state. */
export function fingerprint(secret: string): string {
  return "sha256:" + createHash("sha256").update(secret).digest("hex").slice(0, 12);
}

function userMetadata(m: Record<string, string>): Record<string, string> {
  const { [MANAGED_BY_METADATA_KEY]: _ours, ...rest } = m;
  return rest;
}

function stripProvider(o: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _p, ...rest } = o;
  return rest;
}

// Pulumi's struct encoding rejects `undefined`; optional properties must be absent instead.
function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
