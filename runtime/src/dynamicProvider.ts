/**
 * The one entry point of every serialized dynamic provider (providers/runtimeProvider.ts): a
 * provider method names its resource kind and the method, and this module runs the kind's logic.
 *
 * The provider text is stored twice in state for every resource (inputs and outputs), and the
 * engine writes the whole state after each step of an `up` and sends each resource's inputs to
 * every policy pack; so the serialized methods are one line each, and what they share (the
 * friendly errors, the key configuration) lives here, in code that is loaded, not stored.
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
