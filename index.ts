// The go-live program: stack config in, Selgeo resources out. Validation lives in config/, resource
// logic in providers/ and @selgeo-golive/runtime; this file only wires one to the other.
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, StackConfigError } from "./config/schema";
import { WebhookEndpoint } from "./providers/webhookEndpoint";

const selgeo = new pulumi.Config("selgeo");
const cfg = (() => {
  try {
    return parseStackConfig({
      mode: selgeo.get("mode"),
      apiUrl: selgeo.get("apiUrl"),
      secretKey: selgeo.get("secretKey"),
      webhookEndpoints: selgeo.getObject("webhookEndpoints"),
    });
  } catch (e) {
    // RunError prints just the message: every problem with its config path, no stack trace.
    if (e instanceof StackConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
})();

// Checklist item 4: webhook endpoints and their event subscriptions.
const endpoints = Object.entries(cfg.webhookEndpoints).map(
  ([name, ep]) =>
    [
      name,
      new WebhookEndpoint(name, {
        mode: cfg.mode,
        url: ep.url,
        events: ep.events,
        description: ep.description ?? "",
        enabled: ep.enabled ?? true,
        metadata: ep.metadata ?? {},
        adoptId: ep.adoptId,
      }),
    ] as const,
);

export const mode = cfg.mode;
export const webhookEndpointIds = Object.fromEntries(endpoints.map(([name, r]) => [name, r.endpointId]));
export const webhookSecretFingerprints = Object.fromEntries(endpoints.map(([name, r]) => [name, r.secretFingerprint]));
/** The `whsec_` signing secrets, encrypted in state; `pulumi stack output --show-secrets` reveals them. */
export const webhookSecrets = pulumi.secret(Object.fromEntries(endpoints.map(([name, r]) => [name, r.secret])));
