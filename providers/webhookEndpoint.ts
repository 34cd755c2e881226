import * as pulumi from "@pulumi/pulumi";
import { runtimeProvider } from "./runtimeProvider";

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
}

/**
 * The dynamic provider. Every method defers to `@selgeo-golive/runtime`, required by name at run
 * time: state keeps a few lines, and no credential, since the key arrives through `configure` from
 * the stack config.
 */
export const webhookEndpointProvider: pulumi.dynamic.ResourceProvider = runtimeProvider("webhookEndpoint");

/** A Selgeo webhook endpoint with its event subscriptions and signing secret. */
export class WebhookEndpoint extends pulumi.dynamic.Resource {
  declare public readonly endpointId: pulumi.Output<string>;
  declare public readonly url: pulumi.Output<string>;
  declare public readonly events: pulumi.Output<string[]>;
  declare public readonly status: pulumi.Output<"enabled" | "disabled">;
  declare public readonly livemode: pulumi.Output<boolean>;
  /** The `whsec_` signing secret, a Pulumi secret. */
  declare public readonly secret: pulumi.Output<string>;
  declare public readonly secretFingerprint: pulumi.Output<string>;

  constructor(name: string, args: WebhookEndpointArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      ...args,
      resourceKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
      endpointId: undefined,
      status: undefined,
      livemode: undefined,
      secret: undefined,
      secretFingerprint: undefined,
      created: undefined,
    };
    super(webhookEndpointProvider, name, props, {
      ...opts,
      additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "secret"],
    }, "selgeo", "WebhookEndpoint");
  }
}
