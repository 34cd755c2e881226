/**
 * The same webhook-endpoint requests, sent by the official SDK to stripe-mock (Stripe's mock, which
 * validates every request against Stripe's OpenAPI spec) and to the sandbox's emulator: stripe-mock
 * must accept what we send, both must reject the same malformed requests, and every field
 * stripe-mock's fixtures return must be present in the emulator's objects.
 *
 * stripe-mock comes from `bash tools/stripe-mock.sh` (Go module proxy → .tools/bin); without the
 * binary this suite is skipped with the reason.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBase62 } from "../../../../sandbox/ids";
import { stripeAt, stripeFor, useSandbox } from "./helpers";

const BIN = path.resolve(__dirname, "../../../../.tools/bin/stripe-mock");
const HAVE_MOCK = fs.existsSync(BIN);
if (!HAVE_MOCK) console.warn(`skipping the stripe-mock contract test: ${BIN} is missing (build it with: bash tools/stripe-mock.sh)`);

const EVENTS: Stripe.WebhookEndpointCreateParams.EnabledEvent[] = ["checkout.session.completed", "invoice.paid", "charge.refunded"];

/** What the providers send: create, update (events, description unset, metadata key unset, disable), list, retrieve, delete. */
async function exercise(stripe: Stripe): Promise<{ created: Stripe.WebhookEndpoint; updated: Stripe.WebhookEndpoint; list: Stripe.ApiList<Stripe.WebhookEndpoint>; retrieved: Stripe.WebhookEndpoint; deleted: Stripe.DeletedWebhookEndpoint }> {
  const created = await stripe.webhookEndpoints.create(
    { url: "https://hooks.example.com/selgeo/stripe", enabled_events: EVENTS, description: "Selgeo attribution", metadata: { managed_by: "selgeo-golive", urn: "urn:pulumi:dev::x" } },
    { idempotencyKey: `golive-${randomBase62(16)}` },
  );
  const updated = await stripe.webhookEndpoints.update(created.id, {
    url: "https://hooks.example.com/selgeo/stripe2",
    enabled_events: [...EVENTS, "payment_intent.succeeded"],
    description: "",
    metadata: { urn: "" },
    disabled: true,
  });
  const list = await stripe.webhookEndpoints.list({ limit: 100 });
  const retrieved = await stripe.webhookEndpoints.retrieve(created.id);
  const deleted = await stripe.webhookEndpoints.del(created.id);
  return { created, updated, list, retrieved, deleted };
}

/** Requests both must reject with 400 (StripeInvalidRequestError). */
const MALFORMED: [string, (s: Stripe) => Promise<unknown>][] = [
  ["unknown event type", (s) => s.webhookEndpoints.create({ url: "https://hooks.example.com/x", enabled_events: ["checkout.completed" as Stripe.WebhookEndpointCreateParams.EnabledEvent] })],
  ["unknown parameter", (s) => s.webhookEndpoints.create({ url: "https://hooks.example.com/x", enabled_events: EVENTS, events: EVENTS } as Stripe.WebhookEndpointCreateParams)],
  ["missing enabled_events", (s) => s.webhookEndpoints.create({ url: "https://hooks.example.com/x" } as Stripe.WebhookEndpointCreateParams)],
  ["api_version on update", (s) => s.webhookEndpoints.update("we_123", { api_version: "2026-08-26.dahlia" } as Stripe.WebhookEndpointUpdateParams)],
  ["non-boolean disabled", (s) => s.webhookEndpoints.update("we_123", { disabled: "yes" as unknown as boolean })],
];

function fieldNames(o: object): string[] {
  return Object.keys(o)
    .filter((k) => k !== "lastResponse")
    .sort();
}

describe.skipIf(!HAVE_MOCK)("Stripe requests checked against stripe-mock (Stripe's OpenAPI spec)", () => {
  let mock: ChildProcess | undefined;
  let mockStripe: Stripe;
  const sb = useSandbox();

  beforeAll(async () => {
    mock = spawn(BIN, ["-http-addr", "127.0.0.1:", "-https-addr", "127.0.0.1:"], { stdio: ["ignore", "pipe", "pipe"] });
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      const onData = (c: Buffer) => {
        out += c.toString();
        const m = /Listening for HTTP at address: [^\s]*:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      };
      mock!.stdout!.on("data", onData);
      mock!.stderr!.on("data", onData);
      mock!.once("exit", (code) => reject(new Error(`stripe-mock exited (${code}): ${out}`)));
      setTimeout(() => reject(new Error(`stripe-mock did not start: ${out}`)), 20_000);
    });
    // stripe-mock takes any well-formed test key; this one is generated, never a literal.
    mockStripe = stripeAt(`http://127.0.0.1:${port}`, ["sk", "test", randomBase62(24)].join("_"));
  });
  afterAll(async () => {
    if (mock && mock.exitCode === null) {
      const exited = new Promise((r) => mock!.once("exit", r));
      mock.kill("SIGTERM");
      await exited;
    }
  });

  it("stripe-mock accepts our create / update / list / retrieve / delete requests", async () => {
    const r = await exercise(mockStripe);
    expect(r.created.object).toBe("webhook_endpoint");
    expect(r.updated.object).toBe("webhook_endpoint");
    expect(r.list.object).toBe("list");
    expect(r.retrieved.object).toBe("webhook_endpoint");
    expect(r.deleted.deleted).toBe(true);
  });

  it("the emulator answers the same requests with every field stripe-mock's fixtures have", async () => {
    const mockRes = await exercise(mockStripe);
    const emu = await exercise(stripeFor(sb, "test"));
    // The emulator adds `secret` on create, as real Stripe does (stripe-mock's fixture lacks it).
    expect(fieldNames(emu.created)).toEqual([...fieldNames(mockRes.created), "secret"].sort());
    expect(fieldNames(emu.updated)).toEqual(fieldNames(mockRes.updated));
    expect(fieldNames(emu.retrieved)).toEqual(fieldNames(mockRes.retrieved));
    expect(fieldNames(emu.deleted)).toEqual(fieldNames(mockRes.deleted));
    expect(fieldNames(emu.list)).toEqual(fieldNames(mockRes.list));
    expect(emu.updated).toMatchObject({ status: "disabled", description: null, metadata: { managed_by: "selgeo-golive" }, enabled_events: [...EVENTS, "payment_intent.succeeded"] });
  });

  it.each(MALFORMED)("both reject a malformed request: %s", async (_name, send) => {
    const viaMock = await send(mockStripe).catch((e: unknown) => e);
    const viaEmu = await send(stripeFor(sb, "test")).catch((e: unknown) => e);
    expect(viaMock).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(viaEmu).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((viaMock as Stripe.errors.StripeError).statusCode).toBe(400);
    // The emulator checks the parameters before looking the endpoint up, as Stripe's validation does.
    expect((viaEmu as Stripe.errors.StripeError).statusCode).toBe(400);
  });

  it("GET /v1/account: the emulator has every top-level field the providers read", async () => {
    const viaMock = await mockStripe.accounts.retrieveCurrent();
    const viaEmu = await stripeFor(sb, "test").accounts.retrieveCurrent();
    for (const field of ["id", "object", "charges_enabled", "payouts_enabled", "details_submitted", "settings", "country", "default_currency", "business_profile"] as const) {
      expect(viaMock).toHaveProperty(field);
      expect(viaEmu).toHaveProperty(field);
    }
  });
});
