// The go-live program: stack config in, Selgeo and Stripe resources out, in checklist order with the
// program's status last. Validation lives in config/, each resource's wiring in providers/ and its
// logic in @selgeo-golive/runtime (runtime/src/resources/); this file only wires one to the other.
import * as pulumi from "@pulumi/pulumi";
import * as runtime from "@selgeo-golive/runtime";
import { configObject, parseDeclaredConfig, readSharedDeclaration } from "./config/declaration";
import { StackConfigError } from "./config/schema";
import { CommissionRule } from "./providers/commissionRule";
import { GoLiveVerification } from "./providers/goLiveVerification";
import { Program } from "./providers/program";
import { ProgramStatus } from "./providers/programStatus";
import { SelgeoStripeIntegration } from "./providers/stripeIntegration";
import { StripeWebhookEndpoint } from "./providers/stripeWebhookEndpoint";
import { WebhookEndpoint } from "./providers/webhookEndpoint";

const selgeo = new pulumi.Config("selgeo");
const cfg = (() => {
  try {
    // The shared declaration (Pulumi.yaml's `config:`, beside the stack files, wherever `main` points) is
    // merged deeply under the stack's values: config/declaration.ts.
    return parseDeclaredConfig({
      mode: selgeo.get("mode"),
      apiUrl: selgeo.get("apiUrl"),
      secretKey: selgeo.get("secretKey"),
      stripeSecretKey: selgeo.get("stripeSecretKey"),
      webhookEndpoints: configObject(selgeo, "webhookEndpoints"),
      stripe: configObject(selgeo, "stripe"),
      program: configObject(selgeo, "program"),
      commissionRules: configObject(selgeo, "commissionRules"),
      aws: selgeo.getObject("aws"),
      verify: selgeo.getBoolean("verify"),
      expectedTraffic: selgeo.getObject("expectedTraffic"),
      publishableKey: selgeo.get("publishableKey"),
      stripeApiUrl: selgeo.get("stripeApiUrl"),
      configKeys: Object.keys(pulumi.runtime.allConfig()),
    }, readSharedDeclaration(pulumi.runtime.getRootDirectory() || process.cwd()));
  } catch (e) {
    // RunError prints just the message: every problem with its config path, no stack trace.
    if (e instanceof StackConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
})();
const mode = cfg.mode;

// Every adoptId is looked up once, by its resource's `check` (runtime/src/resources/adoption.ts):
// a missing object fails the preview with its config path, and the lookup also shows what the
// take-over will change.

// Checklist item 4: webhook endpoints and their event subscriptions.
const endpoints = Object.entries(cfg.webhookEndpoints).map(
  ([name, ep]) =>
    [
      name,
      new WebhookEndpoint(name, {
        mode,
        url: ep.url,
        events: ep.events,
        description: ep.description ?? "",
        enabled: ep.enabled ?? true,
        metadata: ep.metadata ?? {},
        adoptId: ep.adoptId,
        secretRotation: ep.secretRotation,
        rotationOverlapHours: ep.rotationOverlapHours,
      }),
    ] as const,
);

// Checklist item 2: a Stripe endpoint pointing at the Selgeo-provided URL; its signing secret goes to
// Secrets Manager, and from there to Selgeo.
let stripeEndpoint: StripeWebhookEndpoint | undefined;
let stripeIntegration: SelgeoStripeIntegration | undefined;
if (cfg.stripe) {
  // The program process reads the stack config the way the providers do. Keys are checked (and
  // references resolved) before Selgeo is asked for its URL, so a wrong key never sends a request.
  runtime.configureFromStack({ get: (key) => new pulumi.Config(key.split(":")[0]).get(key.split(":")[1]) });
  const webhookUrl = pulumi.output(
    Promise.all([runtime.settingsProblems(), runtime.stripeSettingsProblems()]).then(async ([selgeoProblems, stripeProblems]) => {
      const problems = [...selgeoProblems, ...stripeProblems];
      if (problems.length > 0) throw new pulumi.RunError(`the stack config has ${problems.length} problem(s):\n  - ${problems.join("\n  - ")}`);
      try {
        return await runtime.stripeIntegration.lookupWebhookUrl();
      } catch (e) {
        const explained = runtime.explainSettingsError(e);
        throw explained instanceof runtime.SettingsError ? new pulumi.RunError(explained.message) : e;
      }
    }),
  );
  stripeEndpoint = new StripeWebhookEndpoint("stripe", {
    mode,
    url: webhookUrl,
    enabledEvents: cfg.stripe.enabledEvents,
    description: cfg.stripe.description,
    adoptId: cfg.stripe.adoptId,
  });
  stripeIntegration = new SelgeoStripeIntegration("stripe", {
    mode,
    accountId: cfg.stripe.accountId,
    webhookSigningSecretArn: stripeEndpoint.secretArn,
    webhookSigningSecretVersionId: stripeEndpoint.secretVersionId,
  });
}

// Checklist items 6 and 8: the program (draft), its commission rules, then its status, last.
let program: Program | undefined;
let programStatus: ProgramStatus | undefined;
const rules: Array<[string, CommissionRule]> = [];
if (cfg.program) {
  program = new Program("program", {
    mode,
    name: cfg.program.name,
    description: cfg.program.description ?? "",
    currency: cfg.program.currency ?? "usd",
    adoptId: cfg.program.adoptId,
  });
  for (const [name, r] of Object.entries(cfg.commissionRules)) {
    rules.push([
      name,
      new CommissionRule(name, {
        mode,
        programId: program.programId,
        name: r.name ?? name,
        type: r.type,
        percentage: r.percentage,
        flatAmount: r.flatAmount,
        currency: r.currency,
        basis: r.basis,
        holdPeriodDays: r.holdPeriodDays,
        autoApprove: r.autoApprove,
        appliesTo: r.appliesTo,
        recurringMonths: r.recurringMonths,
        adoptId: r.adoptId,
      }),
    ]);
  }
  // Checklist items 2 and 4, verified before item 8: on a live stack always, elsewhere on request.
  let verification: GoLiveVerification | undefined;
  if (cfg.verify ?? mode === "live") {
    const verified = endpoints.filter(([name]) => cfg.webhookEndpoints[name].enabled !== false);
    verification = new GoLiveVerification(
      "go-live",
      {
        mode,
        endpoints: verified.map(([name, r]) => ({ name, endpointId: r.endpointId, secretArn: r.secretArn, secretVersionId: r.secretVersionId })),
        stripeEndpointId: stripeEndpoint?.stripeEndpointId,
        stripeSecretArn: stripeEndpoint?.secretArn,
        stripeSecretVersionId: stripeEndpoint?.secretVersionId,
        fingerprint: pulumi
          .all([
            pulumi.all(verified.map(([, r]) => pulumi.all([r.endpointId, r.url, r.events, r.secretVersionId]))),
            stripeEndpoint ? stripeEndpoint.secretVersionId : pulumi.output(""),
          ])
          .apply(([eps, stripeVersion]) => runtime.canonicalJson([eps, stripeVersion, cfg.program?.status])),
      },
      { dependsOn: [...endpoints.map(([, r]) => r), ...rules.map(([, r]) => r), ...(stripeIntegration ? [stripeIntegration] : [])] },
    );
  }
  programStatus = new ProgramStatus(
    "program",
    { programId: program.programId, programName: cfg.program.name, status: cfg.program.status },
    {
      dependsOn: [
        ...endpoints.map(([, r]) => r),
        ...rules.map(([, r]) => r),
        ...(stripeIntegration ? [stripeIntegration] : []),
        ...(verification ? [verification] : []),
      ],
    },
  );
}

// Adopted objects: what Pulumi cannot hold for them, said at every preview until it is resolved.
for (const [name, ep] of Object.entries(cfg.webhookEndpoints)) {
  if (ep.adoptId && !ep.secretRotation) {
    pulumi.log.warn(
      `selgeo:webhookEndpoints.${name}: adopted ${ep.adoptId}; its signing secret is not in Secrets Manager (webhookSecretStates.${name} is "adopted"). ` +
        "Set secretRotation: 1 to rotate it into Secrets Manager; the old secret keeps signing for rotationOverlapHours.",
    );
  }
}
if (cfg.stripe?.adoptId) {
  pulumi.log.warn(
    `selgeo:stripe.adoptId: adopted ${cfg.stripe.adoptId}; Stripe reveals a signing secret only when an endpoint is created, so its secret cannot be ` +
      "stored in Secrets Manager nor handed to Selgeo. Remove adoptId to rotate: `pulumi up` creates a new endpoint at Selgeo's URL, stores its secret, hands it to Selgeo, then deletes the adopted one.",
  );
}

export const stackMode = mode;
export const webhookEndpointIds = Object.fromEntries(endpoints.map(([name, r]) => [name, r.endpointId]));
export const webhookSecretFingerprints = Object.fromEntries(endpoints.map(([name, r]) => [name, r.secretFingerprint]));
/** Where each `whsec_` signing secret is in AWS Secrets Manager (the values never enter state). */
export const webhookSecretArns = Object.fromEntries(endpoints.map(([name, r]) => [name, r.secretArn]));
export const webhookSecretStates = Object.fromEntries(endpoints.map(([name, r]) => [name, r.secretState]));
export const stripeWebhookSecretArn = stripeEndpoint?.secretArn;
export const stripeWebhookEndpointId = stripeEndpoint?.stripeEndpointId;
export const stripeWebhookUrl = stripeIntegration?.webhookUrl;
export const stripeConnected = stripeIntegration?.connected;
export const programId = program?.programId;
export const programStatusValue = programStatus?.status;
export const inviteUrl = program?.inviteUrl;
export const applicationUrl = program?.applicationUrl;
/** Checklist item 1: the tracking snippet for the site's pages, with this stack's publishable key. */
export const trackingSnippet = cfg.publishableKey
  ? `<script async src="${runtime.TRACKING_SCRIPT_URL}" data-merchant="${cfg.publishableKey}"></script>`
  : undefined;
export const commissionRuleIds = Object.fromEntries(rules.map(([name, r]) => [name, r.ruleId]));

// Pulumi warns "Undefined value (…) will not show as a stack output" on every run for each
// top-level undefined export; an output this stack does not have (no publishable key, no Stripe,
// no program) is left out instead.
for (const [name, value] of Object.entries(module.exports as Record<string, unknown>)) {
  if (value === undefined) delete (module.exports as Record<string, unknown>)[name];
}
