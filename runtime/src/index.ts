/**
 * @selgeo-golive/runtime: what the dynamic providers run, and what the sandbox, the CLI and the tests
 * share with them (wire schemas, URL rules, signatures).
 */
export * from "./schemas";
export * from "./errors";
export * from "./http";
export * from "./rateLimiter";
export * from "./idempotency";
export * from "./client";
export * from "./urlRules";
export * from "./inputRules";
export * from "./friendlyErrors";
export * from "./adoptLookup";
export * from "./signature";
export * from "./providerSettings";
export * from "./commission";
export * as webhookEndpoint from "./providers/webhookEndpoint";
export * as stripeWebhookEndpoint from "./providers/stripeWebhookEndpoint";
export * as stripeIntegration from "./providers/stripeIntegration";
export * as commissionRule from "./providers/commissionRule";
export * as program from "./providers/program";
/** `ProgramStatus` logic, shaped like the other resource kinds. */
export { status as programStatus } from "./providers/program";
export * as verification from "./providers/verification";
// Secrets: Secrets Manager references and the sink for generated secrets, so signing secrets
// never enter state; key modes tell test keys from live ones.
export * from "./keyModes";
export * as secrets from "./secrets";
// A dynamic provider loads this package on its first call; loading the watchdog starts it there,
// so the provider exits when the engine dies whichever Pulumi CLI (and launcher script) started it.
export { isDynamicProviderProcess, startProviderWatchdog } from "./providerWatchdog";
