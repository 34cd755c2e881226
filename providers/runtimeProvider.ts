import type * as pulumi from "@pulumi/pulumi";
import type * as Runtime from "@selgeo-golive/runtime";

/** The resource kinds whose logic lives in @selgeo-golive/runtime. */
export type RuntimeResourceKind = Runtime.ResourceKind;

/* eslint-disable @typescript-eslint/no-require-imports -- by name at run time, see below */
/**
 * A dynamic provider whose methods defer to `@selgeo-golive/runtime` (its callResourceLogic).
 *
 * The package is required by name inside each method: a workspace package's real path lies outside
 * node_modules, so a module imported at the top would be serialized by file path (or inlined) into
 * `__provider`. The methods are one line each and share nothing but `kind`: the serialized text is
 * stored twice per resource in state (inputs and outputs), which the engine rewrites whole after
 * every step of an `up`, and sent with each resource to a policy pack, so its size is paid per
 * resource many times over. No credential is in it: the keys arrive through `configure`, which the
 * engine calls with the stack config (the engine keeps that config as the default provider's
 * inputs: a reference as is, a secret config value encrypted).
 */
export function runtimeProvider(kind: RuntimeResourceKind): pulumi.dynamic.ResourceProvider {
  return {
    configure: async (req) => require("@selgeo-golive/runtime").configureDynamicProvider(req),
    check: (olds, news) => require("@selgeo-golive/runtime").callResourceLogic(kind, "check", [olds, news]),
    diff: (id, olds, news) => require("@selgeo-golive/runtime").callResourceLogic(kind, "diff", [id, olds, news]),
    create: (inputs) => require("@selgeo-golive/runtime").callResourceLogic(kind, "create", [inputs]),
    read: (id, props) => require("@selgeo-golive/runtime").callResourceLogic(kind, "read", [id, props]),
    update: (id, olds, news) => require("@selgeo-golive/runtime").callResourceLogic(kind, "update", [id, olds, news]),
    delete: (id, props) => require("@selgeo-golive/runtime").callResourceLogic(kind, "delete", [id, props]),
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The `import` resource option crashes inside Pulumi for dynamic resources (pulumi/pulumi#16175,
 * the engine reads the object without the serialized provider). Refuse it here with the way that
 * works, instead of letting the engine fail with a stack trace.
 */
export function refuseImport(opts: pulumi.CustomResourceOptions | undefined, type: string, adoptWith: string): pulumi.CustomResourceOptions | undefined {
  if (opts?.import === undefined) return opts;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RunError } = require("@pulumi/pulumi") as typeof pulumi;
  throw new RunError(
    `${type}: the import option does not work for Pulumi dynamic resources (pulumi/pulumi#16175), and neither does \`pulumi import\`. ` +
      `Take the existing object over with ${adoptWith} instead (see README, "Adopting existing objects").`,
  );
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
