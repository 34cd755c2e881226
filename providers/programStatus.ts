import * as pulumi from "@pulumi/pulumi";
import { givenInputs, refuseImport, runtimeProvider } from "./runtimeProvider";

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
export class ProgramStatus extends pulumi.dynamic.Resource {
  declare public readonly status: pulumi.Output<string>;
  declare public readonly activatedAt: pulumi.Output<number | undefined>;

  constructor(name: string, args: ProgramStatusArgs, opts?: pulumi.CustomResourceOptions) {
    super(programStatusProvider, name, { ...givenInputs(args), activatedAt: undefined }, refuseImport(opts, "selgeo:ProgramStatus", "selgeo:program.adoptId (the status follows the adopted program)"), "selgeo", "ProgramStatus");
  }
}
