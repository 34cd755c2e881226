import * as pulumi from "@pulumi/pulumi";
import { resourceProps } from "./resourceProps";
import { refuseImport, runtimeProvider } from "./runtimeProvider";

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
export class GoLiveVerification extends pulumi.dynamic.Resource {
  declare public readonly checks: pulumi.Output<Array<{ check: string; detail: string }>>;
  declare public readonly verifiedAt: pulumi.Output<string>;

  constructor(name: string, args: GoLiveVerificationArgs, opts?: pulumi.CustomResourceOptions) {
    super(goLiveVerificationProvider, name, resourceProps(args, ["checks", "verifiedAt"]), refuseImport(opts, "selgeo:GoLiveVerification", "nothing: it is a record of checks, just run `pulumi up`"), "selgeo", "GoLiveVerification");
  }
}
