import * as pulumi from "@pulumi/pulumi";
import { resourceProps } from "./resourceProps";
import { refuseImport } from "./runtimeProvider";

/** How one kind of dynamic resource registers with Pulumi. */
export interface RuntimeResourceSpec<K extends string> {
  /** Its dynamic provider (`runtimeProvider(kind)`, one object per kind: the SDK serializes it once). */
  provider: pulumi.dynamic.ResourceProvider;
  /** The type token as Pulumi shows it, `module:Type`. */
  type: `${string}:${string}`;
  /**
   * The properties the class exposes as outputs. Inputs may be among them: a given input keeps its
   * value, one left out is still exposed, as the provider fills it in.
   */
  outputs: readonly K[];
  /** Set when the logic needs `resourceKey` (idempotency keys and the managed-by marker derive from it). */
  keyed?: boolean;
  /** How to take an existing object over instead of the `import` option (see refuseImport). */
  adoptWith: string;
}

/**
 * The outputs a resource class exposes: the named properties of the state its runtime logic keeps,
 * each as a `pulumi.Output` (their documentation comes along from the state type).
 */
export type ExposedOutputs<S, K extends keyof S> = { readonly [P in keyof Pick<S, K>]-?: pulumi.Output<S[P]> };

/** A dynamic resource class taking `A` as its arguments and exposing outputs `O`. */
export type RuntimeResourceClass<A, O> = new (name: string, args: A, opts?: pulumi.CustomResourceOptions) => pulumi.dynamic.Resource & O;

/**
 * The class of a resource whose logic is in @selgeo-golive/runtime: its constructor registers the
 * given inputs, `resourceKey` when keyed and the output slots, and refuses the `import` option. `A`
 * is the class's arguments and `S` the state the runtime keeps; the output names are inferred from
 * `spec.outputs`, which is why the spec comes in a second call. Export the class as it is, with its
 * instance type beside it:
 *
 *     export const Program = runtimeResource<ProgramArgs, ProgramState>()({ … });
 *     export type Program = InstanceType<typeof Program>;
 *
 * rather than as a subclass: each constructor in the chain is one more frame of the stack trace
 * that state keeps for every resource.
 */
export function runtimeResource<A extends object, S>() {
  return <K extends keyof S & string>(spec: RuntimeResourceSpec<K>): RuntimeResourceClass<A, ExposedOutputs<S, K>> => {
    const [module, type] = spec.type.split(":");
    class RuntimeResource extends pulumi.dynamic.Resource {
      constructor(name: string, args: A, opts?: pulumi.CustomResourceOptions) {
        const props = resourceProps(args, spec.outputs, spec.keyed ? name : undefined);
        const checkedOpts = refuseImport(opts, spec.type, spec.adoptWith);
        // While it registers a resource, the SDK takes a debugging stack trace (`new Error().stack`,
        // formatted at once, through source-map-support) for each of the four promises of every
        // property; read only when Pulumi reports a leaked promise, they were most of a no-op
        // preview's time. The stack trace state keeps (sourcePosition, stackTrace) is unaffected:
        // the SDK lifts the limit itself to take it.
        const stackTraceLimit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
          super(spec.provider, name, props, checkedOpts, module, type);
        } finally {
          Error.stackTraceLimit = stackTraceLimit;
        }
      }
    }
    // The output properties exist at run time (registered as output slots); the class types them.
    return RuntimeResource as unknown as RuntimeResourceClass<A, ExposedOutputs<S, K>>;
  };
}
