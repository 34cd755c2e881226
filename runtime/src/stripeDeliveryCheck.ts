/**
 * Checklist item 2's proof that Stripe events reach Selgeo, made only of calls that exist on the
 * real services (Stripe's API, Selgeo's v1 API, Selgeo's public receiver), so it runs the same
 * against real Stripe and the sandbox's emulator:
 *
 *   1. Stripe's endpoint (read with the Stripe API) is enabled and posts to the `webhook_url` of
 *      Selgeo's Stripe integration;
 *   2. a Stripe test event, signed exactly as Stripe signs (`Stripe-Signature`, HMAC-SHA256 with
 *      the endpoint's `whsec_` as kept in Secrets Manager), is posted to that `webhook_url`;
 *   3. Selgeo's Stripe event log shows it with a valid signature: Selgeo holds the secret Stripe
 *      signs with.
 *
 * The event is shaped like the Stripe Dashboard's "Send test event": a `checkout.session.completed`
 * with no `client_reference_id`, which Selgeo logs as "not an affiliate sale" and pays nothing on.
 */
import { randomBytes } from "node:crypto";
import type Stripe from "stripe";
import type { SelgeoClient } from "./client";
import { buildSignatureHeader } from "./signature";

/** Stripe's signature header (Selgeo's receiver verifies it like `Selgeo-Signature`: `t=…,v1=…`). */
export const STRIPE_SIGNATURE_HEADER = "Stripe-Signature";

/** What the check found; `detail` is one line for a person. */
export interface StripeDeliveryResult {
  ok: boolean;
  /** The test event's id, once one was sent. */
  eventId?: string;
  /** Selgeo's event log entry for it, when it got there. */
  logId?: string;
  detail: string;
}

/** A Stripe-shaped test event, with obviously fake ids. */
export function stripeTestEvent(livemode: boolean, now = Math.floor(Date.now() / 1000)): { id: string; body: string } {
  const id = `evt_golive_${randomBytes(12).toString("hex")}`;
  const zeros = "0".repeat(14);
  const event = {
    id,
    object: "event",
    api_version: "2024-06-20",
    created: now,
    livemode,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: "checkout.session.completed",
    data: {
      object: {
        id: `cs_${livemode ? "live" : "test"}_${zeros}`,
        object: "checkout.session",
        amount_total: 0,
        currency: "usd",
        client_reference_id: null,
        customer: null,
        livemode,
        metadata: { golive_verification: "true" },
        mode: "payment",
        payment_status: "paid",
        status: "complete",
      },
    },
  };
  return { id, body: JSON.stringify(event) };
}

/**
 * Runs the check. `secret` is the Stripe endpoint's `whsec_` from Secrets Manager; it is used to
 * sign and never leaves this process otherwise.
 */
export async function checkStripeDelivery(args: {
  client: SelgeoClient;
  stripe: Stripe;
  stripeEndpointId: string;
  secret: string;
  livemode: boolean;
}): Promise<StripeDeliveryResult> {
  const integration = await args.client.getStripeIntegration();
  const webhookUrl = integration.webhook_url;
  if (!webhookUrl) return { ok: false, detail: "Selgeo's Stripe integration has no webhook_url: connect it (`pulumi up`)" };
  const endpoint = await args.stripe.webhookEndpoints.retrieve(args.stripeEndpointId);
  if (endpoint.url !== webhookUrl) {
    return { ok: false, detail: `Stripe endpoint ${endpoint.id} posts to ${endpoint.url}, not to Selgeo's webhook_url ${webhookUrl}: run \`pulumi up --refresh\`` };
  }
  if (endpoint.status !== "enabled") {
    return { ok: false, detail: `Stripe endpoint ${endpoint.id} is ${endpoint.status}, so Stripe sends Selgeo nothing: run \`pulumi up --refresh\`` };
  }

  const t = Math.floor(Date.now() / 1000);
  const event = stripeTestEvent(args.livemode, t);
  const res = await fetch(webhookUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", [STRIPE_SIGNATURE_HEADER]: buildSignatureHeader(t, [args.secret], event.body) },
    body: event.body,
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  const log = (await args.client.listStripeEvents({ limit: 100 })).data;
  const entries = log.filter((e) => e.id === event.id);
  const valid = entries.find((e) => e.signature_valid);
  if (valid) {
    return { ok: true, eventId: event.id, logId: valid.log_id, detail: `test event ${event.id} signed with Stripe endpoint ${endpoint.id}'s secret reached Selgeo with a valid signature (log ${valid.log_id})` };
  }
  return {
    ok: false,
    eventId: event.id,
    detail:
      entries.length > 0
        ? `test event ${event.id} reached Selgeo but its signature did not verify: Selgeo holds a different Stripe signing secret than endpoint ${endpoint.id}'s in Secrets Manager; run \`pulumi up --refresh\``
        : `test event ${event.id} never reached Selgeo's Stripe event log (${webhookUrl} answered HTTP ${res.status})`,
  };
}
