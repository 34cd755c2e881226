import * as pulumi from "@pulumi/pulumi";
import { givenInputs, refuseImport, runtimeProvider } from "./runtimeProvider";

/** Inputs of the affiliate program (checklist item 8). */
export interface ProgramArgs {
  mode: pulumi.Input<"test" | "live">;
  name: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** Lower-case ISO code; a change replaces the program. Default usd. */
  currency?: pulumi.Input<string>;
  metadata?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Adopt an existing program (`prog_…`) instead of creating one. */
  adoptId?: pulumi.Input<string>;
}

/** The dynamic provider (logic in @selgeo-golive/runtime). */
export const programProvider: pulumi.dynamic.ResourceProvider = runtimeProvider("program");

/**
 * A Selgeo affiliate program, created in draft (its status is the `ProgramStatus` resource's, applied
 * last). `pulumi destroy` archives it: Selgeo keeps programs.
 */
export class Program extends pulumi.dynamic.Resource {
  declare public readonly programId: pulumi.Output<string>;
  declare public readonly status: pulumi.Output<string>;
  declare public readonly inviteUrl: pulumi.Output<string>;
  declare public readonly applicationUrl: pulumi.Output<string>;
  declare public readonly livemode: pulumi.Output<boolean>;

  constructor(name: string, args: ProgramArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      programProvider,
      name,
      {
        ...givenInputs(args),
        resourceKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
        programId: undefined,
        inviteUrl: undefined,
        applicationUrl: undefined,
        livemode: undefined,
        activatedAt: undefined,
      },
      refuseImport(opts, "selgeo:Program", "selgeo:program.adoptId: prog_…"),
      "selgeo",
      "Program",
    );
  }
}
