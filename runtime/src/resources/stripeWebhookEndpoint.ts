/**
 * The logic behind `StripeWebhookEndpoint` (checklist item 2): the endpoint in the merchant's Stripe
 * account that sends Stripe's events to the Selgeo-provided URL, through the official `stripe` SDK.
 */
import type Stripe from "stripe";
import { z } from "zod";
import { canonicalJson, deriveIdempotencyKey } from "../idempotency";
import { stripeClient, stripeSettingsProblems } from "../providerSettings";
import { MODES, STRIPE_WEBHOOK_EVENTS, type Mode } from "../schemas";
import { checkWebhookUrl } from "../urlRules";
import { forgetSecret, secretsManagerState, storeSecret, type SecretState, type StoredSecret } from "./generatedSecret";
import { MANAGED_BY_METADATA_KEY } from "./webhookEndpoint";
import { adoptionChanges, adoptionTargetMissing, isNewAdoption } from "./adoption";
import { checkInputs, createWithKeyChain, dropUndefined, keyedDiff, replacementOf, replacingChanges, UNKNOWN } from "./common";
import type { CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult } from "./common";

/** The Stripe events Selgeo needs (checklist item 2). */
export const STRIPE_REQUIRED_EVENTS = STRIPE_WEBHOOK_EVENTS;

/** Inputs after `check`. */
export interface StripeWebhookEndpointInputs {
  resourceKey: string;
  mode: Mode;
  /** The Selgeo-provided receiver URL (`webhook_url` of Selgeo's Stripe integration). */
  url: string;
  /** Compared as a set; must include STRIPE_REQUIRED_EVENTS. */
  enabledEvents: string[];
  description: string;
  enabled: boolean;
  metadata: Record<string, string>;
  /** Adopt an existing Stripe endpoint (`we_…`) instead of creating one. */
  adoptId?: string;
  /** The secret state to converge on (computed by `check`): `in_sync`, or `adopted`. */
  secretState: SecretState;
  /**
   * Computed by `check` when `adoptId` is new: each field the take-over will change, as
   * `field: <as found> => <as declared>`, so the preview shows it.
   */
  adoptChanges?: string[];
}

/**
 * State of a Stripe webhook endpoint. Its `whsec_` goes to Secrets Manager the moment Stripe reveals
 * it (only on create); state keeps the ARN, version and fingerprint.
 */
export interface StripeWebhookEndpointOutputs extends StripeWebhookEndpointInputs, StoredSecret {
  stripeEndpointId: string;
  livemode: boolean;
  status: string;
}

const SECRET_KIND = "stripe-webhook-endpoint";


const InputShape = z.object({
  resourceKey: z.string().min(1),
  mode: z.enum(MODES),
  url: z.string().min(1, "url is required: Selgeo's Stripe webhook URL"),
  enabledEvents: z.array(z.string()).default([...STRIPE_REQUIRED_EVENTS]),
  description: z.string().max(5000).default("Selgeo affiliate tracking (managed by selgeo-golive)"),
  enabled: z.boolean().default(true),
  metadata: z.record(z.string(), z.string()).default({}),
  adoptId: z.string().regex(/^we_/, "adoptId must be a Stripe webhook endpoint id (we_…)").optional(),
});

/** Validates inputs: Stripe key mode, URL, and the three events Selgeo needs. */
export async function check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
  const { data: inputs, failures } = await checkInputs(news, InputShape, () => stripeSettingsProblems());
  if (!inputs) return { inputs: news, failures };
  if (inputs.url !== UNKNOWN) {
    const res = checkWebhookUrl(inputs.url, inputs.mode);
    if (!res.ok) failures.push({ property: "url", reason: res.message });
  }
  const events = [...new Set(inputs.enabledEvents)].sort();
  const missing = STRIPE_REQUIRED_EVENTS.filter((e) => !events.includes(e) && !events.includes("*"));
  if (missing.length > 0) {
    failures.push({
      property: "enabledEvents",
      reason: `Selgeo needs ${missing.join(", ")} from Stripe (checklist item 2): add ${missing.length === 1 ? "it" : "them"}`,
    });
  }
  const secretState: SecretState = inputs.adoptId ? "adopted" : "in_sync";
  const checked: StripeWebhookEndpointInputs = dropUndefined({ ...inputs, enabledEvents: events, secretState });
  if (failures.length === 0 && isNewAdoption(olds, checked)) {
    const found = await read(checked.adoptId, { resourceKey: checked.resourceKey, adoptId: checked.adoptId });
    if (!found.inputs) failures.push(adoptionTargetMissing("stripeWebhookEndpoint", checked.resourceKey, checked.adoptId, "Stripe webhook endpoint", "this account's Stripe account"));
    else checked.adoptChanges = adoptionChanges(found.inputs, checked, UPDATABLE);
  }
  return { inputs: dropUndefined({ ...checked }), failures };
}

const UPDATABLE = ["url", "enabledEvents", "description", "enabled", "metadata"] as const;

/** Mode and adoption target replace; the rest updates in place (the Stripe signing secret survives). */
export async function diff(id: string, olds: Partial<StripeWebhookEndpointOutputs>, news: Partial<StripeWebhookEndpointInputs>): Promise<DiffResult> {
  const replaces = replacingChanges(olds, news, ["mode"]);
  // Stripe reveals a signing secret only when an endpoint is created: a secret lost or changed in
  // Secrets Manager is repaired by a new endpoint (created before the old one is deleted).
  if (olds.secretState !== undefined && news.secretState !== undefined && olds.secretState !== news.secretState) replaces.push("secretState");
  const norm = (k: (typeof UPDATABLE)[number], v: unknown) =>
    k === "enabledEvents" ? [...new Set((v as string[]) ?? [])].sort() : k === "metadata" ? (v ?? {}) : v;
  const changed = UPDATABLE.filter((k) => canonicalJson(norm(k, olds[k])) !== canonicalJson(norm(k, news[k])));
  return keyedDiff(id, news.resourceKey, replaces, changed);
}

function createParams(inputs: StripeWebhookEndpointInputs): Stripe.WebhookEndpointCreateParams {
  return {
    url: inputs.url,
    enabled_events: inputs.enabledEvents as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
    description: inputs.description,
    metadata: { ...inputs.metadata, [MANAGED_BY_METADATA_KEY]: inputs.resourceKey },
  };
}

/** Creates the Stripe endpoint; idempotent across a crashed `pulumi up` (see webhookEndpoint.create). */
export async function create(inputs: StripeWebhookEndpointInputs): Promise<CreateResult<StripeWebhookEndpointOutputs>> {
  const stripe = (await stripeClient());
  if (inputs.adoptId) {
    const ep = await stripe.webhookEndpoints.update(inputs.adoptId, { ...createParams(inputs), disabled: !inputs.enabled });
    return { id: ep.id, outs: toOutputs(inputs, ep, { secretArn: "", secretVersionId: "", secretFingerprint: "" }) };
  }
  const params = createParams(inputs);
  // A repair replaces the endpoint whose secret was lost; Stripe would replay that very endpoint for
  // 24 h, and deleting it afterwards would leave Stripe with none: the chain moves past it.
  let { object: ep } = await createWithKeyChain({
    what: `Stripe webhook endpoint ${inputs.resourceKey}`,
    baseKey: deriveIdempotencyKey(["stripe.webhook_endpoint.create", inputs.resourceKey, canonicalJson(params)]),
    create: (idempotencyKey) => stripe.webhookEndpoints.create(params, { idempotencyKey }),
    idOf: (e) => e.id,
    isLive: async (e) => (await retrieveOrUndefined(stripe, e.id)) !== undefined,
    // Only a replay can name a deleted object: a fresh create is not read back.
    wasReplayed: (e) => stripeReplayed(e),
    avoid: replacementOf(inputs.resourceKey),
  });
  if (!ep.secret) throw new Error(`Stripe created ${ep.id} without revealing its signing secret`);
  const stored = await storeSecret(inputs.resourceKey, SECRET_KIND, ep.id, ep.secret);
  if (!inputs.enabled) ep = await stripe.webhookEndpoints.update(ep.id, { disabled: true });
  return { id: ep.id, outs: toOutputs(inputs, ep, stored) };
}

/** Whether Stripe answered with a stored response (`Idempotent-Replayed: true`) instead of creating now. */
export function stripeReplayed(res: { lastResponse?: { headers?: Record<string, string> } }): boolean {
  return String(res.lastResponse?.headers?.["idempotent-replayed"] ?? "").toLowerCase() === "true";
}

async function retrieveOrUndefined(stripe: Stripe, id: string): Promise<Stripe.WebhookEndpoint | undefined> {
  try {
    return await stripe.webhookEndpoints.retrieve(id);
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

/** Reads the endpoint as Stripe has it; deleted → empty id, so refresh drops it. */
export async function read(id: string, props: Partial<StripeWebhookEndpointOutputs>): Promise<ReadResult<StripeWebhookEndpointOutputs, StripeWebhookEndpointInputs>> {
  const ep = await retrieveOrUndefined((await stripeClient()), id);
  if (!ep) return { id: "" };
  const { [MANAGED_BY_METADATA_KEY]: _ours, ...userMeta } = (ep.metadata ?? {}) as Record<string, string>;
  const inputs: StripeWebhookEndpointInputs = dropUndefined({
    resourceKey: props.resourceKey ?? id,
    mode: ep.livemode ? "live" : "test",
    url: ep.url,
    enabledEvents: [...ep.enabled_events].sort(),
    description: ep.description ?? "",
    enabled: ep.status === "enabled",
    metadata: userMeta,
    adoptId: props.adoptId,
    // What the adoption changed stays on record; refresh does not make it drift.
    adoptChanges: props.adoptChanges,
    secretState: "in_sync",
  });
  const stored: StoredSecret = { secretArn: props.secretArn ?? "", secretVersionId: props.secretVersionId ?? "", secretFingerprint: props.secretFingerprint ?? "" };
  inputs.secretState = await secretsManagerState(stored);
  return { id: ep.id, props: toOutputs(inputs, ep, stored), inputs };
}

/** Updates url, events, description, enabled and metadata in place. */
export async function update(id: string, olds: StripeWebhookEndpointOutputs, news: StripeWebhookEndpointInputs): Promise<UpdateResult<StripeWebhookEndpointOutputs>> {
  const ep = await (await stripeClient()).webhookEndpoints.update(id, { ...createParams(news), disabled: !news.enabled });
  return { outs: toOutputs(news, ep, { secretArn: olds.secretArn ?? "", secretVersionId: olds.secretVersionId ?? "", secretFingerprint: olds.secretFingerprint ?? "" }) };
}

/** Deletes the endpoint (one already gone counts as deleted), then its secret in Secrets Manager. */
export async function remove(id: string, props: Partial<StripeWebhookEndpointOutputs> = {}): Promise<void> {
  try {
    await (await stripeClient()).webhookEndpoints.del(id);
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
  await forgetSecret(props);
}

function toOutputs(inputs: StripeWebhookEndpointInputs, ep: Stripe.WebhookEndpoint, stored: StoredSecret): StripeWebhookEndpointOutputs {
  return dropUndefined({
    ...inputs,
    ...stored,
    stripeEndpointId: ep.id,
    livemode: ep.livemode,
    status: ep.status,
  });
}

