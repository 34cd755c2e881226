import * as pulumi from "@pulumi/pulumi";
import type { stripeWebhookEndpoint } from "@selgeo-golive/runtime";
import { runtimeProvider } from "./runtimeProvider";
import { runtimeResource } from "./runtimeResource";

/** Inputs of the Stripe webhook endpoint that feeds Selgeo (checklist item 2). */
export interface StripeWebhookEndpointArgs {
  /** Must equal the stack's `selgeo:mode`; the Stripe key's mode must match too. */
  mode: pulumi.Input<"test" | "live">;
  /** Selgeo's Stripe receiver (`webhookUrl` of the Selgeo Stripe integration). */
  url: pulumi.Input<string>;
  /** Default and minimum: checkout.session.completed, invoice.paid, charge.refunded. Compared as a set. */
  enabledEvents?: pulumi.Input<pulumi.Input<string>[]>;
  description?: pulumi.Input<string>;
  enabled?: pulumi.Input<boolean>;
  metadata?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Adopt an existing Stripe endpoint (`we_…`) instead of creating one. */
  adoptId?: pulumi.Input<string>;
}

/** The dynamic provider: the official `stripe` SDK, with the key from the stack config at run time. */
export const stripeWebhookEndpointProvider: pulumi.dynamic.ResourceProvider = runtimeProvider("stripeWebhookEndpoint");

/** A webhook endpoint in the merchant's Stripe account pointing at Selgeo. */
export const StripeWebhookEndpoint = runtimeResource<StripeWebhookEndpointArgs, stripeWebhookEndpoint.StripeWebhookEndpointOutputs>()({
  provider: stripeWebhookEndpointProvider,
  type: "stripe:WebhookEndpoint",
  outputs: ["stripeEndpointId", "url", "enabledEvents", "status", "livemode", "secretArn", "secretVersionId", "secretFingerprint"],
  keyed: true,
  adoptWith: "selgeo:stripe.adoptId: we_…",
});
/** An instance of {@link StripeWebhookEndpoint}. */
export type StripeWebhookEndpoint = InstanceType<typeof StripeWebhookEndpoint>;
