/**
 * The dynamic providers: each kind's provider object (dynamicProviderFor, one module per kind in
 * ./dynamicProviders, which providers/runtimeProvider.ts hands Pulumi), whose methods all go
 * through callResourceLogic and configureDynamicProvider.
 *
 * A serialized provider is stored twice in state for every resource (inputs and outputs), the
 * engine writes the whole state after each step of an `up`, and it sends each resource's inputs to
 * every policy pack: what the providers do lives here, in code that is loaded, not stored.
 */
import { configureFromStack, type ConfigSource } from "./providerSettings";
import { explainSettingsError } from "./friendlyErrors";
import * as commissionRule from "./resources/commissionRule";
import * as goLiveVerification from "./resources/goLiveVerification";
import * as program from "./resources/program";
import { programStatus } from "./resources/programStatus";
import * as stripeIntegration from "./resources/stripeIntegration";
import * as stripeWebhookEndpoint from "./resources/stripeWebhookEndpoint";
import * as webhookEndpoint from "./resources/webhookEndpoint";

/** Each resource kind's logic, by the name its provider passes. */
const LOGIC = { webhookEndpoint, stripeWebhookEndpoint, stripeIntegration, commissionRule, program, programStatus, goLiveVerification } as const;

/** The resource kinds whose logic lives here, by the name `providers/` passes. */
export type ResourceKind = keyof typeof LOGIC;

/** The dynamic-provider methods, as Pulumi names them. */
export const PROVIDER_METHODS = ["check", "diff", "create", "read", "update", "delete"] as const;
export type ProviderMethod = (typeof PROVIDER_METHODS)[number];

/** `configure`: the engine hands every provider the stack config; keys and URLs are read from it. */
export function configureDynamicProvider(req: { config: ConfigSource }): void {
  configureFromStack(req.config);
}

/**
 * Runs `method` of `kind` with the engine's arguments. Unreachable Selgeo, a wrong URL or a refused
 * key become one line naming the config key (explainSettingsError), not a stack trace.
 */
export async function callResourceLogic(kind: ResourceKind, method: ProviderMethod, args: unknown[]): Promise<unknown> {
  const logic = LOGIC[kind] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  if (logic === undefined) throw new Error(`unknown resource kind ${JSON.stringify(kind)}`);
  try {
    // `delete` is a reserved word for a module export: the logic calls it remove.
    return await logic[method === "delete" ? "remove" : method](...args);
  } catch (e) {
    throw explainSettingsError(e);
  }
}

/**
 * A Pulumi dynamic provider (`pulumi.dynamic.ResourceProvider`), typed here by its method names
 * only: the runtime does not depend on @pulumi/pulumi.
 */
export type DynamicProvider = { configure(req: { config: ConfigSource }): Promise<void> } & Record<ProviderMethod, (...args: never[]) => Promise<unknown>>;

/** The dynamic provider of `kind`: every method runs the kind's logic through callResourceLogic. */
export function dynamicProviderFor(kind: ResourceKind): DynamicProvider {
  return {
    configure: async (req) => configureDynamicProvider(req),
    check: (olds: unknown, news: unknown) => callResourceLogic(kind, "check", [olds, news]),
    diff: (id: string, olds: unknown, news: unknown) => callResourceLogic(kind, "diff", [id, olds, news]),
    create: (inputs: unknown) => callResourceLogic(kind, "create", [inputs]),
    read: (id: string, props: unknown) => callResourceLogic(kind, "read", [id, props]),
    update: (id: string, olds: unknown, news: unknown) => callResourceLogic(kind, "update", [id, olds, news]),
    delete: (id: string, props: unknown) => callResourceLogic(kind, "delete", [id, props]),
  };
}
