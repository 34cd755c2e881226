import * as pulumi from "@pulumi/pulumi";
import type { goLiveVerification } from "@selgeo-golive/runtime";
import { runtimeProvider } from "./runtimeProvider";
import { runtimeResource } from "./runtimeResource";

/** What `GoLiveVerification` checks. */
export interface GoLiveVerificationArgs {
  mode: pulumi.Input<"test" | "live">;
  /** The webhook endpoints to ping, each with where its secret is. */
  endpoints: pulumi.Input<
    pulumi.Input<{ name: pulumi.Input<string>; endpointId: pulumi.Input<string>; secretArn: pulumi.Input<string>; secretVersionId: pulumi.Input<string> }>[]
  >;
  /** The Stripe endpoint feeding Selgeo: a test event must reach Selgeo with a valid signature. */
  stripeEndpointId?: pulumi.Input<string>;
  /** Where the Stripe endpoint's `whsec_` is: the Stripe test event is signed with it. */
  stripeSecretArn?: pulumi.Input<string>;
  stripeSecretVersionId?: pulumi.Input<string>;
  /** Changes whenever something verified changes, so the checks run again (and only then). */
  fingerprint: pulumi.Input<string>;
}

/** The dynamic provider (logic in @selgeo-golive/runtime). */
export const goLiveVerificationProvider: pulumi.dynamic.ResourceProvider = runtimeProvider("goLiveVerification");

/**
 * The checklist's manual checks as a resource: every endpoint pinged (and a forged ping rejected by
 * the merchant's receiver), every stored secret matching what Selgeo signs with, a Stripe test event
 * verified by Selgeo. Declare the program's status with `dependsOn` it: a failed check stops the
 * deployment before the program goes active, and says which check failed and why.
 */
export const GoLiveVerification = runtimeResource<GoLiveVerificationArgs, goLiveVerification.VerificationOutputs>()({
  provider: goLiveVerificationProvider,
  type: "selgeo:GoLiveVerification",
  outputs: ["checks", "verifiedAt"],
  adoptWith: "nothing: it is a record of checks, just run `pulumi up`",
});
/** An instance of {@link GoLiveVerification}. */
export type GoLiveVerification = InstanceType<typeof GoLiveVerification>;
