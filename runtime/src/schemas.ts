/**
 * Selgeo API v1 wire shapes. One source of truth shared by the client, the sandbox and
 * config validation; docs/selgeo-api-v1.md describes the API they belong to. Money is integer minor units.
 */
import { z } from "zod";
import { WEBHOOK_SECRET_PATTERN } from "./keyModes";
import {
  FlatAmount,
  HoldPeriodDays,
  oneOf,
  Percentage,
  RecurringMonths,
  REQUEST_LIMITS,
  RequestMetadata,
  StripeAccountId,
  text,
  uniqueList,
  WireCurrency,
} from "./requests/fields";

// Modes a key, an object and a stack can be in: declared with the key prefixes that carry them.
export { MODES, type Mode } from "./keyModes";

/** Every event type Selgeo can deliver to a webhook endpoint. */
export const EVENT_TYPES = [
  "conversion.created",
  "conversion.fraud_detected",
  "commission.created",
  "commission.approved",
  "commission.refunded",
  "participant.approved",
  "ping",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The events the Go-Live Checklist (item 4) recommends every merchant subscribes to. */
export const RECOMMENDED_EVENTS = [
  "conversion.created",
  "commission.created",
  "conversion.fraud_detected",
  "participant.approved",
] as const satisfies readonly EventType[];

export const ENDPOINT_STATUSES = ["enabled", "disabled"] as const;
export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];

export const DELIVERY_STATUSES = ["pending", "succeeded", "failed", "dead_lettered"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Delay before each delivery attempt, in seconds: attempt 1 is immediate, then 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h; a failure of the last attempt dead-letters the delivery.
 */
export const RETRY_SCHEDULE_SECONDS = [0, 5, 300, 1800, 7200, 18000, 36000, 36000] as const;

/** Published rate limits (checklist item 5), requests per minute. */
export const RATE_LIMITS = {
  clicksPerPk: 1000,
  conversionsPerSk: 120,
  generalPerIp: 300,
} as const;

/** Where the tracking snippet loads Selgeo's script from. */
export const TRACKING_SCRIPT_URL = "https://cdn.selgeo.com/track.js";

/** Signature header tolerance for `Selgeo-Signature`, seconds. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Object id prefixes. */
export const ID_PREFIXES = {
  account: "acct_",
  webhookEndpoint: "we_",
  delivery: "del_",
  event: "evt_",
  program: "prog_",
  commissionRule: "cr_",
  participant: "prt_",
  click: "clk_",
  conversion: "conv_",
  commission: "com_",
} as const;

export const ERROR_TYPES = [
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "not_found_error",
  "idempotency_error",
  "conflict_error",
  "rate_limit_error",
  "api_error",
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

/** `{"error":{...}}`, the body of every non-2xx response. */
export const ErrorBody = z.object({
  error: z.object({
    type: z.enum(ERROR_TYPES),
    code: z.string(),
    message: z.string(),
    param: z.string().optional(),
    /** For `program_not_ready`: what is missing. */
    missing: z.array(z.string()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** A list page. */
export const listOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ object: z.literal("list"), data: z.array(item), has_more: z.boolean() });

/** A Selgeo object: its id, its `object` type and the mode it lives in, then its own fields. */
function selgeoObject<const T extends string, S extends z.ZodRawShape>(object: T, fields: S) {
  return z.object({ id: z.string(), object: z.literal(object), livemode: z.boolean() }).extend(fields);
}

export const Metadata = z.record(z.string(), z.string());
export type Metadata = z.infer<typeof Metadata>;

export const Account = selgeoObject("account", {
  name: z.string(),
});
export type Account = z.infer<typeof Account>;

export const EventTypeInfo = z.object({
  object: z.literal("event_type"),
  name: z.string(),
  description: z.string(),
});
export const EventTypeList = listOf(EventTypeInfo);

export const WebhookEndpoint = selgeoObject("webhook_endpoint", {
  url: z.string(),
  events: z.array(z.string()),
  description: z.string(),
  status: z.enum(ENDPOINT_STATUSES),
  metadata: Metadata,
  created: z.number().int(),
  /** Only on create and rotate_secret responses. */
  secret: z.string().optional(),
  /** Unix seconds until which the previous secret still signs deliveries, after a rotation. */
  previous_secret_expires_at: z.number().int().nullable().optional(),
  /** `sha256:<12 hex>` of the current signing secret: tells a rotation apart without revealing it. */
  secret_fingerprint: z.string().optional(),
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;
export const WebhookEndpointList = listOf(WebhookEndpoint);

// Request bodies: one schema each, strict (a typo must fail, not do nothing), with the contract's
// limits from ./requests/fields.ts. The sandbox parses requests with them, and the stack config
// and the providers' `check` derive their declarations from them (./requests/declarations.ts).

/** A Selgeo event type, with a did-you-mean for a typo. */
export const SelgeoEventType = oneOf(EVENT_TYPES, "a Selgeo event type", "unknown_event_type");

/** How many `events` an endpoint lists: at least one, each once. */
export const WEBHOOK_EVENTS_BOUNDS = { min: 1, minMessage: "subscribe to at least one event", max: EVENT_TYPES.length, duplicateCode: "duplicate_event_type" } as const;

/** The fields of a webhook endpoint request. */
export const WEBHOOK_ENDPOINT_FIELDS = {
  url: z.string({ error: "url is required: the HTTPS address of your webhook receiver" }),
  events: uniqueList(SelgeoEventType, "events", WEBHOOK_EVENTS_BOUNDS),
  description: text("description", REQUEST_LIMITS.endpointDescription, true),
  status: z.enum(ENDPOINT_STATUSES, { error: `status is one of ${ENDPOINT_STATUSES.join(", ")}` }),
  metadata: RequestMetadata,
};

/** `POST /api/v1/webhook_endpoints`. */
export const WebhookEndpointCreate = z
  .object({ ...WEBHOOK_ENDPOINT_FIELDS, description: WEBHOOK_ENDPOINT_FIELDS.description.optional(), status: WEBHOOK_ENDPOINT_FIELDS.status.optional(), metadata: WEBHOOK_ENDPOINT_FIELDS.metadata.optional() })
  .strict();
export type WebhookEndpointCreate = z.infer<typeof WebhookEndpointCreate>;

/** `POST /api/v1/webhook_endpoints/{id}`: any of the create fields. */
export const WebhookEndpointUpdate = WebhookEndpointCreate.partial().strict();
export type WebhookEndpointUpdate = z.infer<typeof WebhookEndpointUpdate>;

/** `POST /api/v1/webhook_endpoints/{id}/rotate_secret`. */
export const RotateSecretRequest = z
  .object({
    /** How long the previous secret keeps signing deliveries, seconds (default 24 h, 0 = expire now). */
    expires_in: z
      .number({ error: `expires_in is an integer number of seconds from 0 to ${REQUEST_LIMITS.rotationOverlapSeconds} (7 days)` })
      .int(`expires_in is an integer number of seconds from 0 to ${REQUEST_LIMITS.rotationOverlapSeconds} (7 days)`)
      .min(0, `expires_in is an integer number of seconds from 0 to ${REQUEST_LIMITS.rotationOverlapSeconds} (7 days)`)
      .max(REQUEST_LIMITS.rotationOverlapSeconds, `expires_in is an integer number of seconds from 0 to ${REQUEST_LIMITS.rotationOverlapSeconds} (7 days)`)
      .optional(),
  })
  .strict();

/** Default `expires_in` of a rotation: the previous secret signs for another 24 h. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 86_400;

/** `POST /api/v1/webhook_endpoints/{id}/ping`. */
export const PingRequest = z.object({ signature: z.enum(["valid", "invalid"], { error: 'signature is "valid" or "invalid"' }).optional() }).strict();

export const WebhookDelivery = selgeoObject("webhook_delivery", {
  endpoint: z.string(),
  event: z.string(),
  event_type: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  response_status: z.number().int().nullable(),
  next_retry_at: z.number().int().nullable(),
  /** `invalid` for a ping forged on purpose (`POST …/ping {"signature":"invalid"}`); absent on older servers. */
  signature: z.enum(["valid", "invalid"]).optional(),
  created: z.number().int(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;
export const WebhookDeliveryList = listOf(WebhookDelivery);

/** The JSON body Selgeo POSTs to a webhook endpoint. */
export const WebhookEventPayload = z.object({
  id: z.string(),
  object: z.literal("event"),
  type: z.string(),
  livemode: z.boolean(),
  created: z.number().int(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type WebhookEventPayload = z.infer<typeof WebhookEventPayload>;

/** What `golive sandbox` prints as its first stdout line. */
export const SandboxInfo = z.object({
  selgeo_url: z.string(),
  keys: z.object({
    test: z.object({ pk: z.string(), sk: z.string() }),
    live: z.object({ pk: z.string(), sk: z.string() }),
  }),
  // Stripe emulator (sandbox/stripe): its base URL and the keys of its test and live accounts.
  stripe_url: z.string().optional(),
  stripe_keys: z
    .object({
      test: z.object({ secret_key: z.string(), publishable_key: z.string(), account_id: z.string().optional() }),
      live: z.object({ secret_key: z.string(), publishable_key: z.string(), account_id: z.string().optional() }),
    })
    .optional(),
  // moto (the local AWS Secrets Manager endpoint) started by `golive sandbox`; absent with --no-aws.
  aws_url: z.string().optional(),
});
export type SandboxInfo = z.infer<typeof SandboxInfo>;

// ---------------------------------------------------------------------------------------------
// Programs, commission rules, the Stripe integration and the conversion flow: what a program
// needs before it may go live, and how a sale becomes a commission.
// ---------------------------------------------------------------------------------------------

/** Id prefixes of log entries and alerts (an extension of the original contract; see docs/selgeo-api-v1.md). */
export const FLOW_ID_PREFIXES = {
  stripeEventLog: "sel_",
  auditEntry: "aud_",
  fraudAlert: "fa_",
} as const;

export const PROGRAM_STATUSES = ["draft", "active", "paused", "archived"] as const;
export type ProgramStatus = (typeof PROGRAM_STATUSES)[number];

/**
 * Allowed status transitions. `archived` is final; staying in the same status is always allowed
 * (a no-op), so a declarative caller can send the status it wants without reading it first.
 */
export const PROGRAM_TRANSITIONS: Readonly<Record<ProgramStatus, readonly ProgramStatus[]>> = {
  draft: ["active", "archived"],
  active: ["paused", "archived"],
  paused: ["active", "archived"],
  archived: [],
};

/** What live-mode activation requires, as listed in `program_not_ready`'s `error.missing`. */
export const PROGRAM_READINESS_REQUIREMENTS = ["commission_rule", "stripe_integration", "webhook_endpoint"] as const;
export type ProgramReadinessRequirement = (typeof PROGRAM_READINESS_REQUIREMENTS)[number];

/** ISO 4217 code, lower-case (`usd`, `eur`). */
export const CurrencyCode = z.string().regex(/^[a-z]{3}$/);

export const Program = selgeoObject("program", {
  name: z.string(),
  description: z.string(),
  status: z.enum(PROGRAM_STATUSES),
  currency: CurrencyCode,
  invite_url: z.string(),
  application_url: z.string(),
  metadata: Metadata,
  created: z.number().int(),
  activated_at: z.number().int().nullable(),
});
export type Program = z.infer<typeof Program>;
export const ProgramList = listOf(Program);

/** The fields of a program request. */
export const PROGRAM_FIELDS = {
  name: text("name", REQUEST_LIMITS.programName).min(1, "name the program"),
  description: text("description", REQUEST_LIMITS.programDescription, true),
  status: z.enum(PROGRAM_STATUSES, { error: `status is one of ${PROGRAM_STATUSES.join(", ")}` }),
  currency: WireCurrency,
  metadata: RequestMetadata,
};

/** `POST /api/v1/programs`: `name` required; a create starts as draft and may ask for another status. */
export const ProgramCreate = z
  .object({ ...PROGRAM_FIELDS, description: PROGRAM_FIELDS.description.optional(), status: PROGRAM_FIELDS.status.optional(), currency: PROGRAM_FIELDS.currency.optional(), metadata: PROGRAM_FIELDS.metadata.optional() })
  .strict();
export type ProgramCreate = z.infer<typeof ProgramCreate>;
/** `POST /api/v1/programs/{id}`, `status` included. */
export const ProgramUpdate = ProgramCreate.partial().strict();
export type ProgramUpdate = z.infer<typeof ProgramUpdate>;

/** The Stripe events Selgeo turns into conversions; a rule's `applies_to` is a subset. */
export const STRIPE_CONVERSION_EVENTS = ["checkout.session.completed", "invoice.paid"] as const;
export type StripeConversionEvent = (typeof STRIPE_CONVERSION_EVENTS)[number];
/** Every Stripe event the receiver processes (the Stripe webhook endpoint should send these). */
export const STRIPE_WEBHOOK_EVENTS = ["checkout.session.completed", "invoice.paid", "charge.refunded"] as const;

export const COMMISSION_RULE_TYPES = ["percentage", "flat"] as const;
export type CommissionRuleType = (typeof COMMISSION_RULE_TYPES)[number];
export const COMMISSION_BASES = ["gross", "net"] as const;
export type CommissionBasis = (typeof COMMISSION_BASES)[number];

/** Defaults the API applies to an omitted rule field. */
export const COMMISSION_RULE_DEFAULTS = {
  basis: "gross",
  hold_period_days: 30,
  auto_approve: false,
  applies_to: STRIPE_CONVERSION_EVENTS,
  recurring_months: null,
} as const;

export const CommissionRule = z.object({
  id: z.string(),
  object: z.literal("commission_rule"),
  program: z.string(),
  livemode: z.boolean(),
  name: z.string(),
  type: z.enum(COMMISSION_RULE_TYPES),
  /** 0–100 with at most 2 decimals; null for flat rules. */
  percentage: z.number().nullable(),
  /** Integer minor units; null for percentage rules. */
  flat_amount: z.number().int().nullable(),
  /** Currency of `flat_amount`; null for percentage rules. */
  currency: CurrencyCode.nullable(),
  basis: z.enum(COMMISSION_BASES),
  hold_period_days: z.number().int(),
  auto_approve: z.boolean(),
  applies_to: z.array(z.enum(STRIPE_CONVERSION_EVENTS)),
  /** null = recurring commissions forever. */
  recurring_months: z.number().int().nullable(),
  metadata: Metadata,
  created: z.number().int(),
});
export type CommissionRule = z.infer<typeof CommissionRule>;
export const CommissionRuleList = listOf(CommissionRule);

/** The fields of a commission rule request; which terms go with which `type` is {@link ruleTermsProblems}. */
export const COMMISSION_RULE_FIELDS = {
  name: text("name", REQUEST_LIMITS.ruleName),
  type: z.enum(COMMISSION_RULE_TYPES, { error: 'type is "percentage" or "flat"' }),
  percentage: Percentage,
  flat_amount: FlatAmount,
  currency: WireCurrency,
  basis: z.enum(COMMISSION_BASES, { error: 'basis is "gross" or "net"' }),
  hold_period_days: HoldPeriodDays,
  auto_approve: z.boolean({ error: "auto_approve is true or false (a boolean, not text)" }),
  applies_to: uniqueList(z.enum(STRIPE_CONVERSION_EVENTS, { error: `applies_to takes ${STRIPE_CONVERSION_EVENTS.join(" and/or ")}` }), "applies_to", {
    min: 1,
    minMessage: `applies_to takes ${STRIPE_CONVERSION_EVENTS.join(" and/or ")}`,
    max: STRIPE_CONVERSION_EVENTS.length,
  }),
  recurring_months: RecurringMonths,
  metadata: RequestMetadata,
};

/** Every field optional, the terms nullable (null = not set): what an update may send. */
export const CommissionRuleUpdate = z
  .object({
    name: COMMISSION_RULE_FIELDS.name.optional(),
    type: COMMISSION_RULE_FIELDS.type.optional(),
    percentage: COMMISSION_RULE_FIELDS.percentage.nullable().optional(),
    flat_amount: COMMISSION_RULE_FIELDS.flat_amount.nullable().optional(),
    currency: COMMISSION_RULE_FIELDS.currency.nullable().optional(),
    basis: COMMISSION_RULE_FIELDS.basis.optional(),
    hold_period_days: COMMISSION_RULE_FIELDS.hold_period_days.optional(),
    auto_approve: COMMISSION_RULE_FIELDS.auto_approve.optional(),
    applies_to: COMMISSION_RULE_FIELDS.applies_to.optional(),
    recurring_months: COMMISSION_RULE_FIELDS.recurring_months.nullable().optional(),
    metadata: COMMISSION_RULE_FIELDS.metadata.optional(),
  })
  .strict();
export type CommissionRuleUpdate = z.infer<typeof CommissionRuleUpdate>;

/** A rule's terms problem: which field, whether it is missing (else it does not belong), and why. */
export interface RuleTermsProblem {
  field: "percentage" | "flat_amount" | "currency";
  missing: boolean;
  message: string;
}

/** `percentage` iff type percentage; `flat_amount` and `currency` iff type flat (null or absent = not set). */
export function ruleTermsProblems(r: { type?: CommissionRuleType; percentage?: number | null; flat_amount?: number | null; currency?: string | null }): RuleTermsProblem[] {
  const has = (v: unknown) => v !== undefined && v !== null;
  const out: RuleTermsProblem[] = [];
  if (r.type === "percentage") {
    if (!has(r.percentage)) out.push({ field: "percentage", missing: true, message: "a percentage rule needs percentage (0–100, at most 2 decimals, e.g. 20 or 12.5)" });
    if (has(r.flat_amount)) out.push({ field: "flat_amount", missing: false, message: 'flat_amount is only for flat rules: remove it, or set type to "flat"' });
    if (has(r.currency)) out.push({ field: "currency", missing: false, message: "currency is only for flat rules (a percentage pays in the sale's currency): remove it" });
  } else if (r.type === "flat") {
    if (!has(r.flat_amount)) out.push({ field: "flat_amount", missing: true, message: "a flat rule needs flat_amount in minor units (e.g. 1500 for 15.00)" });
    if (!has(r.currency)) out.push({ field: "currency", missing: true, message: "a flat rule needs a currency: the ISO 4217 code of flat_amount, e.g. usd" });
    if (has(r.percentage)) out.push({ field: "percentage", missing: false, message: 'percentage is only for percentage rules: remove it, or set type to "percentage"' });
  }
  return out;
}

/** `POST /api/v1/programs/{id}/commission_rules`: `type` required, with the terms it needs. */
export const CommissionRuleCreate = CommissionRuleUpdate.required({ type: true }).superRefine((r, ctx) => {
  for (const p of ruleTermsProblems(r)) ctx.addIssue({ code: "custom", path: [p.field], message: p.message, params: { code: p.missing ? "parameter_missing" : "parameter_invalid" } });
});
export type CommissionRuleCreate = z.infer<typeof CommissionRuleCreate>;

export const StripeIntegration = z.object({
  object: z.literal("stripe_integration"),
  livemode: z.boolean(),
  connected: z.boolean(),
  /** The connected Stripe account (`acct_…`), or null. */
  account_id: z.string().nullable(),
  /** The Selgeo-provided receiver URL to register as a Stripe webhook endpoint. */
  webhook_url: z.string(),
  webhook_secret_configured: z.boolean(),
  /** `sha256:<12 hex>` of the configured signing secret (null when none): tells a replaced secret apart. */
  webhook_secret_fingerprint: z.string().nullable().optional(),
  fee_data_available: z.boolean(),
});
export type StripeIntegration = z.infer<typeof StripeIntegration>;

/** `POST /api/v1/integrations/stripe`: connects an account and/or hands over the signing secret. */
export const StripeIntegrationUpdate = z
  .object({
    account_id: StripeAccountId.optional(),
    /** Stripe's `whsec_…` signing secret of the endpoint registered at `webhook_url`; never returned. */
    webhook_signing_secret: z
      .string({ error: "webhook_signing_secret is text" })
      .regex(WEBHOOK_SECRET_PATTERN, "webhook_signing_secret must be the whsec_… signing secret Stripe returned when you created the webhook endpoint for webhook_url (not an API key)")
      .optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.account_id === undefined && b.webhook_signing_secret === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "send account_id (the connected Stripe account, acct_…) and/or webhook_signing_secret (whsec_… of the Stripe endpoint that posts to webhook_url)",
        params: { code: "parameter_missing" },
      });
    }
  });
export type StripeIntegrationUpdate = z.infer<typeof StripeIntegrationUpdate>;

/** One entry of the Stripe event log (every request the receiver got, signature valid or not). */
export const StripeEventLogEntry = z.object({
  /** The Stripe event id (`evt_…`) as claimed by the body; null when the body was unreadable. */
  id: z.string().nullable(),
  object: z.literal("stripe_event"),
  /** The log entry's own id; use it as `starting_after` (a forged request may repeat an event id). */
  log_id: z.string(),
  type: z.string().nullable(),
  /** The event's own `livemode` (may differ from the receiver URL's mode: then it is ignored). */
  livemode: z.boolean().nullable(),
  signature_valid: z.boolean(),
  received_at: z.number().int(),
  processed: z.boolean(),
  /** Redeliveries of an already processed event id. */
  duplicate_deliveries: z.number().int(),
  error: z.string().nullable().optional(),
});
export type StripeEventLogEntry = z.infer<typeof StripeEventLogEntry>;
export const StripeEventLogList = listOf(StripeEventLogEntry);

export const PARTICIPANT_STATUSES = ["pending", "approved", "rejected"] as const;
export type ParticipantStatus = (typeof PARTICIPANT_STATUSES)[number];

export const Participant = selgeoObject("participant", {
  program: z.string(),
  email: z.string(),
  name: z.string(),
  status: z.enum(PARTICIPANT_STATUSES),
  metadata: Metadata,
  created: z.number().int(),
  approved_at: z.number().int().nullable(),
});
export type Participant = z.infer<typeof Participant>;
export const ParticipantList = listOf(Participant);

export const ParticipantCreate = z.object({
  email: z.string(),
  name: z.string().max(200).optional(),
  metadata: Metadata.optional(),
});
export type ParticipantCreate = z.infer<typeof ParticipantCreate>;

export const Click = selgeoObject("click", {
  program: z.string(),
  partner: z.string(),
  url: z.string(),
  created: z.number().int(),
});
export type Click = z.infer<typeof Click>;

export const ClickCreate = z.object({ program: z.string(), partner: z.string(), url: z.string() });
export type ClickCreate = z.infer<typeof ClickCreate>;

export const CONVERSION_SOURCES = ["api", "stripe"] as const;
export const CONVERSION_STATUSES = ["recorded", "partially_refunded", "refunded"] as const;
export type ConversionStatus = (typeof CONVERSION_STATUSES)[number];

export const Conversion = selgeoObject("conversion", {
  program: z.string(),
  partner: z.string(),
  click: z.string().nullable(),
  source: z.enum(CONVERSION_SOURCES),
  /** The Stripe event type that produced it, or null for the Conversion API. */
  stripe_event_type: z.string().nullable(),
  stripe_event: z.string().nullable(),
  external_id: z.string().nullable(),
  customer: z.string().nullable(),
  payment_intent: z.string().nullable(),
  subscription: z.string().nullable(),
  recurring: z.boolean(),
  amount: z.number().int(),
  currency: CurrencyCode,
  /** Processor fee in minor units, when known (needed by net-basis rules). */
  fee: z.number().int().nullable(),
  refunded_amount: z.number().int(),
  status: z.enum(CONVERSION_STATUSES),
  fraud_suspected: z.boolean(),
  fraud_reasons: z.array(z.string()),
  /** Ids of the commissions this conversion earned (possibly none). */
  commissions: z.array(z.string()),
  metadata: Metadata,
  created: z.number().int(),
});
export type Conversion = z.infer<typeof Conversion>;
export const ConversionList = listOf(Conversion);

/** `POST /api/v1/conversions`: either `click`, or `partner` + `program`. */
export const ConversionCreate = z.object({
  click: z.string().optional(),
  partner: z.string().optional(),
  program: z.string().optional(),
  amount: z.number().int().positive(),
  currency: CurrencyCode,
  /** Your order id: a second conversion with the same id returns the first one. */
  external_id: z.string().min(1).max(255),
  customer: z.string().max(255).optional(),
  customer_email: z.string().max(320).optional(),
  /** Processor fee, minor units: lets net-basis rules compute without review. */
  fee: z.number().int().min(0).optional(),
  metadata: Metadata.optional(),
});
export type ConversionCreate = z.infer<typeof ConversionCreate>;

/**
 * Commission statuses: `pending` (in its hold period, or awaiting a manual approval),
 * `needs_review` (cannot be computed or trusted automatically: net basis without fee data, a
 * fraud-suspected conversion), `approved`, `rejected`, `refunded`, `partially_refunded`.
 */
export const COMMISSION_STATUSES = ["pending", "needs_review", "approved", "rejected", "refunded", "partially_refunded"] as const;
export type CommissionStatus = (typeof COMMISSION_STATUSES)[number];

export const Commission = selgeoObject("commission", {
  program: z.string(),
  partner: z.string(),
  conversion: z.string(),
  commission_rule: z.string(),
  amount: z.number().int(),
  currency: CurrencyCode,
  status: z.enum(COMMISSION_STATUSES),
  /** Unix seconds at which the hold period ends. */
  available_on: z.number().int().nullable(),
  auto_approve: z.boolean(),
  refunded_amount: z.number().int(),
  /** Why the commission is in review, rejected, or was computed the way it was. */
  reason: z.string().nullable(),
  created: z.number().int(),
  approved_at: z.number().int().nullable(),
});
export type Commission = z.infer<typeof Commission>;
export const CommissionList = listOf(Commission);

/** Every decision the attribution engine records. */
export const ATTRIBUTION_DECISIONS = [
  "attributed",
  "no_click",
  "unknown_click",
  "customer_attributed",
  "recurring",
  "outside_recurring_window",
  "no_attribution",
  "refund_applied",
  "refund_unmatched",
  "duplicate_ignored",
  "mode_mismatch",
  "fraud_suspected",
  "program_archived",
  "currency_mismatch",
] as const;
export type AttributionDecision = (typeof ATTRIBUTION_DECISIONS)[number];

export const AttributionAuditEntry = selgeoObject("attribution_audit_entry", {
  type: z.enum(ATTRIBUTION_DECISIONS),
  message: z.string(),
  conversion: z.string().nullable(),
  commission: z.string().nullable(),
  program: z.string().nullable(),
  partner: z.string().nullable(),
  click: z.string().nullable(),
  customer: z.string().nullable(),
  stripe_event: z.string().nullable(),
  created: z.number().int(),
});
export type AttributionAuditEntry = z.infer<typeof AttributionAuditEntry>;
export const AttributionAuditLog = listOf(AttributionAuditEntry);

export const FraudAlert = selgeoObject("fraud_alert", {
  conversion: z.string(),
  program: z.string(),
  partner: z.string(),
  reasons: z.array(z.string()),
  created: z.number().int(),
});
export type FraudAlert = z.infer<typeof FraudAlert>;
export const FraudAlertList = listOf(FraudAlert);
