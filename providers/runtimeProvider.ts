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
 * floor. The program imports the runtime by name too, so wherever it runs the package is there.
 */
export function runtimeProvider(kind: RuntimeResourceKind): pulumi.dynamic.ResourceProvider {
  const specifier = `@selgeo-golive/runtime/dist/dynamicProviders/${kind}.js`;
  const provider = loadThroughNodeModules(specifier);
  if (provider === undefined) throw new Error(`${specifier} is in no node_modules folder above ${__dirname}: run \`npm ci && npm run build\` in the project`);
  return provider;
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
