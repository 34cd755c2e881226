import * as pulumi from "@pulumi/pulumi";
import type { webhookEndpoint } from "@selgeo-golive/runtime";
import { runtimeProvider } from "./runtimeProvider";
import { runtimeResource } from "./runtimeResource";

/** Inputs of a Selgeo webhook endpoint (checklist item 4). */
export interface WebhookEndpointArgs {
  /** The mode the endpoint lives in; must equal the stack's `selgeo:mode`. A change replaces it. */
  mode: pulumi.Input<"test" | "live">;
  /** Where Selgeo delivers events. Live mode: public HTTPS only. */
  url: pulumi.Input<string>;
  /** Event types to subscribe to; compared as a set. */
  events: pulumi.Input<pulumi.Input<string>[]>;
  description?: pulumi.Input<string>;
  /** `false` keeps the endpoint but stops deliveries. Default `true`. */
  enabled?: pulumi.Input<boolean>;
  metadata?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Adopt an existing endpoint (`we_…`) instead of creating one; its secret is not rotated. */
  adoptId?: pulumi.Input<string>;
  /** Bump (0 → 1 → 2 …) to rotate the signing secret; the old one stays valid for the overlap. */
  secretRotation?: pulumi.Input<number>;
  /** Hours the previous secret keeps signing after a rotation. Default 24. */
  rotationOverlapHours?: pulumi.Input<number>;
}

/**
 * The dynamic provider. Every method defers to `@selgeo-golive/runtime`, required by name at run
 * time: state keeps a few lines, and no credential, since the key arrives through `configure` from
 * the stack config.
 */
export const webhookEndpointProvider: pulumi.dynamic.ResourceProvider = runtimeProvider("webhookEndpoint");

/** A Selgeo webhook endpoint with its event subscriptions and signing secret. */
export const WebhookEndpoint = runtimeResource<WebhookEndpointArgs, webhookEndpoint.WebhookEndpointOutputs>()({
  provider: webhookEndpointProvider,
  type: "selgeo:WebhookEndpoint",
  outputs: ["endpointId", "url", "events", "status", "livemode", "secretArn", "secretVersionId", "secretFingerprint", "secretState", "created"],
  keyed: true,
  adoptWith: "adoptId: we_… in selgeo:webhookEndpoints.<name>",
});
/** An instance of {@link WebhookEndpoint}. */
export type WebhookEndpoint = InstanceType<typeof WebhookEndpoint>;
