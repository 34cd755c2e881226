import * as pulumi from "@pulumi/pulumi";
import { givenInputs, refuseImport, runtimeProvider } from "./runtimeProvider";

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
export class StripeWebhookEndpoint extends pulumi.dynamic.Resource {
  declare public readonly stripeEndpointId: pulumi.Output<string>;
  declare public readonly url: pulumi.Output<string>;
  declare public readonly enabledEvents: pulumi.Output<string[]>;
  declare public readonly status: pulumi.Output<string>;
  declare public readonly livemode: pulumi.Output<boolean>;
  /** Secrets Manager ARN of Stripe's `whsec_` for this endpoint (the value never enters state). */
  declare public readonly secretArn: pulumi.Output<string>;
  declare public readonly secretVersionId: pulumi.Output<string>;
  declare public readonly secretFingerprint: pulumi.Output<string>;

  constructor(name: string, args: StripeWebhookEndpointArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      stripeWebhookEndpointProvider,
      name,
      {
        ...givenInputs(args),
        enabledEvents: args.enabledEvents,
        resourceKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
        stripeEndpointId: undefined,
        status: undefined,
        livemode: undefined,
        secretArn: undefined,
        secretVersionId: undefined,
        secretFingerprint: undefined,
      },
      refuseImport(opts, "stripe:WebhookEndpoint", "selgeo:stripe.adoptId: we_…"),
      "stripe",
      "WebhookEndpoint",
    );
  }
}
