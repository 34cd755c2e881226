/**
 * Typed Selgeo API v1 methods over `SelgeoHttp`. Each method is the route, the wire schema and
 * nothing else; retries, limits and errors live in the HTTP core.
 */
import { z } from "zod";
import { kindOfKey, modeOfKey } from "./keyModes";
import { SelgeoNotFoundError } from "./errors";
import { HttpMethod, Query, RateLimitHeaders, RequestOptions, SelgeoHttp, SelgeoHttpOptions } from "./http";
import {
  Account,
  AttributionAuditEntry,
  AttributionAuditLog,
  AttributionDecision,
  Click,
  ClickCreate,
  Commission,
  CommissionList,
  CommissionRule,
  CommissionRuleCreate,
  CommissionRuleList,
  CommissionRuleUpdate,
  CommissionStatus,
  Conversion,
  ConversionCreate,
  ConversionList,
  DeliveryStatus,
  EventTypeList,
  FraudAlert,
  FraudAlertList,
  Participant,
  ParticipantCreate,
  ParticipantList,
  ParticipantStatus,
  Program,
  ProgramCreate,
  ProgramList,
  ProgramUpdate,
  StripeEventLogEntry,
  StripeEventLogList,
  StripeIntegration,
  StripeIntegrationUpdate,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointList,
  WebhookEndpointUpdate,
} from "./schemas";

// Key prefixes are keyModes.ts's; re-exported where callers have always found them.
export { kindOfKey, modeOfKey };

/** A page of a list route. */
export interface ListPage<T> {
  object: "list";
  data: T[];
  has_more: boolean;
}

/** What {@link listAll} stops at, and how it pages. */
export interface ListAllOptions<T> {
  /** The `starting_after` after an item: its `id` by default (`log_id` for the Stripe event log). */
  cursor?: (item: T) => string;
  /** Stop once this many items are collected (default: no limit). */
  max?: number;
  /** Stop before the first item for which this is true (newest-first lists: one older than a date). */
  stopAt?: (item: T) => boolean;
}

/**
 * Every item of a cursor-paginated list route: the one `starting_after`/`has_more` loop. `fetchPage`
 * gets the cursor of the next page (undefined for the first).
 */
export async function listAll<T>(fetchPage: (startingAfter?: string) => Promise<{ data: T[]; has_more: boolean }>, opts: ListAllOptions<T> = {}): Promise<T[]> {
  const cursor = opts.cursor ?? ((item: T) => (item as { id: string }).id);
  const max = opts.max ?? Infinity;
  const all: T[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await fetchPage(startingAfter);
    for (const item of page.data) {
      if (opts.stopAt?.(item)) return all;
      all.push(item);
      if (all.length >= max) return all;
    }
    // An empty page claiming more would loop forever; trust the data over the flag.
    if (!page.has_more || page.data.length === 0) return all;
    startingAfter = cursor(page.data[page.data.length - 1]);
  }
}

/** Cursor pagination parameters. */
export interface PageParams {
  /** 1–100. */
  limit?: number;
  /** Id of the last object of the previous page. */
  startingAfter?: string;
}

/** Options of a POST that may be replayed safely. */
export interface IdempotentOptions {
  /** Defaults to a fresh key per call (still reused across that call's retries). */
  idempotencyKey?: string;
}

/**
 * What a create returns: the object, plus `replayed`, true when Selgeo answered with the stored
 * response of an earlier request with the same Idempotency-Key (`Idempotent-Replayed: true`)
 * instead of creating now. Only a replay can describe an object deleted since, so only a replay
 * needs reading back.
 */
export type Created<T> = T & { replayed: boolean };

/** Filters of the delivery log. */
export interface DeliveryListParams extends PageParams {
  endpoint?: string;
  status?: DeliveryStatus;
}

/** The answer to a DELETE; Selgeo's exact shape is not relied upon. */
const Deleted = z.unknown();

const MAX_PAGE = 100;

/** The Selgeo API v1 client. */
export class SelgeoClient {
  /** The HTTP core, for routes without a typed method yet. */
  readonly http: SelgeoHttp;

  constructor(options: SelgeoHttpOptions | SelgeoHttp) {
    this.http = options instanceof SelgeoHttp ? options : new SelgeoHttp(options);
  }

  /** Untyped escape hatch with the same retries, limits and errors. */
  request<T = unknown>(method: HttpMethod, path: string, options?: RequestOptions<T>): Promise<T> {
    return this.http.request(method, path, options);
  }

  /** One page of a list route: the page parameters, then the route's own filters by their wire names (unset ones are left out). */
  private listPage<T>(path: string, params: PageParams, filters: Query, schema: z.ZodType<ListPage<T>>): Promise<ListPage<T>> {
    return this.http.request("GET", path, { query: { ...page(params), ...filters }, schema });
  }

  /** A POST with the caller's idempotency key (a fresh one per call when none is given). */
  private post<T>(path: string, body: unknown, schema: z.ZodType<T>, options: IdempotentOptions): Promise<T> {
    return this.http.request("POST", path, { body, idempotencyKey: options.idempotencyKey, schema });
  }

  private async create<T extends object>(path: string, body: unknown, schema: z.ZodType<T>, options: IdempotentOptions): Promise<Created<T>> {
    const res = await this.http.send("POST", path, { body, idempotencyKey: options.idempotencyKey, schema });
    return { ...res.body, replayed: res.replayed };
  }

  /** `GET /api/v1/account`: the account the key belongs to, and its mode. */
  getAccount(): Promise<Account> {
    return this.http.request("GET", "/api/v1/account", { schema: Account });
  }

  /** `GET /api/v1/account` with the answer's `X-RateLimit-*` headers (what the key's limits are now). */
  async getAccountWithRateLimit(): Promise<{ account: Account; rateLimit?: RateLimitHeaders }> {
    const res = await this.http.send("GET", "/api/v1/account", { schema: Account });
    return { account: res.body, rateLimit: res.rateLimit };
  }

  /** `GET /api/v1/event_types`: the event catalog. */
  listEventTypes(): Promise<z.infer<typeof EventTypeList>> {
    return this.http.request("GET", "/api/v1/event_types", { schema: EventTypeList });
  }

  /** One page of webhook endpoints. */
  listWebhookEndpoints(params: PageParams = {}): Promise<ListPage<WebhookEndpoint>> {
    return this.listPage("/api/v1/webhook_endpoints", params, {}, WebhookEndpointList);
  }

  /** Every webhook endpoint of this mode, following `has_more` with the largest page size. */
  listAllWebhookEndpoints(): Promise<WebhookEndpoint[]> {
    return listAll((startingAfter) => this.listWebhookEndpoints({ limit: MAX_PAGE, startingAfter }));
  }

  /** One endpoint; throws `SelgeoNotFoundError` if it does not exist in this mode. */
  getWebhookEndpoint(id: string): Promise<WebhookEndpoint> {
    return this.http.request("GET", `/api/v1/webhook_endpoints/${enc(id)}`, { schema: WebhookEndpoint });
  }

  /** One endpoint, or `undefined` if it does not exist in this mode (what a provider's `read` wants). */
  async findWebhookEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    try {
      return await this.getWebhookEndpoint(id);
    } catch (error) {
      if (error instanceof SelgeoNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * Creates an endpoint; the response is the only one besides `rotateWebhookSecret` carrying
   * `secret`. Pass a key derived from the URN and inputs so a crashed run replays instead of
   * duplicating.
   */
  createWebhookEndpoint(body: WebhookEndpointCreate, options: IdempotentOptions = {}): Promise<Created<WebhookEndpoint>> {
    return this.create("/api/v1/webhook_endpoints", body, WebhookEndpoint, options);
  }

  /** Updates fields in place; the id and the signing secret survive. */
  updateWebhookEndpoint(id: string, body: WebhookEndpointUpdate, options: IdempotentOptions = {}): Promise<WebhookEndpoint> {
    return this.post(`/api/v1/webhook_endpoints/${enc(id)}`, body, WebhookEndpoint, options);
  }

  /** Deletes an endpoint; one that is already gone counts as deleted, so a retried destroy succeeds. */
  async deleteWebhookEndpoint(id: string): Promise<void> {
    try {
      await this.http.request("DELETE", `/api/v1/webhook_endpoints/${enc(id)}`, { schema: Deleted });
    } catch (error) {
      if (error instanceof SelgeoNotFoundError) return;
      throw error;
    }
  }

  /**
   * Issues a new signing secret (in the response's `secret`); the previous one keeps signing for
   * `expiresIn` seconds (server default 24 h, 0 = now).
   */
  rotateWebhookSecret(id: string, params: { expiresIn?: number } = {}, options: IdempotentOptions = {}): Promise<WebhookEndpoint> {
    const body = params.expiresIn === undefined ? {} : { expires_in: params.expiresIn };
    return this.post(`/api/v1/webhook_endpoints/${enc(id)}/rotate_secret`, body, WebhookEndpoint, options);
  }

  /** Sends a signed `ping` now and returns its delivery; `signature: "invalid"` signs it wrongly on purpose. */
  pingWebhookEndpoint(id: string, params: { signature?: "valid" | "invalid" } = {}, options: IdempotentOptions = {}): Promise<WebhookDelivery> {
    const body = params.signature === undefined ? {} : { signature: params.signature };
    return this.post(`/api/v1/webhook_endpoints/${enc(id)}/ping`, body, WebhookDelivery, options);
  }

  /** One page of the delivery log, optionally for one endpoint and/or status. */
  listWebhookDeliveries(params: DeliveryListParams = {}): Promise<ListPage<WebhookDelivery>> {
    return this.listPage("/api/v1/webhook_deliveries", params, { endpoint: params.endpoint, status: params.status }, WebhookDeliveryList);
  }

  /** Queues another attempt of a delivery now. */
  retryWebhookDelivery(id: string, options: IdempotentOptions = {}): Promise<WebhookDelivery> {
    return this.post(`/api/v1/webhook_deliveries/${enc(id)}/retry`, undefined, WebhookDelivery, options);
  }

  // ----- programs -----

  /** One page of programs of this mode, newest first. */
  listPrograms(params: PageParams = {}): Promise<ListPage<Program>> {
    return this.listPage("/api/v1/programs", params, {}, ProgramList);
  }

  /** One program; throws `SelgeoNotFoundError` if it does not exist in this mode. */
  getProgram(id: string): Promise<Program> {
    return this.http.request("GET", `/api/v1/programs/${enc(id)}`, { schema: Program });
  }

  /** One program, or `undefined` if it does not exist in this mode. */
  findProgram(id: string): Promise<Program | undefined> {
    return orUndefined(this.getProgram(id));
  }

  /** Creates a program (draft unless `status` says otherwise; a live activation may be 409 `program_not_ready`). */
  createProgram(body: ProgramCreate, options: IdempotentOptions = {}): Promise<Created<Program>> {
    return this.create("/api/v1/programs", body, Program, options);
  }

  /** Updates fields and/or the status (409 `invalid_status_transition` / `program_not_ready`). */
  updateProgram(id: string, body: ProgramUpdate, options: IdempotentOptions = {}): Promise<Program> {
    return this.post(`/api/v1/programs/${enc(id)}`, body, Program, options);
  }

  // ----- commission rules -----

  /** One page of a program's commission rules. */
  listCommissionRules(programId: string, params: PageParams = {}): Promise<ListPage<CommissionRule>> {
    return this.listPage(`/api/v1/programs/${enc(programId)}/commission_rules`, params, {}, CommissionRuleList);
  }

  /** One rule; throws `SelgeoNotFoundError` if the program or the rule does not exist in this mode. */
  getCommissionRule(programId: string, ruleId: string): Promise<CommissionRule> {
    return this.http.request("GET", `/api/v1/programs/${enc(programId)}/commission_rules/${enc(ruleId)}`, { schema: CommissionRule });
  }

  /** One rule, or `undefined` if it (or its program) does not exist in this mode. */
  findCommissionRule(programId: string, ruleId: string): Promise<CommissionRule | undefined> {
    return orUndefined(this.getCommissionRule(programId, ruleId));
  }

  /** Creates a rule; omitted fields take the API defaults (gross, 30-day hold, manual approval, both events, forever). */
  createCommissionRule(programId: string, body: CommissionRuleCreate, options: IdempotentOptions = {}): Promise<Created<CommissionRule>> {
    return this.create(`/api/v1/programs/${enc(programId)}/commission_rules`, body, CommissionRule, options);
  }

  /** Updates a rule in place (switching `type` drops the other type's fields); existing commissions keep their terms. */
  updateCommissionRule(programId: string, ruleId: string, body: CommissionRuleUpdate, options: IdempotentOptions = {}): Promise<CommissionRule> {
    return this.post(`/api/v1/programs/${enc(programId)}/commission_rules/${enc(ruleId)}`, body, CommissionRule, options);
  }

  /** Deletes a rule; one that is already gone counts as deleted. */
  async deleteCommissionRule(programId: string, ruleId: string): Promise<void> {
    await orUndefined(this.http.request("DELETE", `/api/v1/programs/${enc(programId)}/commission_rules/${enc(ruleId)}`, { schema: Deleted }));
  }

  // ----- the Stripe integration -----

  /** This mode's Stripe integration (always answers; `connected` false until an account is set). */
  getStripeIntegration(): Promise<StripeIntegration> {
    return this.http.request("GET", "/api/v1/integrations/stripe", { schema: StripeIntegration });
  }

  /** Connects a Stripe account and/or hands Selgeo the `whsec_` of the Stripe endpoint at `webhook_url`. */
  updateStripeIntegration(body: StripeIntegrationUpdate, options: IdempotentOptions = {}): Promise<StripeIntegration> {
    return this.post("/api/v1/integrations/stripe", body, StripeIntegration, options);
  }

  /** Disconnects: forgets the account id and the signing secret. */
  deleteStripeIntegration(): Promise<StripeIntegration> {
    return this.http.request("DELETE", "/api/v1/integrations/stripe", { schema: StripeIntegration });
  }

  /** One page of the Stripe event log (paginate with `startingAfter` = an entry's `log_id`). */
  listStripeEvents(params: PageParams & { type?: string; signatureValid?: boolean } = {}): Promise<ListPage<StripeEventLogEntry>> {
    return this.listPage("/api/v1/integrations/stripe/events", params, { type: params.type, signature_valid: params.signatureValid }, StripeEventLogList);
  }

  // ----- participants -----

  /** One page of a program's participants, optionally by status. */
  listParticipants(programId: string, params: PageParams & { status?: ParticipantStatus } = {}): Promise<ListPage<Participant>> {
    return this.listPage(`/api/v1/programs/${enc(programId)}/participants`, params, { status: params.status }, ParticipantList);
  }

  /** Adds a (pending) participant to a program. */
  createParticipant(programId: string, body: ParticipantCreate, options: IdempotentOptions = {}): Promise<Participant> {
    return this.post(`/api/v1/programs/${enc(programId)}/participants`, body, Participant, options);
  }

  /** Approves a participant (sends `participant.approved` the first time only). */
  approveParticipant(programId: string, participantId: string, options: IdempotentOptions = {}): Promise<Participant> {
    return this.post(`/api/v1/programs/${enc(programId)}/participants/${enc(participantId)}/approve`, undefined, Participant, options);
  }

  // ----- conversions and commissions -----

  /** The Conversion API (120/min per secret key): the same `external_id` returns the first conversion. */
  createConversion(body: ConversionCreate, options: IdempotentOptions = {}): Promise<Conversion> {
    return this.post("/api/v1/conversions", body, Conversion, options);
  }

  /** One page of conversions. */
  listConversions(params: PageParams & { program?: string; partner?: string; click?: string; customer?: string } = {}): Promise<ListPage<Conversion>> {
    const filters = { program: params.program, partner: params.partner, click: params.click, customer: params.customer };
    return this.listPage("/api/v1/conversions", params, filters, ConversionList);
  }

  /** One conversion. */
  getConversion(id: string): Promise<Conversion> {
    return this.http.request("GET", `/api/v1/conversions/${enc(id)}`, { schema: Conversion });
  }

  /** One page of commissions, optionally by status, program, partner or conversion. */
  listCommissions(params: PageParams & { status?: CommissionStatus; program?: string; partner?: string; conversion?: string } = {}): Promise<ListPage<Commission>> {
    const filters = { status: params.status, program: params.program, partner: params.partner, conversion: params.conversion };
    return this.listPage("/api/v1/commissions", params, filters, CommissionList);
  }

  /** One commission. */
  getCommission(id: string): Promise<Commission> {
    return this.http.request("GET", `/api/v1/commissions/${enc(id)}`, { schema: Commission });
  }

  /** Approves a commission (`amount` settles a `needs_review` one); sends `commission.approved`. */
  approveCommission(id: string, params: { amount?: number } = {}, options: IdempotentOptions = {}): Promise<Commission> {
    const body = params.amount === undefined ? {} : { amount: params.amount };
    return this.post(`/api/v1/commissions/${enc(id)}/approve`, body, Commission, options);
  }

  /** Rejects a pending or needs_review commission (final). */
  rejectCommission(id: string, params: { reason?: string } = {}, options: IdempotentOptions = {}): Promise<Commission> {
    const body = params.reason === undefined ? {} : { reason: params.reason };
    return this.post(`/api/v1/commissions/${enc(id)}/reject`, body, Commission, options);
  }

  // ----- monitoring -----

  /** One page of the attribution audit log. */
  listAttributionAuditLog(params: PageParams & { conversion?: string; type?: AttributionDecision; stripeEvent?: string } = {}): Promise<ListPage<AttributionAuditEntry>> {
    const filters = { conversion: params.conversion, type: params.type, stripe_event: params.stripeEvent };
    return this.listPage("/api/v1/attribution_audit_log", params, filters, AttributionAuditLog);
  }

  /** One page of fraud alerts. */
  listFraudAlerts(params: PageParams & { conversion?: string; program?: string } = {}): Promise<ListPage<FraudAlert>> {
    return this.listPage("/api/v1/fraud_alerts", params, { conversion: params.conversion, program: params.program }, FraudAlertList);
  }
}

/**
 * Click tracking with a publishable key (`pk_test_…`/`pk_live_…`): what a partner link's landing
 * page calls. Separate from {@link SelgeoClient} so a secret key is never handed to tracking code.
 */
export class SelgeoTrackingClient {
  readonly http: SelgeoHttp;

  constructor(options: SelgeoHttpOptions | SelgeoHttp) {
    if (!(options instanceof SelgeoHttp) && kindOfKey(options.apiKey) === "secret") {
      throw new TypeError("SelgeoTrackingClient takes a publishable key (pk_…); never put a secret key in tracking code");
    }
    this.http = options instanceof SelgeoHttp ? options : new SelgeoHttp(options);
  }

  /** `POST /v1/clicks` (1,000/min per pk): records a partner click; carry its id into Checkout as `client_reference_id`. */
  createClick(body: ClickCreate, options: IdempotentOptions = {}): Promise<Click> {
    return this.http.request("POST", "/v1/clicks", { body, idempotencyKey: options.idempotencyKey, schema: Click });
  }
}

function page(params: PageParams): { limit?: number; starting_after?: string } {
  return { limit: params.limit, starting_after: params.startingAfter };
}

/** Resolves to `undefined` instead of rejecting with `SelgeoNotFoundError`. */
async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (error) {
    if (error instanceof SelgeoNotFoundError) return undefined;
    throw error;
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}
