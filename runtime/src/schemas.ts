/**
 * Selgeo API v1 wire shapes. One source of truth shared by the client, the sandbox and
 * config validation (see ../../DESIGN notes in README). Money is integer minor units.
 */
import { z } from "zod";

/** Modes a key, an object and a stack can be in. */
export const MODES = ["test", "live"] as const;
export type Mode = (typeof MODES)[number];

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

export const Metadata = z.record(z.string(), z.string());
export type Metadata = z.infer<typeof Metadata>;

export const Account = z.object({
  id: z.string(),
  object: z.literal("account"),
  livemode: z.boolean(),
  name: z.string(),
});
export type Account = z.infer<typeof Account>;

export const EventTypeInfo = z.object({
  object: z.literal("event_type"),
  name: z.string(),
  description: z.string(),
});
export const EventTypeList = listOf(EventTypeInfo);

export const WebhookEndpoint = z.object({
  id: z.string(),
  object: z.literal("webhook_endpoint"),
  livemode: z.boolean(),
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
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;
export const WebhookEndpointList = listOf(WebhookEndpoint);

export const WebhookEndpointCreate = z.object({
  url: z.string(),
  events: z.array(z.string()).min(1),
  description: z.string().max(500).optional(),
  status: z.enum(ENDPOINT_STATUSES).optional(),
  metadata: Metadata.optional(),
});
export type WebhookEndpointCreate = z.infer<typeof WebhookEndpointCreate>;

export const WebhookEndpointUpdate = WebhookEndpointCreate.partial();
export type WebhookEndpointUpdate = z.infer<typeof WebhookEndpointUpdate>;

export const RotateSecretRequest = z.object({
  /** How long the previous secret keeps signing deliveries, seconds (default 24 h, 0 = expire now). */
  expires_in: z.number().int().min(0).max(7 * 24 * 3600).optional(),
});

export const PingRequest = z.object({ signature: z.enum(["valid", "invalid"]).optional() });

export const WebhookDelivery = z.object({
  id: z.string(),
  object: z.literal("webhook_delivery"),
  livemode: z.boolean(),
  endpoint: z.string(),
  event: z.string(),
  event_type: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  response_status: z.number().int().nullable(),
  next_retry_at: z.number().int().nullable(),
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
});
export type SandboxInfo = z.infer<typeof SandboxInfo>;
