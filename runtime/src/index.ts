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
export * from "./signature";
export * from "./providerSettings";
export * as webhookEndpoint from "./providers/webhookEndpoint";
