import * as pulumi from "@pulumi/pulumi";

/**
 * The property bag a dynamic Resource registers: its inputs, then each output name set to
 * `undefined` (Pulumi exposes an output only for a property present in the bag). With `keyedBy`,
 * also `resourceKey` (`project/stack/name`), which the runtime derives idempotency keys and the
 * managed-by marker from, so it must be the same for every resource that has one.
 */
export function resourceProps<A extends object>(args: A, outputs: readonly string[], keyedBy?: string): Record<string, unknown> {
  return {
    ...args,
    ...(keyedBy === undefined ? {} : { resourceKey: `${pulumi.getProject()}/${pulumi.getStack()}/${keyedBy}` }),
    ...Object.fromEntries(outputs.map((o) => [o, undefined])),
  };
}
