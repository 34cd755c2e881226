import * as pulumi from "@pulumi/pulumi";

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

/**
 * The inputs given, without the optional ones left undefined. The engine never receives an
 * undefined input, but the SDK still makes an Output (four promises, each with a formatted stack
 * trace) for every key of a resource's properties: at a few hundred resources that was a measurable
 * share of a no-op preview. Outputs the class declares are added by the caller, as `undefined`.
 */
export function givenInputs<T extends object>(args: T): Partial<T> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as Partial<T>;
}
