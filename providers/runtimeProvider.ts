import { existsSync } from "node:fs";
import Module from "node:module";
import path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type * as Runtime from "@selgeo-golive/runtime";

/** The resource kinds whose logic lives in @selgeo-golive/runtime. */
export type RuntimeResourceKind = Runtime.ResourceKind;

/**
 * The dynamic provider of `kind`, as Pulumi should store it: `require("@selgeo-golive/runtime/dist/
 * dynamicProviders/<kind>.js")`, a few hundred bytes per resource and no credential (the keys arrive
 * through `configure`, which the engine calls with the stack config; the engine keeps that config
 * as the default provider's inputs: a reference as is, a secret config value encrypted).
 *
 * Pulumi's closure serializer writes a value as a `require` of its module only when that module's
 * file lies under a node_modules folder; otherwise it inlines the code. The runtime is an npm
 * workspace package, a symlink in node_modules whose real path Node would use, so the module is
 * loaded here through its node_modules path instead (loadThroughNodeModules). The serialized text
 * is stored twice per resource (inputs and outputs), the engine rewrites the whole state after every
 * step of an `up`, and sends each resource's inputs to every policy pack: a few kilobytes of inlined
 * provider per resource made `up` grow with the square of the resources far faster than the engine's
 * floor. When the package is not reachable through node_modules, the provider is the one-line
 * closures of providerByClosures, which work the same and are only longer.
 */
export function runtimeProvider(kind: RuntimeResourceKind): pulumi.dynamic.ResourceProvider {
  return loadThroughNodeModules(`@selgeo-golive/runtime/dist/dynamicProviders/${kind}.js`) ?? providerByClosures(kind);
}

/**
 * Loads `specifier` (a file of a package) from the first node_modules folder on this module's
 * resolution path that has it, keeping that path (not the symlink's target) as its name in the
 * module cache. Undefined when no node_modules folder has it.
 */
function loadThroughNodeModules(specifier: string): pulumi.dynamic.ResourceProvider | undefined {
  for (const dir of require.resolve.paths(specifier) ?? []) {
    const file = path.join(dir, specifier);
    if (!existsSync(file)) continue;
    const cached = require.cache[file];
    if (cached) return cached.exports;
    // What require() does for a file, minus resolving the symlink: Module#load and
    // Module._nodeModulePaths are Node's own (stable since Node 0.x), not in @types/node.
    const m = new Module(file, module) as Module & { load(file: string): void };
    m.filename = file;
    m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
    require.cache[file] = m;
    try {
      m.load(file);
    } catch (e) {
      delete require.cache[file];
      throw e;
    }
    return m.exports;
  }
  return undefined;
}

/* eslint-disable @typescript-eslint/no-require-imports -- by name at run time, see runtimeProvider */
/** The same provider as one-line closures requiring the runtime by name (serialized inline). */
function providerByClosures(kind: RuntimeResourceKind): pulumi.dynamic.ResourceProvider {
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
