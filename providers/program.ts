import * as pulumi from "@pulumi/pulumi";
import type { program } from "@selgeo-golive/runtime";
import { runtimeProvider } from "./runtimeProvider";
import { runtimeResource } from "./runtimeResource";

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
export const Program = runtimeResource<ProgramArgs, program.ProgramOutputs>()({
  provider: programProvider,
  type: "selgeo:Program",
  outputs: ["programId", "status", "inviteUrl", "applicationUrl", "livemode", "activatedAt"],
  keyed: true,
  adoptWith: "selgeo:program.adoptId: prog_…",
});
/** An instance of {@link Program}. */
export type Program = InstanceType<typeof Program>;
