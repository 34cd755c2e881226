import type { IncomingHttpHeaders } from "http";
import * as http from "http";
import type { AddressInfo } from "net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RETRY_SCHEDULE_SECONDS, WebhookDelivery, WebhookDeliveryList, WebhookEventPayload } from "@selgeo-golive/runtime";
import { SELGEO_SIGNATURE_HEADER, verifySignatureHeader } from "@selgeo-golive/runtime";
import type { Receiver } from "./helpers";
import { call, endpointBody, expectError, startReceiver, useSandbox } from "./helpers";

const sigHeader = (h: IncomingHttpHeaders) => h[SELGEO_SIGNATURE_HEADER.toLowerCase()] as string | undefined;
const v1Count = (header: string | undefined) => (header ?? "").split(",").filter((p) => p.startsWith("v1=")).length;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("sandbox: signed deliveries, retries and dead-lettering", () => {
  /** Accepts only deliveries signed with one of `secrets`, like a real receiver would. */
  let verifying: Receiver;
  let secrets: string[] = [];
  let failing: Receiver;

  const sb = useSandbox();
  beforeAll(async () => {
    verifying = await startReceiver((headers, body) => (verifySignatureHeader(sigHeader(headers), body, secrets).ok ? 200 : 400));
    failing = await startReceiver(() => 500);
  });
  afterAll(async () => {
    await verifying?.close();
    await failing?.close();
  });

  const createEndpoint = async (body: Record<string, unknown>, key = sb.sk) => {
    const res = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key, body });
    expect(res.status).toBe(200);
    return res.body as { id: string; secret: string };
  };
  const ping = (id: string, signature?: "valid" | "invalid") =>
    call(sb.url, "POST", `/api/v1/webhook_endpoints/${id}/ping`, { key: sb.sk, body: signature ? { signature } : {} });
  const advance = (seconds: number) => call(sb.url, "POST", "/_sandbox/clock/advance", { body: { seconds } });
  const getDelivery = async (id: string) => WebhookDelivery.parse((await call(sb.url, "GET", `/api/v1/webhook_deliveries/${id}`, { key: sb.sk })).body);

  it("ping delivers a signed ping event that the receiver verifies", async () => {
    const ep = await createEndpoint(endpointBody({ url: verifying.url, events: ["conversion.created"] }));
    secrets = [ep.secret];
    const res = await ping(ep.id);
    expect(res.status).toBe(200);
    const delivery = WebhookDelivery.parse(res.body);
    expect(delivery).toMatchObject({ object: "webhook_delivery", livemode: false, endpoint: ep.id, event_type: "ping", status: "succeeded", attempts: 1, response_status: 200, next_retry_at: null, signature: "valid" });
    expect(delivery.id).toMatch(/^del_/);
    expect(delivery.event).toMatch(/^evt_/);

    const got = verifying.received.at(-1)!;
    expect(got.status).toBe(200);
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["selgeo-event-id"]).toBe(delivery.event);
    expect(got.headers["selgeo-delivery-id"]).toBe(delivery.id);
    expect(sigHeader(got.headers)).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const payload = WebhookEventPayload.parse(JSON.parse(got.body));
    expect(payload).toMatchObject({ id: delivery.event, object: "event", type: "ping", livemode: false });
    expect(await getDelivery(delivery.id)).toEqual(delivery);
  });

  it("an invalid-signature ping is rejected by the receiver, and the delivery shows it failed", async () => {
    const ep = await createEndpoint(endpointBody({ url: verifying.url }));
    secrets = [ep.secret];
    const res = await ping(ep.id, "invalid");
    const delivery = WebhookDelivery.parse(res.body);
    expect(verifying.received.at(-1)!.status).toBe(400);
    // `signature` tells a monitor this failure was the drill, not a broken receiver.
    expect(delivery).toMatchObject({ status: "failed", attempts: 1, response_status: 400, signature: "invalid" });
    // A forged ping is a drill, not a delivery to retry.
    expect(delivery.next_retry_at).toBeNull();
    expectError(await ping(ep.id, "maybe" as "valid"), 400, "parameter_invalid");
  });

  it("during a rotation overlap deliveries carry two v1 signatures; after expiry only the new one", async () => {
    const ep = await createEndpoint(endpointBody({ url: verifying.url }));
    const rotated = (await call(sb.url, "POST", `/api/v1/webhook_endpoints/${ep.id}/rotate_secret`, { key: sb.sk, body: { expires_in: 3600 } })).body;

    // A receiver that still holds only the old secret keeps working during the overlap…
    secrets = [ep.secret];
    expect((await ping(ep.id)).body.status).toBe("succeeded");
    expect(v1Count(sigHeader(verifying.received.at(-1)!.headers))).toBe(2);
    // …and so does one that already switched to the new secret.
    secrets = [rotated.secret];
    expect((await ping(ep.id)).body.status).toBe("succeeded");

    await advance(3601);
    expect((await call(sb.url, "GET", `/api/v1/webhook_endpoints/${ep.id}`, { key: sb.sk })).body.previous_secret_expires_at).toBeNull();
    secrets = [ep.secret];
    const stale = await ping(ep.id);
    expect(stale.body).toMatchObject({ status: "failed", response_status: 400 });
    expect(v1Count(sigHeader(verifying.received.at(-1)!.headers))).toBe(1);
    secrets = [rotated.secret];
    expect((await ping(ep.id)).body.status).toBe("succeeded");
  });

  it("retries on the schedule and dead-letters after the 8th failed attempt", async () => {
    const ep = await createEndpoint(endpointBody({ url: failing.url }));
    const first = WebhookDelivery.parse((await ping(ep.id)).body);
    expect(first).toMatchObject({ status: "failed", attempts: 1, response_status: 500 });
    // The delay counts from the failed attempt, which may end a second after `created`.
    expect(first.next_retry_at! - first.created).toBeGreaterThanOrEqual(RETRY_SCHEDULE_SECONDS[1]);
    expect(first.next_retry_at! - first.created).toBeLessThanOrEqual(RETRY_SCHEDULE_SECONDS[1] + 1);

    for (let attempt = 2; attempt <= RETRY_SCHEDULE_SECONDS.length; attempt++) {
      const now = (await advance(RETRY_SCHEDULE_SECONDS[attempt - 1])).body.now as number;
      const d = await getDelivery(first.id);
      expect(d.attempts).toBe(attempt);
      if (attempt < RETRY_SCHEDULE_SECONDS.length) {
        expect(d.status).toBe("failed");
        // `now` is read after the attempt finished, so it may be a second later than the attempt.
        expect(d.next_retry_at! - now).toBeGreaterThanOrEqual(RETRY_SCHEDULE_SECONDS[attempt] - 1);
        expect(d.next_retry_at! - now).toBeLessThanOrEqual(RETRY_SCHEDULE_SECONDS[attempt]);
      }
    }
    const last = await getDelivery(first.id);
    expect(last).toMatchObject({ status: "dead_lettered", attempts: 8, next_retry_at: null, response_status: 500 });

    // Every attempt re-sent the same event bytes under the same delivery id.
    const sent = failing.received.filter((r) => r.headers["selgeo-delivery-id"] === first.id);
    expect(sent).toHaveLength(8);
    expect(new Set(sent.map((r) => r.body)).size).toBe(1);

    // Nothing more happens, however far the clock moves.
    await advance(7 * 24 * 3600);
    expect((await getDelivery(first.id)).attempts).toBe(8);

    const dead = WebhookDeliveryList.parse((await call(sb.url, "GET", `/api/v1/webhook_deliveries?endpoint=${ep.id}&status=dead_lettered`, { key: sb.sk })).body);
    expect(dead.data.map((d) => d.id)).toEqual([first.id]);
  });

  it("a manual retry re-attempts now", async () => {
    let status = 503;
    const flaky = await startReceiver(() => status);
    try {
      const ep = await createEndpoint(endpointBody({ url: flaky.url }));
      const d = WebhookDelivery.parse((await ping(ep.id)).body);
      expect(d.status).toBe("failed");
      status = 204;
      const retried = await call(sb.url, "POST", `/api/v1/webhook_deliveries/${d.id}/retry`, { key: sb.sk });
      expect(retried.body).toMatchObject({ id: d.id, status: "succeeded", attempts: 2, response_status: 204, next_retry_at: null });
      expectError(await call(sb.url, "POST", `/api/v1/webhook_deliveries/${d.id}/retry`, { key: sb.info.keys.live.sk }), 404, "resource_missing");
      expectError(await call(sb.url, "GET", `/api/v1/webhook_deliveries/${d.id}`, { key: sb.info.keys.live.sk }), 404, "resource_missing");
    } finally {
      await flaky.close();
    }
  });

  it("emitEvent fans out to enabled, subscribed endpoints of the same mode only", async () => {
    const { body: acct } = await call(sb.url, "POST", "/_sandbox/accounts", { body: { name: "Fan-out" } });
    const key = acct.keys.test.sk as string;
    const accountId = (await call(sb.url, "GET", "/api/v1/account", { key })).body.id as string;
    const receiver = await startReceiver(() => 200);
    try {
      const subscribed = await createEndpoint(endpointBody({ url: receiver.url, events: ["conversion.created"] }), key);
      await createEndpoint(endpointBody({ url: receiver.url, events: ["commission.created"] }), key);
      await createEndpoint(endpointBody({ url: receiver.url, events: ["conversion.created"], status: "disabled" }), key);
      await createEndpoint(endpointBody({ events: ["conversion.created"] }), acct.keys.live.sk);

      const { event, deliveries } = sb.emitEvent(accountId, false, "conversion.created", { id: "conv_demo", object: "conversion", amount: 4200 });
      expect(event).toMatchObject({ object: "event", type: "conversion.created", livemode: false, data: { object: { id: "conv_demo" } } });
      expect(deliveries.map((d) => d.endpoint)).toEqual([subscribed.id]);

      const delivered = await waitFor("the worker to deliver", async () => {
        const d = await call(sb.url, "GET", `/api/v1/webhook_deliveries/${deliveries[0].id}`, { key });
        return d.body.status === "succeeded" ? d.body : undefined;
      });
      expect(delivered).toMatchObject({ attempts: 1, response_status: 200, event: event.id });
      expect(receiver.received).toHaveLength(1);
      expect(JSON.parse(receiver.received[0].body)).toEqual(event);

      const list = WebhookDeliveryList.parse((await call(sb.url, "GET", "/api/v1/webhook_deliveries?status=succeeded", { key })).body);
      expect(list.data.map((d) => d.id)).toEqual([deliveries[0].id]);
      expect((await call(sb.url, "GET", "/api/v1/webhook_deliveries", { key: acct.keys.live.sk })).body.data).toEqual([]);
      expectError(await call(sb.url, "GET", "/api/v1/webhook_deliveries?status=lost", { key }), 400, "parameter_invalid");
    } finally {
      await receiver.close();
    }
  });

  it("the delivery log paginates within its filters", async () => {
    const ep = await createEndpoint(endpointBody({ url: failing.url }));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await ping(ep.id, "invalid")).body.id);
    const q = `/api/v1/webhook_deliveries?endpoint=${ep.id}&status=failed&limit=2`;
    const page1 = WebhookDeliveryList.parse((await call(sb.url, "GET", q, { key: sb.sk })).body);
    expect(page1.data.map((d) => d.id)).toEqual([ids[2], ids[1]]);
    expect(page1.has_more).toBe(true);
    const page2 = WebhookDeliveryList.parse((await call(sb.url, "GET", `${q}&starting_after=${ids[1]}`, { key: sb.sk })).body);
    expect(page2.data.map((d) => d.id)).toEqual([ids[0]]);
    expect(page2.has_more).toBe(false);
    expect((await call(sb.url, "GET", `/api/v1/webhook_deliveries?endpoint=${ep.id}&status=succeeded`, { key: sb.sk })).body.data).toEqual([]);
  });

  it("emitEvent refuses an event type outside the catalog", () => {
    expect(() => sb.emitEvent("acct_x", false, "conversion.creatd", {})).toThrow(/unknown event type/);
  });
});

describe("sandbox: a receiver that never answers", () => {
  const sb = useSandbox({ deliveryTimeoutMs: 300 });

  it("times the attempt out and schedules a retry", async () => {
    // Accepts the connection and the body, then says nothing.
    const silent = http.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`;
      const ep = (await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.sk, body: endpointBody({ url }) })).body;
      const started = Date.now();
      const d = (await call(sb.url, "POST", `/api/v1/webhook_endpoints/${ep.id}/ping`, { key: sb.sk })).body;
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      expect(d).toMatchObject({ status: "failed", attempts: 1, response_status: null });
      // The delay counts from the end of the timed-out attempt, up to a second after `created`.
      expect(d.next_retry_at - d.created).toBeGreaterThanOrEqual(RETRY_SCHEDULE_SECONDS[1]);
      expect(d.next_retry_at - d.created).toBeLessThanOrEqual(RETRY_SCHEDULE_SECONDS[1] + 1);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
