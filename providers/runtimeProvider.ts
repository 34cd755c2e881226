import type * as pulumi from "@pulumi/pulumi";
import type * as Runtime from "@selgeo-golive/runtime";

/** The resource kinds whose logic lives in @selgeo-golive/runtime. */
export type RuntimeResourceKind = "webhookEndpoint" | "stripeWebhookEndpoint" | "stripeIntegration" | "commissionRule" | "program" | "programStatus" | "verification";

/**
 * A dynamic provider whose methods defer to `@selgeo-golive/runtime`.
 *
 * The package is required by name inside each method: a workspace package's real path lies outside
 * node_modules, so a module imported at the top would be serialized by file path (or inlined) into
 * `__provider`. This way state holds a few lines per resource and no credential: the keys arrive
 * through `configure`, which the engine calls with the stack config.
 */
export function runtimeProvider(kind: RuntimeResourceKind): pulumi.dynamic.ResourceProvider {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rt = (): typeof Runtime => require("@selgeo-golive/runtime");
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const logic = (): any => rt()[kind];
  // Unreachable Selgeo, a wrong URL or a refused key: one line naming the config key, not a stack trace.
  const explained = <T>(p: Promise<T>): Promise<T> =>
    p.catch((e: unknown) => {
      throw rt().explainSettingsError(e);
    });
  return {
    async configure(req) {
      rt().configureFromStack(req.config);
    },
    check: (olds, news) => explained(logic().check(olds, news)),
    diff: (id, olds, news) => explained(logic().diff(id, olds, news)),
    create: (inputs) => explained(logic().create(inputs)),
    read: (id, props) => explained(logic().read(id, props)),
    update: (id, olds, news) => explained(logic().update(id, olds, news)),
    delete: (id, props) => explained(logic().remove(id, props)),
  };
}
