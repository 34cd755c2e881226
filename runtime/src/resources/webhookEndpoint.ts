/**
 * The logic behind the `WebhookEndpoint` dynamic resource (providers/webhookEndpoint.ts wires it to
 * Pulumi). It lives in this package so the serialized provider in state is a few `require` calls,
 * not a copy of the client.
 */
import { z } from "zod";
import { canonicalJson, deriveIdempotencyKey } from "../idempotency";
import { invalidateSnapshots, readWebhookEndpoint } from "../listCache";
import { selgeoClient } from "../providerSettings";
import { MANAGED_BY_METADATA_KEY, WebhookEndpointDeclaration } from "../requests/declarations";
import { MODES, type Mode, type WebhookEndpoint } from "../schemas";
import { checkWebhookUrl, normalizeWebhookUrl } from "../urlRules";
import { fingerprint } from "../secrets";
import { forgetSecret, secretsManagerState, storeSecret, type SecretState, type StoredSecret } from "./generatedSecret";
import { adoptionChanges, adoptionTargetMissing, isNewAdoption } from "./adoption";
import { checkInputs, createWithKeyChain, dropUndefined, keyedDiff, replacementOf, replacingChanges, UNKNOWN } from "./common";
import type { CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult } from "./common";

/** The kind segment of these secrets' names in Secrets Manager. */
const SECRET_KIND = "webhook-endpoint";

/** Metadata key that ties a Selgeo object to the stack resource that manages it. */
export { MANAGED_BY_METADATA_KEY };

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
  /** Bump to rotate the signing secret (declarative rotation). Default 0. */
  secretRotation: number;
  /** How long the previous secret keeps signing after a rotation, hours (0–168). Default 24. */
  rotationOverlapHours: number;
  /** The secret state to converge on, computed by `check`: `in_sync`, or `adopted` for an adopted endpoint. */
  secretState: SecretState;
  /**
   * Computed by `check` when `adoptId` is new: each field the take-over will change, as
   * `field: <as found> => <as declared>`, so the preview shows it.
   */
  adoptChanges?: string[];
}

/**
 * What state holds for an endpoint. The `whsec_` itself never enters state: it is written to AWS
 * Secrets Manager the moment Selgeo reveals it, and state keeps the ARN, version and fingerprint.
 */
export interface WebhookEndpointOutputs extends Omit<WebhookEndpointInputs, "secretState">, StoredSecret {
  endpointId: string;
  livemode: boolean;
  status: "enabled" | "disabled";
  /** What refresh found (see SecretState); anything but the desired state is drift. */
  secretState: SecretState;
  created: number;
}


/** The declaration (runtime/src/requests) with what `check` adds: identity, mode and defaults. */
const InputShape = WebhookEndpointDeclaration.extend({
  resourceKey: z.string().min(1),
  mode: z.enum(MODES),
  description: WebhookEndpointDeclaration.shape.description.unwrap().default(""),
  enabled: WebhookEndpointDeclaration.shape.enabled.unwrap().default(true),
  metadata: WebhookEndpointDeclaration.shape.metadata.unwrap().default({}),
  secretRotation: WebhookEndpointDeclaration.shape.secretRotation.unwrap().default(0),
  rotationOverlapHours: WebhookEndpointDeclaration.shape.rotationOverlapHours.unwrap().default(24),
});

/** One `check` failure (re-exported for callers that import it from here). */
export type { CheckFailure };

const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/** Validates and normalises inputs; every failure names the property and the fix. */
export async function check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
  const { data: inputs, failures } = await checkInputs(news, InputShape);
  if (!inputs) return { inputs: news, failures };
  if (!isUnknown(inputs.url)) {
    const url = checkWebhookUrl(inputs.url, inputs.mode);
    if (!url.ok) failures.push({ property: "url", reason: url.message });
  }

  const normalised: WebhookEndpointInputs = {
    ...inputs,
    // Selgeo stores scheme and host lower-cased; declaring `HTTPS://Hooks.Example.com` must not drift.
    url: isUnknown(inputs.url) ? inputs.url : normalizeWebhookUrl(inputs.url),
    events: [...new Set(inputs.events)].sort(),
    // An adopted endpoint's secret was never revealed to us, until a declared rotation reveals one.
    secretState: inputs.adoptId && inputs.secretRotation === 0 ? "adopted" : "in_sync",
  };
  if (failures.length === 0 && isNewAdoption(olds, normalised)) {
    // One direct GET: a miss must not cost a list and a GET.
    const ep = await (await selgeoClient()).findWebhookEndpoint(normalised.adoptId);
    if (!ep) failures.push(adoptionTargetMissing("webhookEndpoint", normalised.resourceKey, normalised.adoptId, "Selgeo webhook endpoint", "this account's mode"));
    else normalised.adoptChanges = adoptionChanges(foundInputs(ep, { resourceKey: normalised.resourceKey, adoptId: normalised.adoptId }), normalised, ADOPTED_FIELDS);
  }
  return { inputs: dropUndefined({ ...normalised }), failures };
}

/** What an adoption overwrites on the adopted endpoint. */
const ADOPTED_FIELDS = ["url", "events", "description", "enabled", "metadata"] as const;

/** The properties a change of which is an in-place update (the id and the secret survive). */
const UPDATABLE = ["url", "events", "description", "enabled", "metadata", "secretRotation", "secretState"] as const;

/** Compares desired with recorded inputs. Mode and adoption target replace; the rest update in place. */
export async function diff(id: string, olds: Partial<WebhookEndpointOutputs>, news: Partial<WebhookEndpointInputs>): Promise<DiffResult> {
  const changed = UPDATABLE.filter((k) => canonicalJson(normaliseField(k, olds[k])) !== canonicalJson(normaliseField(k, news[k])));
  return keyedDiff(id, news.resourceKey, replacingChanges(olds, news, ["mode"]), changed);
}

function normaliseField(k: (typeof UPDATABLE)[number], v: unknown): unknown {
  if (k === "events") return [...new Set((v as string[] | undefined) ?? [])].sort();
  if (k === "url") return typeof v === "string" ? normalizeWebhookUrl(v) : v;
  if (k === "metadata") return v ?? {};
  if (k === "description") return v ?? "";
  if (k === "enabled") return v ?? true;
  if (k === "secretRotation") return v ?? 0;
  return v;
}

/**
 * Creates the endpoint. The idempotency key is derived from the resource's identity and inputs, so a
 * `pulumi up` killed after Selgeo committed the create gets the same endpoint (and its secret) back
 * on the rerun instead of a duplicate.
 */
export async function create(inputs: WebhookEndpointInputs): Promise<CreateResult<WebhookEndpointOutputs>> {
  invalidateSnapshots();
  const client = (await selgeoClient());
  const body = wireBody(inputs);
  if (inputs.adoptId) {
    let ep = await client.updateWebhookEndpoint(inputs.adoptId, body);
    let stored: StoredSecret = { secretArn: "", secretVersionId: "", secretFingerprint: "" };
    if (inputs.secretRotation > 0) ({ ep, stored } = await rotate(inputs, ep.id, "adopted"));
    return { id: ep.id, outs: toOutputs(inputs, ep, stored) };
  }
  // A rerun after a crash replays the create that already happened; after a destroy the replay's
  // endpoint is gone and the key chain moves on (see createWithKeyChain).
  const { object: ep } = await createWithKeyChain({
    what: `webhook endpoint ${inputs.resourceKey}`,
    baseKey: deriveIdempotencyKey(["webhook_endpoint.create", inputs.resourceKey, canonicalJson(body)]),
    create: (idempotencyKey) => client.createWebhookEndpoint(body, { idempotencyKey }),
    idOf: (e) => e.id,
    isLive: async (e) => (await client.findWebhookEndpoint(e.id)) !== undefined,
    // Only a replay can name a deleted object: a fresh create is not read back.
    wasReplayed: (e) => e.replayed,
    avoid: replacementOf(inputs.resourceKey),
  });
  if (!ep.secret) throw new Error(`Selgeo created ${ep.id} without revealing its signing secret; rotate it with secretRotation`);
  const stored = await storeSecret(inputs.resourceKey, SECRET_KIND, ep.id, ep.secret);
  return { id: ep.id, outs: toOutputs(inputs, ep, stored) };
}

/** Reads the endpoint as it is; a deleted one returns an empty id so refresh drops it from state. */
export async function read(id: string, props: Partial<WebhookEndpointOutputs>): Promise<ReadResult<WebhookEndpointOutputs, WebhookEndpointInputs>> {
  const client = (await selgeoClient());
  const ep = await readWebhookEndpoint(client, id);
  if (!ep) return { id: "" };
  const inputs = foundInputs(ep, props);
  const stored: StoredSecret = {
    secretArn: props.secretArn ?? "",
    secretVersionId: props.secretVersionId ?? "",
    secretFingerprint: props.secretFingerprint ?? "",
  };
  let secretState: SecretState;
  if (stored.secretArn && ep.secret_fingerprint && ep.secret_fingerprint !== stored.secretFingerprint) {
    secretState = "rotated_outside_pulumi";
  } else {
    secretState = await secretsManagerState(stored);
  }
  // Inputs as found, for the diff of a refresh: the secret state is what it is, not what we want.
  inputs.secretState = secretState;
  return { id: ep.id, props: { ...toOutputs(inputs, ep, stored), secretState }, inputs };
}

/** The endpoint as found, as inputs: what refresh compares and what an adoption overwrites. */
function foundInputs(ep: WebhookEndpoint, props: Partial<WebhookEndpointOutputs>): WebhookEndpointInputs {
  const mode: Mode = ep.livemode ? "live" : "test";
  return dropUndefined({
    resourceKey: props.resourceKey ?? ep.metadata[MANAGED_BY_METADATA_KEY] ?? ep.id,
    mode,
    url: ep.url,
    events: [...ep.events].sort(),
    description: ep.description,
    enabled: ep.status === "enabled",
    metadata: userMetadata(ep.metadata),
    adoptId: props.adoptId,
    // What the adoption changed stays on record; refresh does not make it drift.
    adoptChanges: props.adoptChanges,
    secretRotation: props.secretRotation ?? 0,
    rotationOverlapHours: props.rotationOverlapHours ?? 24,
    secretState: "in_sync",
  });
}

/** Updates url, events, description, status and metadata in place. */
export async function update(id: string, olds: WebhookEndpointOutputs, news: WebhookEndpointInputs): Promise<UpdateResult<WebhookEndpointOutputs>> {
  invalidateSnapshots();
  let ep = await (await selgeoClient()).updateWebhookEndpoint(id, wireBody(news));
  let stored: StoredSecret = { secretArn: olds.secretArn ?? "", secretVersionId: olds.secretVersionId ?? "", secretFingerprint: olds.secretFingerprint ?? "" };
  const declaredRotation = (news.secretRotation ?? 0) !== (olds.secretRotation ?? 0);
  const repair = olds.secretState !== undefined && olds.secretState !== news.secretState;
  if (declaredRotation || repair) ({ ep, stored } = await rotate(news, id, olds.secretFingerprint ?? ""));
  return { outs: toOutputs(news, ep, stored) };
}

/**
 * Rotates the signing secret and stores the new one. The previous secret keeps signing for the
 * overlap, so receivers that still hold it never reject a delivery. The idempotency key covers the
 * rotation number and the secret being replaced: an update killed after Selgeo rotated replays the
 * same rotation on the rerun and stores the same new secret, so none is lost.
 */
async function rotate(inputs: WebhookEndpointInputs, id: string, replacing: string): Promise<{ ep: WebhookEndpoint; stored: StoredSecret }> {
  const client = await selgeoClient();
  const idempotencyKey = deriveIdempotencyKey(["webhook_endpoint.rotate", inputs.resourceKey, id, String(inputs.secretRotation), replacing]);
  const rotated = await client.rotateWebhookSecret(id, { expiresIn: Math.round(inputs.rotationOverlapHours * 3600) }, { idempotencyKey });
  if (!rotated.secret) throw new Error(`Selgeo rotated ${id} without revealing the new secret`);
  const stored = await storeSecret(inputs.resourceKey, SECRET_KIND, id, rotated.secret);
  return { ep: rotated, stored };
}

/** Deletes the endpoint (one already gone counts as deleted), then its secret in Secrets Manager. */
export async function remove(id: string, props: Partial<WebhookEndpointOutputs> = {}): Promise<void> {
  invalidateSnapshots();
  await (await selgeoClient()).deleteWebhookEndpoint(id);
  await forgetSecret(props);
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

function toOutputs(inputs: WebhookEndpointInputs, ep: WebhookEndpoint, stored: StoredSecret): WebhookEndpointOutputs {
  return dropUndefined({
    ...inputs,
    ...stored,
    endpointId: ep.id,
    livemode: ep.livemode,
    status: ep.status,
    secretState: inputs.secretState,
    created: ep.created,
  });
}

/** A short, non-reversible tag of a secret, safe to show and to keep in state. */
export { fingerprint };

function userMetadata(m: Record<string, string>): Record<string, string> {
  const { [MANAGED_BY_METADATA_KEY]: _ours, ...rest } = m;
  return rest;
}


