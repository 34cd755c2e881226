import Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { SandboxInfo } from "@selgeo-golive/runtime";
import { stripeAt, stripeCall, stripeFor, useSandbox } from "./helpers";

const EVENTS = ["checkout.session.completed", "invoice.paid", "charge.refunded"];

describe("Stripe emulator: /v1/webhook_endpoints through the official SDK", () => {
  let test: Stripe;
  let live: Stripe;

  const sb = useSandbox();
  beforeAll(async () => {
    test = stripeFor(sb, "test");
    live = stripeFor(sb, "live");
  });

  it("startSandbox reports the emulator's URL and run-time keys for both modes", () => {
    const info = SandboxInfo.parse(sb.info);
    expect(info.stripe_url).toBe(sb.stripeUrl);
    expect(info.stripe_url).not.toBe(info.selgeo_url);
    const k = info.stripe_keys!;
    expect(k.test.secret_key).toMatch(/^sk_test_[0-9A-Za-z]{99}$/);
    expect(k.test.publishable_key).toMatch(/^pk_test_[0-9A-Za-z]{99}$/);
    expect(k.live.secret_key).toMatch(/^sk_live_[0-9A-Za-z]{99}$/);
    expect(k.live.publishable_key).toMatch(/^pk_live_[0-9A-Za-z]{99}$/);
    // Not the Selgeo keys (those have 24 random characters).
    expect(k.test.secret_key).not.toBe(info.keys.test.sk);
    expect(k.test.account_id).toMatch(/^acct_/);
  });

  it("GET /v1/account returns a parseable account of the key's mode", async () => {
    const acct = await test.accounts.retrieveCurrent();
    expect(acct).toMatchObject({ id: sb.info.stripe_keys!.test.account_id, object: "account", charges_enabled: true, payouts_enabled: true });
    expect(acct.settings?.dashboard?.display_name).toBeTruthy();
    expect(acct.lastResponse.requestId).toMatch(/^req_/);
    const liveAcct = await live.accounts.retrieveCurrent();
    expect(liveAcct.id).toBe(sb.info.stripe_keys!.live.account_id);
    expect((await test.accounts.retrieve(acct.id)).id).toBe(acct.id);
  });

  it("create returns the secret once; retrieve, update, list and delete never do", async () => {
    const created = await test.webhookEndpoints.create({
      url: "https://hooks.example.com/stripe",
      enabled_events: EVENTS as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
      description: "Selgeo attribution",
      metadata: { managed_by: "selgeo-golive", stack: "dev" },
    });
    expect(created).toMatchObject({
      object: "webhook_endpoint",
      url: "https://hooks.example.com/stripe",
      enabled_events: EVENTS,
      description: "Selgeo attribution",
      status: "enabled",
      livemode: false,
      metadata: { managed_by: "selgeo-golive", stack: "dev" },
      api_version: null,
      application: null,
    });
    expect(created.id).toMatch(/^we_/);
    expect(created.secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    expect(typeof created.created).toBe("number");

    const got = await test.webhookEndpoints.retrieve(created.id);
    expect(got.secret).toBeUndefined();
    expect({ ...got, lastResponse: undefined }).toEqual({ ...created, secret: undefined, lastResponse: undefined });

    // Metadata merges like Stripe: "" removes one key, other keys stay.
    const updated = await test.webhookEndpoints.update(created.id, {
      url: "https://hooks.example.com/stripe/v2",
      enabled_events: ["checkout.session.completed", "invoice.paid"],
      description: "",
      metadata: { stack: "", region: "eu" },
    });
    expect(updated).toMatchObject({
      url: "https://hooks.example.com/stripe/v2",
      enabled_events: ["checkout.session.completed", "invoice.paid"],
      description: null,
      metadata: { managed_by: "selgeo-golive", region: "eu" },
    });
    expect(updated.secret).toBeUndefined();
    // metadata="" clears every key.
    expect((await test.webhookEndpoints.update(created.id, { metadata: "" as unknown as Stripe.MetadataParam })).metadata).toEqual({});

    const disabled = await test.webhookEndpoints.update(created.id, { disabled: true });
    expect(disabled.status).toBe("disabled");
    expect((await test.webhookEndpoints.update(created.id, { disabled: false })).status).toBe("enabled");

    const list = await test.webhookEndpoints.list({ limit: 100 });
    expect(list.object).toBe("list");
    expect(list.url).toBe("/v1/webhook_endpoints");
    const inList = list.data.find((e) => e.id === created.id);
    expect(inList).toBeDefined();
    expect(inList!.secret).toBeUndefined();

    const deleted = await test.webhookEndpoints.del(created.id);
    expect(deleted).toMatchObject({ id: created.id, object: "webhook_endpoint", deleted: true });
    const gone = await test.webhookEndpoints.retrieve(created.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(gone).toMatchObject({ statusCode: 404, code: "resource_missing", param: "webhook_endpoint" });
  });

  it("enabled_events are validated against Stripe's event types ('*' allowed)", async () => {
    const err = await test.webhookEndpoints
      .create({ url: "https://hooks.example.com/x", enabled_events: ["checkout.session.completed", "checkout.completed" as Stripe.WebhookEndpointCreateParams.EnabledEvent] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError", param: "enabled_events[1]" });
    expect((err as Error).message).toContain("checkout.completed");

    const missing = await test.webhookEndpoints.create({ url: "https://hooks.example.com/x" } as Stripe.WebhookEndpointCreateParams).catch((e: unknown) => e);
    expect(missing).toMatchObject({ statusCode: 400, code: "parameter_missing", param: "enabled_events" });

    const all = await test.webhookEndpoints.create({
      url: "https://hooks.example.com/all",
      enabled_events: ["*", "payment_intent.succeeded", "customer.subscription.created"],
      api_version: "2026-08-26.dahlia",
    });
    expect(all.enabled_events).toEqual(["*", "payment_intent.succeeded", "customer.subscription.created"]);
    expect(all.api_version).toBe("2026-08-26.dahlia");
    await test.webhookEndpoints.del(all.id);
  });

  it("unknown parameters and JSON bodies are rejected like Stripe", async () => {
    const unknown = await test.webhookEndpoints
      .create({ url: "https://hooks.example.com/x", enabled_events: ["invoice.paid"], events: ["invoice.paid"] } as unknown as Stripe.WebhookEndpointCreateParams)
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "events" });
    const json = await stripeCall(sb, "POST", "/v1/webhook_endpoints", { key: sb.info.stripe_keys!.test.secret_key, body: { url: "https://x.example.com", enabled_events: ["invoice.paid"] } });
    expect(json.status).toBe(400);
    expect(json.body.error.type).toBe("invalid_request_error");
    expect(json.headers.get("request-id")).toMatch(/^req_/);
  });

  it("live mode requires a public https URL; test mode accepts a local receiver", async () => {
    const err = await live.webhookEndpoints.create({ url: "http://hooks.example.com/stripe", enabled_events: ["invoice.paid"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, code: "url_invalid", param: "url" });
    const local = await live.webhookEndpoints.create({ url: "https://localhost:8443/stripe", enabled_events: ["invoice.paid"] }).catch((e: unknown) => e);
    expect(local).toMatchObject({ statusCode: 400, code: "url_invalid" });
    const ok = await live.webhookEndpoints.create({ url: "https://hooks.example.com/stripe", enabled_events: ["invoice.paid"] });
    expect(ok.livemode).toBe(true);
    await live.webhookEndpoints.del(ok.id);
    const testLocal = await test.webhookEndpoints.create({ url: "http://127.0.0.1:9/stripe", enabled_events: ["invoice.paid"] });
    await test.webhookEndpoints.del(testLocal.id);
  });

  it("test and live are isolated: a live key gets 404 resource_missing for a test endpoint", async () => {
    const t = await test.webhookEndpoints.create({ url: "https://hooks.example.com/iso", enabled_events: ["invoice.paid"] });
    try {
      for (const call of [() => live.webhookEndpoints.retrieve(t.id), () => live.webhookEndpoints.update(t.id, { disabled: true }), () => live.webhookEndpoints.del(t.id)]) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        expect(err).toMatchObject({ statusCode: 404, code: "resource_missing" });
      }
      expect((await live.webhookEndpoints.list({ limit: 100 })).data.map((e) => e.id)).not.toContain(t.id);
      const cursor = await live.webhookEndpoints.list({ starting_after: t.id }).catch((e: unknown) => e);
      expect(cursor).toMatchObject({ statusCode: 400, code: "resource_missing", param: "starting_after" });
      expect((await test.webhookEndpoints.retrieve(t.id)).status).toBe("enabled");
    } finally {
      await test.webhookEndpoints.del(t.id);
    }
  });

  it("lists newest first with limit / starting_after, and the SDK's auto-pagination walks them all", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await test.webhookEndpoints.create({ url: `https://hooks.example.com/p${i}`, enabled_events: ["invoice.paid"] })).id);
    try {
      const page1 = await test.webhookEndpoints.list({ limit: 2 });
      expect(page1.data.map((e) => e.id)).toEqual([ids[4], ids[3]]);
      expect(page1.has_more).toBe(true);
      const page2 = await test.webhookEndpoints.list({ limit: 2, starting_after: ids[3] });
      expect(page2.data.map((e) => e.id)).toEqual([ids[2], ids[1]]);
      const back = await test.webhookEndpoints.list({ limit: 2, ending_before: ids[1] });
      expect(back.data.map((e) => e.id)).toEqual([ids[3], ids[2]]);
      const all: string[] = [];
      for await (const e of test.webhookEndpoints.list({ limit: 2 })) all.push(e.id);
      expect(all).toEqual([...ids].reverse());
      const bad = await test.webhookEndpoints.list({ limit: 101 }).catch((e: unknown) => e);
      expect(bad).toMatchObject({ statusCode: 400, param: "limit" });
    } finally {
      for (const id of ids) await test.webhookEndpoints.del(id);
    }
  });

  it("Idempotency-Key: a replay returns the first response; other params with the same key is an idempotency error", async () => {
    const key = `golive-test-${Date.now()}`;
    const params = { url: "https://hooks.example.com/idem", enabled_events: ["invoice.paid" as const], metadata: { n: "1" } };
    const first = await test.webhookEndpoints.create(params, { idempotencyKey: key });
    const again = await test.webhookEndpoints.create(params, { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect(again.secret).toBe(first.secret);
    expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await test.webhookEndpoints.list({ limit: 100 })).data.filter((e) => e.url === params.url)).toHaveLength(1);

    const other = await test.webhookEndpoints.create({ ...params, metadata: { n: "2" } }, { idempotencyKey: key }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    // Keys are per API key: the live key runs its own request under the same Idempotency-Key.
    const liveFirst = await live.webhookEndpoints.create(params, { idempotencyKey: key });
    expect(liveFirst.id).not.toBe(first.id);
    await live.webhookEndpoints.del(liveFirst.id);
    // A request that failed validation is not saved: the corrected retry with the same key runs.
    const key2 = `${key}-b`;
    await expect(test.webhookEndpoints.create({ ...params, enabled_events: ["nope" as "invoice.paid"] }, { idempotencyKey: key2 })).rejects.toThrow(/enabled_events/);
    const fixed = await test.webhookEndpoints.create({ ...params, url: "https://hooks.example.com/idem2" }, { idempotencyKey: key2 });
    expect(fixed.url).toBe("https://hooks.example.com/idem2");
    await test.webhookEndpoints.del(first.id);
    await test.webhookEndpoints.del(fixed.id);
  });

  it("authentication: unknown key → StripeAuthenticationError; publishable key refused; no key → 401", async () => {
    const keys = sb.info.stripe_keys!;
    const forged = keys.test.secret_key.slice(0, -4) + (keys.test.secret_key.endsWith("AAAA") ? "BBBB" : "AAAA");
    const err = await stripeAt(sb.stripeUrl, forged).webhookEndpoints.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((err as Error).message).not.toContain(forged);
    const pk = await stripeAt(sb.stripeUrl, keys.test.publishable_key).webhookEndpoints.list().catch((e: unknown) => e);
    expect(pk).toMatchObject({ statusCode: 401 });
    expect((await stripeCall(sb, "GET", "/v1/webhook_endpoints")).status).toBe(401);
    // The Selgeo key is not a Stripe key.
    expect((await stripeCall(sb, "GET", "/v1/account", { key: sb.info.keys.test.sk })).status).toBe(401);
    const route = await stripeCall(sb, "GET", "/v1/nothing_here", { key: keys.test.secret_key });
    expect(route.status).toBe(404);
  });

  it("counts requests by method and route, so a no-op can be shown to write nothing", async () => {
    await stripeCall(sb, "DELETE", "/_stripe/requests");
    const e = await test.webhookEndpoints.create({ url: "https://hooks.example.com/count", enabled_events: ["invoice.paid"] });
    await stripeCall(sb, "DELETE", "/_stripe/requests");
    await test.webhookEndpoints.retrieve(e.id);
    await test.webhookEndpoints.list();
    const counts = (await stripeCall(sb, "GET", "/_stripe/requests")).body;
    expect(counts.by_method.POST).toBe(0);
    expect(counts.by_method.DELETE).toBe(0);
    expect(counts.by_route).toEqual({ "GET /v1/webhook_endpoints/{id}": 1, "GET /v1/webhook_endpoints": 1 });
    await test.webhookEndpoints.del(e.id);
    expect((await stripeCall(sb, "GET", "/_stripe/requests")).body.by_route["DELETE /v1/webhook_endpoints/{id}"]).toBe(1);
  });

  it("injected faults surface as the SDK's error classes", async () => {
    await stripeCall(sb, "POST", "/_stripe/faults", { body: { rules: [{ kind: "status", status: 503, path_prefix: "/v1/webhook_endpoints" }] } });
    const err = await test.webhookEndpoints.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((await test.webhookEndpoints.list()).object).toBe("list");
  });
});
