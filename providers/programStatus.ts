import * as pulumi from "@pulumi/pulumi";
import type { ProgramStatusOutputs } from "@selgeo-golive/runtime";
import { runtimeProvider } from "./runtimeProvider";
import { runtimeResource } from "./runtimeResource";

/** Inputs of a program's status (checklist item 8). */
export interface ProgramStatusArgs {
  programId: pulumi.Input<string>;
  /** Used in error messages. */
  programName: pulumi.Input<string>;
  status: pulumi.Input<"draft" | "active" | "paused">;
}

/** The dynamic provider (logic in @selgeo-golive/runtime). */
export const programStatusProvider: pulumi.dynamic.ResourceProvider = runtimeProvider("programStatus");

/**
 * The status of a program. Declare it with `dependsOn` everything else, so `active` is the last
 * thing `pulumi up` applies; in live mode Selgeo refuses activation until a commission rule, a
 * connected Stripe integration and an enabled webhook endpoint exist, and the error says which.
 */
export const ProgramStatus = runtimeResource<ProgramStatusArgs, ProgramStatusOutputs>()({
  provider: programStatusProvider,
  type: "selgeo:ProgramStatus",
  outputs: ["status", "activatedAt"],
  adoptWith: "selgeo:program.adoptId (the status follows the adopted program)",
});
/** An instance of {@link ProgramStatus}. */
export type ProgramStatus = InstanceType<typeof ProgramStatus>;
