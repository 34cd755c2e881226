import * as pulumi from "@pulumi/pulumi";
import type { stripeIntegration } from "@selgeo-golive/runtime";
import { runtimeProvider } from "./runtimeProvider";
import { runtimeResource } from "./runtimeResource";

/** Inputs of Selgeo's Stripe integration (checklist item 2). */
export interface SelgeoStripeIntegrationArgs {
  mode: pulumi.Input<"test" | "live">;
  /** The Stripe account (`acct_…`); default: the account of the stack's Stripe key. */
  accountId?: pulumi.Input<string>;
  /** Where the Stripe endpoint's signing secret is (`StripeWebhookEndpoint.secretArn`). */
  webhookSigningSecretArn: pulumi.Input<string>;
  /** Its version (`StripeWebhookEndpoint.secretVersionId`). */
  webhookSigningSecretVersionId: pulumi.Input<string>;
}

/** The dynamic provider (logic in @selgeo-golive/runtime). */
export const stripeIntegrationProvider: pulumi.dynamic.ResourceProvider = runtimeProvider("stripeIntegration");

/** Selgeo connected to Stripe in the stack's mode, able to verify Stripe's events. */
export const SelgeoStripeIntegration = runtimeResource<SelgeoStripeIntegrationArgs, stripeIntegration.StripeIntegrationOutputs>()({
  provider: stripeIntegrationProvider,
  type: "selgeo:StripeIntegration",
  outputs: ["accountId", "connected", "livemode", "webhookUrl", "webhookSecretConfigured", "webhookSecretFingerprint", "feeDataAvailable"],
  adoptWith: "nothing: `pulumi up` connects the existing integration in place",
});
/** An instance of {@link SelgeoStripeIntegration}. */
export type SelgeoStripeIntegration = InstanceType<typeof SelgeoStripeIntegration>;
