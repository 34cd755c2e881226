import * as pulumi from "@pulumi/pulumi";
import { givenInputs } from "./runtimeProvider";

/**
 * The property bag a dynamic Resource registers: the inputs actually given (each property costs the
 * engine an Output per resource, so absent ones are left out), then each output name not given as an
 * input set to `undefined` (Pulumi exposes an output only for a property present in the bag). With
 * `keyedBy`, also `resourceKey` (`project/stack/name`), which the runtime derives idempotency keys
 * and the managed-by marker from, so it must be the same for every resource that has one.
 */
export function resourceProps<A extends object>(args: A, outputs: readonly string[], keyedBy?: string): Record<string, unknown> {
  const props: Record<string, unknown> = givenInputs(args);
  if (keyedBy !== undefined) props.resourceKey = `${pulumi.getProject()}/${pulumi.getStack()}/${keyedBy}`;
  for (const o of outputs) if (!(o in props)) props[o] = undefined;
  return props;
}
