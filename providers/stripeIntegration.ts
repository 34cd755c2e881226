import * as pulumi from "@pulumi/pulumi";
import { givenInputs, refuseImport, runtimeProvider } from "./runtimeProvider";

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
export class SelgeoStripeIntegration extends pulumi.dynamic.Resource {
  declare public readonly accountId: pulumi.Output<string>;
  declare public readonly connected: pulumi.Output<boolean>;
  declare public readonly webhookUrl: pulumi.Output<string>;
  declare public readonly webhookSecretConfigured: pulumi.Output<boolean>;
  declare public readonly feeDataAvailable: pulumi.Output<boolean>;

  constructor(name: string, args: SelgeoStripeIntegrationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      stripeIntegrationProvider,
      name,
      {
        ...givenInputs(args),
        accountId: args.accountId,
        connected: undefined,
        livemode: undefined,
        webhookUrl: undefined,
        webhookSecretConfigured: undefined,
        webhookSecretFingerprint: undefined,
        feeDataAvailable: undefined,
      },
      refuseImport(opts, "selgeo:StripeIntegration", "nothing: `pulumi up` connects the existing integration in place"),
      "selgeo",
      "StripeIntegration",
    );
  }
}
