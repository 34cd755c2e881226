/**
 * @selgeo-golive/runtime: what the dynamic providers run, and what the sandbox, the CLI and the tests
 * share with them (wire schemas, URL rules, signatures).
 */
export * from "./schemas";
export * from "./requests";
export * from "./errors";
export * from "./http";
export * from "./rateLimiter";
export * from "./idempotency";
export * from "./client";
export * from "./urlRules";
export * from "./inputRules";
export * from "./friendlyErrors";
export * from "./signature";
export * from "./providerSettings";
export * from "./commission";
export * from "./stripeDeliveryCheck";
// What every serialized dynamic provider calls (providers/runtimeProvider.ts).
export * from "./dynamicProvider";
// One module per resource kind in ./resources, named like the `providers/` file that wires it.
export * as webhookEndpoint from "./resources/webhookEndpoint";
export * as stripeWebhookEndpoint from "./resources/stripeWebhookEndpoint";
export * as stripeIntegration from "./resources/stripeIntegration";
export * as commissionRule from "./resources/commissionRule";
export * as program from "./resources/program";
export { programStatus, type ProgramStatusInputs, type ProgramStatusOutputs } from "./resources/programStatus";
export * as goLiveVerification from "./resources/goLiveVerification";
/**
 * The name `GoLiveVerification` resources created before the rename carry in their serialized
 * provider (`runtimeProvider("verification")`): kept so those stacks still refresh and destroy.
 */
export * as verification from "./resources/goLiveVerification";
// Secrets: Secrets Manager references and the sink for generated secrets, so signing secrets
// never enter state; key modes tell test keys from live ones.
export * from "./keyModes";
export * as secrets from "./secrets";
// A dynamic provider loads this package on its first call; loading the watchdog starts it there,
// so the provider exits when the engine dies whichever Pulumi CLI (and launcher script) started it.
export { isDynamicProviderProcess, startProviderWatchdog } from "./providerWatchdog";
// A dress rehearsal (`golive rehearse`) names its resolver map in the environment; every process
// that loads the runtime (golive, the providers) follows it from the first request on.
export * from "./resolverMap";
import { installResolverFromEnv } from "./resolverMap";
installResolverFromEnv();
