/**
 * The go-live policies as plain functions over what the engine shows a pack: each resource's type,
 * name, URN and inputs (`props`, after the provider's check, so defaults are filled in). Nothing
 * here talks to the engine; ./index.ts wraps them in a PolicyPack, and the unit tests call the
 * `validateResource` / `validateStack` functions directly.
 *
 * Enforcement: mandatory on a stack whose `selgeo:mode` is live, advisory elsewhere. When the pack
 * cannot read the stack's mode, each violation takes the mode of the resource(s) it is about (every
 * Selgeo resource but ProgramStatus has a `mode` input). The recommended-events policy is advisory
 * always.
 */
import type {
  EnforcementLevel,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
// The two small runtime modules, not the package index: the pack starts under ts-node with type
// checking on, and the index pulls in the AWS SDK and Stripe types (seconds per preview).
/* eslint-disable no-restricted-imports -- the one place that loads runtime modules by path, for the reason above */
import { RATE_LIMITS, RECOMMENDED_EVENTS, STRIPE_WEBHOOK_EVENTS } from "@selgeo-golive/runtime/dist/schemas";
import { checkWebhookUrl } from "@selgeo-golive/runtime/dist/urlRules";
/* eslint-enable no-restricted-imports */

type Mode = "test" | "live";

/** The resource types of the go-live program (dynamic resources: `pulumi-nodejs:dynamic/<module>:<type>`). */
export const TYPES = {
  webhookEndpoint: "pulumi-nodejs:dynamic/selgeo:WebhookEndpoint",
  stripeEndpoint: "pulumi-nodejs:dynamic/stripe:WebhookEndpoint",
  stripeIntegration: "pulumi-nodejs:dynamic/selgeo:StripeIntegration",
  program: "pulumi-nodejs:dynamic/selgeo:Program",
  programStatus: "pulumi-nodejs:dynamic/selgeo:ProgramStatus",
  commissionRule: "pulumi-nodejs:dynamic/selgeo:CommissionRule",
} as const;

const LABELS: Record<string, string> = {
  [TYPES.webhookEndpoint]: "webhook endpoint",
  [TYPES.stripeEndpoint]: "Stripe webhook endpoint",
  [TYPES.stripeIntegration]: "Stripe integration",
  [TYPES.program]: "program",
  [TYPES.programStatus]: "program status",
  [TYPES.commissionRule]: "commission rule",
};

/** What the pack knows about the stack it runs for. */
export interface PackContext {
  /** `selgeo:mode`, when the pack could read it. */
  stackMode?: Mode;
  /** `selgeo:expectedTraffic` as configured (not validated yet), if present. */
  expectedTraffic?: unknown;
}

/** Reads the pack's context through the given getters (pulumi.Config in the pack); never throws. */
export function readPackContext(get: { mode: () => unknown; expectedTraffic: () => unknown }): PackContext {
  const attempt = (f: () => unknown): unknown => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  const mode = attempt(get.mode);
  const expectedTraffic = attempt(get.expectedTraffic);
  return {
    stackMode: mode === "live" || mode === "test" ? mode : undefined,
    ...(expectedTraffic === undefined || expectedTraffic === null ? {} : { expectedTraffic }),
  };
}

/** The stack's mode if known, else the given resource modes' ("live" if any of them is live). */
export function effectiveMode(ctx: PackContext, ...resourceModes: unknown[]): Mode | undefined {
  if (ctx.stackMode) return ctx.stackMode;
  if (resourceModes.includes("live")) return "live";
  if (resourceModes.includes("test")) return "test";
  return undefined;
}

/** Mandatory on live, advisory elsewhere. */
export function levelFor(ctx: PackContext, ...resourceModes: unknown[]): EnforcementLevel {
  return effectiveMode(ctx, ...resourceModes) === "live" ? "mandatory" : "advisory";
}

/**
 * Reports with an explicit enforcement level: @pulumi/policy's reportViolation also takes an object
 * (`{message, urn, enforcementLevel}`), which keeps the message as written and lets the level follow
 * the resource's mode when the stack's mode is unknown.
 */
function report(reportViolation: ReportViolation, level: EnforcementLevel, message: string, urn?: string): void {
  (reportViolation as unknown as (v: { message: string; urn?: string; enforcementLevel: EnforcementLevel }) => void)({
    message,
    ...(urn ? { urn } : {}),
    enforcementLevel: level,
  });
}

const UNKNOWN = Symbol("unknown");

/**
 * One input, or UNKNOWN when the engine does not know it yet during a preview (@pulumi/policy's props
 * proxy throws on those); a check skips what it cannot see instead of failing the whole policy.
 */
function prop(props: Record<string, unknown>, key: string): unknown {
  try {
    return props[key];
  } catch {
    return UNKNOWN;
  }
}

const isMode = (v: unknown): v is Mode => v === "test" || v === "live";
const list = (items: readonly string[]): string =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
const describe = (r: { type: string; name: string }): string => `${LABELS[r.type] ?? r.type} "${r.name}"`;

// ---------------------------------------------------------------------------------------------
// Key modes (checklist item 1)

export function validateKeyModes(ctx: PackContext) {
  return (args: Pick<StackValidationArgs, "resources">, reportViolation: ReportViolation): void => {
    const moded = args.resources
      .filter((r) => r.type in LABELS)
      .map((r) => ({ r, mode: prop(r.props, "mode") }))
      .filter((x): x is { r: PolicyResource; mode: Mode } => isMode(x.mode));
    const reported = new Set<string>();

    // The Stripe side must be in the program's mode: a test Stripe account never pays a live program.
    const program = moded.find((x) => x.r.type === TYPES.program);
    if (program) {
      for (const x of moded) {
        if ((x.r.type === TYPES.stripeEndpoint || x.r.type === TYPES.stripeIntegration) && x.mode !== program.mode) {
          report(
            reportViolation,
            levelFor(ctx, x.mode, program.mode),
            `the ${describe(x.r)} is in ${x.mode} mode but the ${describe(program.r)} is in ${program.mode} mode: ` +
              `connect Stripe in the program's mode (a Stripe ${x.mode}-mode key and endpoint never see the payments of a ${program.mode} program); ` +
              `use ${program.mode}-mode keys for selgeo:stripeSecretKey and selgeo:secretKey`,
            x.r.urn,
          );
          reported.add(x.r.urn);
        }
      }
    }

    if (ctx.stackMode) {
      for (const x of moded) {
        if (x.mode !== ctx.stackMode && !reported.has(x.r.urn)) {
          report(
            reportViolation,
            levelFor(ctx),
            `the ${describe(x.r)} is declared for ${x.mode} mode but selgeo:mode is "${ctx.stackMode}": ` +
              `every Selgeo and Stripe resource of a stack uses the stack's mode; declare it with mode "${ctx.stackMode}" (or fix selgeo:mode)`,
            x.r.urn,
          );
          reported.add(x.r.urn);
        }
      }
      return;
    }
    const modes = [...new Set(moded.map((x) => x.mode))];
    if (modes.length > 1 && reported.size === 0) {
      const byMode = (m: Mode) => moded.filter((x) => x.mode === m).map((x) => describe(x.r));
      report(
        reportViolation,
        levelFor(ctx, ...modes),
        `the stack mixes modes (test: ${list(byMode("test"))}; live: ${list(byMode("live"))}): ` +
          `a stack is all test or all live; set selgeo:mode and declare every resource with it`,
      );
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Webhook endpoint URLs (checklist item 4)

export function validateWebhookUrls(ctx: PackContext) {
  return (args: Pick<ResourceValidationArgs, "type" | "name" | "props" | "urn">, reportViolation: ReportViolation): void => {
    if (args.type !== TYPES.webhookEndpoint) return;
    const url = prop(args.props, "url");
    const mode = prop(args.props, "mode");
    if (typeof url !== "string") return;
    const res = checkWebhookUrl(url, "live");
    if (res.ok) return;
    const live = effectiveMode(ctx, mode) === "live";
    report(
      reportViolation,
      levelFor(ctx, mode),
      `webhook endpoint "${args.name}" (${url}): ${live ? "" : "a live stack would refuse this URL: "}${res.message} ` +
        `Fix selgeo:webhookEndpoints.${args.name}.url.`,
      args.urn,
    );
  };
}

// ---------------------------------------------------------------------------------------------
// Stripe's three events (checklist item 2)

const WHY_STRIPE_EVENT: Record<string, string> = {
  "checkout.session.completed": "no purchase becomes a conversion",
  "invoice.paid": "no recurring payment earns a commission",
  "charge.refunded": "no refund takes its commission back",
};

export function validateStripeEvents(ctx: PackContext) {
  return (args: Pick<ResourceValidationArgs, "type" | "name" | "props" | "urn">, reportViolation: ReportViolation): void => {
    if (args.type !== TYPES.stripeEndpoint) return;
    const events = prop(args.props, "enabledEvents");
    if (events === UNKNOWN || events === undefined) return; // the provider's default is the three events
    const have = Array.isArray(events) ? events.filter((e): e is string => typeof e === "string") : [];
    if (have.includes("*")) return;
    const missing = STRIPE_WEBHOOK_EVENTS.filter((e) => !have.includes(e));
    if (missing.length === 0) return;
    report(
      reportViolation,
      levelFor(ctx, prop(args.props, "mode")),
      `the Stripe webhook endpoint does not send ${list(missing)} to Selgeo: without ${missing.map((e) => `${e} ${WHY_STRIPE_EVENT[e]}`).join("; without ")}. ` +
        `Add ${missing.length === 1 ? "it" : "them"} to selgeo:stripe.enabledEvents (or remove enabledEvents to get ${list(STRIPE_WEBHOOK_EVENTS)}).`,
      args.urn,
    );
  };
}

// ---------------------------------------------------------------------------------------------
// Recommended Selgeo events (advisory always)

export function validateRecommendedEvents() {
  return (args: Pick<StackValidationArgs, "resources">, reportViolation: ReportViolation): void => {
    const endpoints = args.resources.filter((r) => r.type === TYPES.webhookEndpoint && prop(r.props, "enabled") !== false);
    const subscribed = new Set<string>();
    for (const r of endpoints) {
      const events = prop(r.props, "events");
      if (events === UNKNOWN) return; // cannot tell yet
      if (Array.isArray(events)) for (const e of events) if (typeof e === "string") subscribed.add(e);
    }
    const missing = RECOMMENDED_EVENTS.filter((e) => !subscribed.has(e));
    if (missing.length === 0) return;
    report(
      reportViolation,
      "advisory",
      endpoints.length === 0
        ? `no enabled webhook endpoint is declared, so nothing receives ${list(RECOMMENDED_EVENTS)} (the go-live checklist recommends them): declare one in selgeo:webhookEndpoints`
        : `no enabled webhook endpoint subscribes to ${list(missing)} (the go-live checklist recommends ${list(RECOMMENDED_EVENTS)}): add ${missing.length === 1 ? "it" : "them"} to the events of an endpoint in selgeo:webhookEndpoints`,
    );
  };
}

// ---------------------------------------------------------------------------------------------
// Commission sanity (checklist item 6)

export function validateCommissionAmounts(ctx: PackContext) {
  return (args: Pick<ResourceValidationArgs, "type" | "name" | "props" | "urn">, reportViolation: ReportViolation): void => {
    if (args.type !== TYPES.commissionRule) return;
    const level = levelFor(ctx, prop(args.props, "mode"));
    const at = `selgeo:commissionRules.${args.name}`;
    const say = (m: string) => report(reportViolation, level, `commission rule "${args.name}": ${m}`, args.urn);
    const type = prop(args.props, "type");
    if (type === "percentage") {
      const p = prop(args.props, "percentage");
      if (p === UNKNOWN) return;
      if (typeof p !== "number" || !Number.isFinite(p) || p < 0 || p > 100) {
        say(`percentage is ${p === undefined ? "missing" : JSON.stringify(p)}; a percentage commission is 0–100 (percent of the sale): set ${at}.percentage`);
      }
    } else if (type === "flat") {
      const amount = prop(args.props, "flatAmount");
      const currency = prop(args.props, "currency");
      if (amount !== UNKNOWN && (typeof amount !== "number" || !Number.isInteger(amount) || amount <= 0)) {
        say(`flatAmount is ${amount === undefined ? "missing" : JSON.stringify(amount)}; a flat commission is a positive whole amount in minor units (1500 = 15.00): set ${at}.flatAmount`);
      }
      if (currency !== UNKNOWN && (typeof currency !== "string" || !/^[a-z]{3}$/.test(currency))) {
        say(`a flat amount needs its currency (got ${currency === undefined ? "none" : JSON.stringify(currency)}): set ${at}.currency to a lower-case ISO code such as usd`);
      }
    } else if (type !== UNKNOWN) {
      say(`type is ${JSON.stringify(type)}; use "percentage" or "flat" in ${at}.type`);
    }
  };
}

/** Below this many days of hold, auto-approval pays commissions before most refunds arrive. */
export const MIN_HOLD_DAYS_WITH_AUTO_APPROVE = 14;
/** The provider's default hold period. */
const DEFAULT_HOLD_DAYS = 30;

export function validateHoldPeriod(ctx: PackContext) {
  return (args: Pick<ResourceValidationArgs, "type" | "name" | "props" | "urn">, reportViolation: ReportViolation): void => {
    if (args.type !== TYPES.commissionRule) return;
    const auto = prop(args.props, "autoApprove");
    const raw = prop(args.props, "holdPeriodDays");
    if (auto !== true || raw === UNKNOWN) return;
    const hold = raw === undefined ? DEFAULT_HOLD_DAYS : raw;
    if (typeof hold !== "number" || hold >= MIN_HOLD_DAYS_WITH_AUTO_APPROVE) return;
    report(
      reportViolation,
      levelFor(ctx, prop(args.props, "mode")),
      `commission rule "${args.name}": holdPeriodDays is ${hold} with autoApprove on, so commissions would be approved before most refunds arrive: ` +
        `set selgeo:commissionRules.${args.name}.holdPeriodDays to ${MIN_HOLD_DAYS_WITH_AUTO_APPROVE} or more (30 covers most card refund windows) or turn autoApprove off`,
      args.urn,
    );
  };
}

export function validateNetBasis(ctx: PackContext) {
  return (args: Pick<StackValidationArgs, "resources">, reportViolation: ReportViolation): void => {
    if (args.resources.some((r) => r.type === TYPES.stripeIntegration)) return;
    for (const r of args.resources) {
      if (r.type !== TYPES.commissionRule || prop(r.props, "basis") !== "net") continue;
      report(
        reportViolation,
        levelFor(ctx, prop(r.props, "mode")),
        `commission rule "${r.name}" pays on the net basis (after Stripe fees) but the stack declares no Stripe integration, so Selgeo has no fee data ` +
          `and these commissions would wait in needs_review: declare selgeo:stripe, or set selgeo:commissionRules.${r.name}.basis to "gross"`,
        r.urn,
      );
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Program activation (checklist item 8)

export function validateProgramActivation(ctx: PackContext) {
  return (args: Pick<StackValidationArgs, "resources">, reportViolation: ReportViolation): void => {
    const programModes = args.resources.filter((r) => r.type === TYPES.program).map((r) => prop(r.props, "mode"));
    for (const status of args.resources.filter((r) => r.type === TYPES.programStatus)) {
      if (prop(status.props, "status") !== "active") continue;
      const missing: string[] = [];
      if (!args.resources.some((r) => r.type === TYPES.commissionRule)) missing.push("a commission rule (selgeo:commissionRules)");
      if (!args.resources.some((r) => r.type === TYPES.stripeIntegration)) missing.push("a Stripe integration (selgeo:stripe)");
      if (!args.resources.some((r) => r.type === TYPES.webhookEndpoint && prop(r.props, "enabled") !== false)) {
        missing.push("an enabled webhook endpoint (selgeo:webhookEndpoints)");
      }
      if (missing.length === 0) continue;
      report(
        reportViolation,
        levelFor(ctx, ...programModes),
        `the program is set to go active but the stack is missing ${list(missing)}: Selgeo refuses a live activation without them (checklist item 8). ` +
          `Declare ${missing.length === 1 ? "it" : "them"}, or keep selgeo:program.status "draft" until they are.`,
        status.urn,
      );
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Expected traffic vs the rate limits (checklist item 5)

/** `selgeo:expectedTraffic` keys and the Selgeo limit each is held against (requests per minute). */
export const TRAFFIC_LIMITS = {
  clicksPerMinute: { limit: RATE_LIMITS.clicksPerPk, per: "clicks per minute per publishable key" },
  conversionsPerMinute: { limit: RATE_LIMITS.conversionsPerSk, per: "conversions per minute per secret key" },
  apiRequestsPerMinute: { limit: RATE_LIMITS.generalPerIp, per: "API requests per minute per IP address" },
} as const;

export function validateExpectedTraffic(ctx: PackContext) {
  return (args: Pick<StackValidationArgs, "resources">, reportViolation: ReportViolation): void => {
    const traffic = ctx.expectedTraffic;
    if (traffic === undefined) return;
    const level = levelFor(ctx, ...args.resources.map((r) => prop(r.props, "mode")));
    const say = (m: string) => report(reportViolation, level, m);
    if (typeof traffic !== "object" || traffic === null || Array.isArray(traffic)) {
      say(`selgeo:expectedTraffic must be an object such as {clicksPerMinute: 600, conversionsPerMinute: 40, apiRequestsPerMinute: 100}`);
      return;
    }
    for (const [key, value] of Object.entries(traffic as Record<string, unknown>)) {
      const spec = TRAFFIC_LIMITS[key as keyof typeof TRAFFIC_LIMITS];
      if (!spec) {
        say(`selgeo:expectedTraffic.${key} is not a traffic figure the policy knows; use ${Object.keys(TRAFFIC_LIMITS).join(", ")}`);
        continue;
      }
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        say(`selgeo:expectedTraffic.${key} must be a number of requests per minute (0 or more), got ${JSON.stringify(value)}`);
        continue;
      }
      if (value > spec.limit) {
        say(
          `selgeo:expectedTraffic.${key} is ${value} but Selgeo allows ${spec.limit} ${spec.per} (checklist item 5): requests above it get 429 + Retry-After. ` +
            `Spread or queue them (the client waits on Retry-After), batch where you can, or ask Selgeo for a higher limit before launch.`,
        );
      }
    }
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * Marks a resource validation as applying to one resource type, as @pulumi/policy's
 * validateResourceOfType does for generated resource classes (the `__pulumiType` its server reads
 * with getPulumiType). The engine asks the pack about every resource in turn, and waits for the
 * answer; without the mark the server deserializes each resource's properties (and its provider's,
 * the whole stack config) for every resource policy before the validation can look at the type.
 */
function ofType<F extends (args: never, report: ReportViolation) => void>(type: string, validate: F): F {
  return Object.assign(validate, { __pulumiType: type });
}

/** The pack's policies for a stack. */
export function buildPolicies(ctx: PackContext): Array<ResourceValidationPolicy | StackValidationPolicy> {
  const enforcementLevel: EnforcementLevel = ctx.stackMode === "live" ? "mandatory" : "advisory";
  return [
    {
      name: "selgeo-key-modes",
      description: "Every Selgeo and Stripe resource uses the stack's mode; Stripe is in the program's mode (checklist item 1).",
      enforcementLevel,
      validateStack: validateKeyModes(ctx),
    },
    {
      name: "selgeo-live-webhook-urls",
      description: "Live webhook endpoints are public HTTPS URLs (checklist item 4).",
      enforcementLevel,
      validateResource: ofType(TYPES.webhookEndpoint, validateWebhookUrls(ctx)),
    },
    {
      name: "selgeo-stripe-events",
      description: "The Stripe webhook endpoint sends checkout.session.completed, invoice.paid and charge.refunded to Selgeo (checklist item 2).",
      enforcementLevel,
      validateResource: ofType(TYPES.stripeEndpoint, validateStripeEvents(ctx)),
    },
    {
      name: "selgeo-recommended-events",
      description: "The checklist's recommended Selgeo events are subscribed by at least one enabled endpoint (advisory).",
      enforcementLevel: "advisory",
      validateStack: validateRecommendedEvents(),
    },
    {
      name: "selgeo-commission-amounts",
      description: "Percentage commissions are 0–100; flat commissions are positive amounts with a currency (checklist item 6).",
      enforcementLevel,
      validateResource: ofType(TYPES.commissionRule, validateCommissionAmounts(ctx)),
    },
    {
      name: "selgeo-commission-hold-period",
      description: "Auto-approved commissions are held at least 14 days, so refunds arrive first (checklist item 6).",
      enforcementLevel,
      validateResource: ofType(TYPES.commissionRule, validateHoldPeriod(ctx)),
    },
    {
      name: "selgeo-commission-net-basis",
      description: "Net-basis commissions need fee data: a Stripe integration in the stack (checklist item 6).",
      enforcementLevel,
      validateStack: validateNetBasis(ctx),
    },
    {
      name: "selgeo-program-activation",
      description: "An active program has a commission rule, a Stripe integration and an enabled webhook endpoint declared (checklist item 8).",
      enforcementLevel,
      validateStack: validateProgramActivation(ctx),
    },
    {
      name: "selgeo-expected-traffic",
      description: "Declared expected traffic (selgeo:expectedTraffic) is within Selgeo's rate limits (checklist item 5).",
      enforcementLevel,
      validateStack: validateExpectedTraffic(ctx),
    },
  ];
}
