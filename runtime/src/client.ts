/**
 * Typed Selgeo API v1 methods over `SelgeoHttp`. Each method is the route, the wire schema and
 * nothing else; retries, limits and errors live in the HTTP core.
 */
import { z } from "zod";
import { SelgeoNotFoundError } from "./errors";
import { HttpMethod, RequestOptions, SelgeoHttp, SelgeoHttpOptions } from "./http";
import {
  Account,
  DeliveryStatus,
  EventTypeList,
  Mode,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointList,
  WebhookEndpointUpdate,
} from "./schemas";

/** Which mode a Selgeo or Stripe key belongs to, from its prefix (`sk_live_…` → `"live"`). */
export function modeOfKey(key: string): Mode | undefined {
  const match = /^(?:pk|sk|rk)_(test|live)_/.exec(key);
  return match ? (match[1] as Mode) : undefined;
}

/** Whether a key is publishable (`pk_…`) or secret (`sk_…`), from its prefix. */
export function kindOfKey(key: string): "publishable" | "secret" | undefined {
  if (/^pk_(?:test|live)_/.test(key)) return "publishable";
  if (/^sk_(?:test|live)_/.test(key)) return "secret";
  return undefined;
}

/** A page of a list route. */
export interface ListPage<T> {
  object: "list";
  data: T[];
  has_more: boolean;
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

  /** `GET /api/v1/account`: the account the key belongs to, and its mode. */
  getAccount(): Promise<Account> {
    return this.http.request("GET", "/api/v1/account", { schema: Account });
  }

  /** `GET /api/v1/event_types`: the event catalog. */
  listEventTypes(): Promise<z.infer<typeof EventTypeList>> {
    return this.http.request("GET", "/api/v1/event_types", { schema: EventTypeList });
  }

  /** One page of webhook endpoints. */
  listWebhookEndpoints(params: PageParams = {}): Promise<ListPage<WebhookEndpoint>> {
    return this.http.request("GET", "/api/v1/webhook_endpoints", {
      query: { limit: params.limit, starting_after: params.startingAfter },
      schema: WebhookEndpointList,
    });
  }

  /** Every webhook endpoint of this mode, following `has_more` with the largest page size. */
  async listAllWebhookEndpoints(): Promise<WebhookEndpoint[]> {
    const all: WebhookEndpoint[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const page = await this.listWebhookEndpoints({ limit: MAX_PAGE, startingAfter });
      all.push(...page.data);
      // An empty page claiming more would loop forever; trust the data over the flag.
      if (!page.has_more || page.data.length === 0) return all;
      startingAfter = page.data[page.data.length - 1].id;
    }
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
  createWebhookEndpoint(body: WebhookEndpointCreate, options: IdempotentOptions = {}): Promise<WebhookEndpoint> {
    return this.http.request("POST", "/api/v1/webhook_endpoints", {
      body,
      idempotencyKey: options.idempotencyKey,
      schema: WebhookEndpoint,
    });
  }

  /** Updates fields in place; the id and the signing secret survive. */
  updateWebhookEndpoint(id: string, body: WebhookEndpointUpdate, options: IdempotentOptions = {}): Promise<WebhookEndpoint> {
    return this.http.request("POST", `/api/v1/webhook_endpoints/${enc(id)}`, {
      body,
      idempotencyKey: options.idempotencyKey,
      schema: WebhookEndpoint,
    });
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
  rotateWebhookSecret(
    id: string,
    params: { expiresIn?: number } = {},
    options: IdempotentOptions = {},
  ): Promise<WebhookEndpoint> {
    return this.http.request("POST", `/api/v1/webhook_endpoints/${enc(id)}/rotate_secret`, {
      body: params.expiresIn === undefined ? {} : { expires_in: params.expiresIn },
      idempotencyKey: options.idempotencyKey,
      schema: WebhookEndpoint,
    });
  }

  /** Sends a signed `ping` now and returns its delivery; `signature: "invalid"` signs it wrongly on purpose. */
  pingWebhookEndpoint(
    id: string,
    params: { signature?: "valid" | "invalid" } = {},
    options: IdempotentOptions = {},
  ): Promise<WebhookDelivery> {
    return this.http.request("POST", `/api/v1/webhook_endpoints/${enc(id)}/ping`, {
      body: params.signature === undefined ? {} : { signature: params.signature },
      idempotencyKey: options.idempotencyKey,
      schema: WebhookDelivery,
    });
  }

  /** One page of the delivery log, optionally for one endpoint and/or status. */
  listWebhookDeliveries(params: DeliveryListParams = {}): Promise<ListPage<WebhookDelivery>> {
    return this.http.request("GET", "/api/v1/webhook_deliveries", {
      query: {
        endpoint: params.endpoint,
        status: params.status,
        limit: params.limit,
        starting_after: params.startingAfter,
      },
      schema: WebhookDeliveryList,
    });
  }

  /** Queues another attempt of a delivery now. */
  retryWebhookDelivery(id: string, options: IdempotentOptions = {}): Promise<WebhookDelivery> {
    return this.http.request("POST", `/api/v1/webhook_deliveries/${enc(id)}/retry`, {
      idempotencyKey: options.idempotencyKey,
      schema: WebhookDelivery,
    });
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}
