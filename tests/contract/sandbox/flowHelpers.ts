/**
 * Helpers for the flow contract tests: a merchant set up end to end (program, rule, approved
 * partner, Stripe integration with a signing secret made at run time, a verifying webhook
 * receiver), Stripe-signed event posts, and waiting for deliveries.
 */
import { createHmac, randomBytes } from "crypto";
import type { IncomingHttpHeaders } from "http";
import { WebhookEventPayload, SELGEO_SIGNATURE_HEADER, verifySignatureHeader } from "@selgeo-golive/runtime";
import type { RunningSandbox } from "../../../sandbox/server";
import type { JsonResponse, Receiver } from "./helpers";
import { call, startReceiver } from "./helpers";

/** A random suffix for ids made up at run time. */
export const rand = (n = 8) => randomBytes(n).toString("hex");

/** `t=<now>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, like Stripe signs. */
export function stripeSignature(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
}

/** A Stripe event envelope. */
export function stripeEvent(type: string, object: Record<string, unknown>, livemode = false): Record<string, unknown> {
  return { id: `evt_${rand()}`, object: "event", api_version: "2025-01-27.acacia", type, livemode, created: Math.floor(Date.now() / 1000), data: { object } };
}

/** A verified, parsed Selgeo delivery. */
export interface Delivered {
  event: WebhookEventPayload;
  verified: boolean;
}

/** One merchant (its own account) wired up for the flow. */
export interface Merchant {
  sk: string;
  pk: string;
  liveSk: string;
  accountId: string;
  stripeSecret: string;
  webhookUrl: string;
  program: string;
  rule: string;
  partner: string;
  partnerEmail: string;
  receiver: Receiver;
  delivered: Delivered[];
  /** Posts a Stripe event to the receiver, signed with the configured secret unless overridden. */
  sendStripe(event: Record<string, unknown>, opts?: { signature?: string; url?: string }): Promise<JsonResponse>;
  /** A click by the partner, with the publishable key. */
  click(): Promise<string>;
  /** Waits until `count` deliveries of `type` (optionally matching) arrived and returns them. */
  waitForEvents(type: string, count?: number, match?: (e: WebhookEventPayload) => boolean): Promise<WebhookEventPayload[]>;
  close(): Promise<void>;
}

/** Creates a fresh account with everything the flow needs; `rule` overrides the commission rule. */
export async function setUpMerchant(sb: RunningSandbox, rule: Record<string, unknown> = { type: "percentage", percentage: 20 }): Promise<Merchant> {
  const base = sb.url;
  const acct = (await call(base, "POST", "/_sandbox/accounts", { body: { name: `Flow ${rand(3)}` } })).body;
  const sk = acct.keys.test.sk as string;
  const pk = acct.keys.test.pk as string;
  const accountId = acct.account.id as string;
  const stripeSecret = `whsec_${randomBytes(24).toString("base64url")}`;
  const integration = await call(base, "POST", "/api/v1/integrations/stripe", { key: sk, body: { account_id: `acct_${rand()}`, webhook_signing_secret: stripeSecret } });
  const webhookUrl = integration.body.webhook_url as string;

  let endpointSecret = "";
  const delivered: Delivered[] = [];
  const receiver = await startReceiver((headers: IncomingHttpHeaders, body: string) => {
    const verified = verifySignatureHeader(headers[SELGEO_SIGNATURE_HEADER.toLowerCase()] as string, body, endpointSecret).ok;
    delivered.push({ event: WebhookEventPayload.parse(JSON.parse(body)), verified });
    return verified ? 200 : 400;
  });
  const events = ["conversion.created", "conversion.fraud_detected", "commission.created", "commission.approved", "commission.refunded", "participant.approved"];
  endpointSecret = (await call(base, "POST", "/api/v1/webhook_endpoints", { key: sk, body: { url: receiver.url, events } })).body.secret;

  const program = (await call(base, "POST", "/api/v1/programs", { key: sk, body: { name: "Flow program", status: "active" } })).body.id as string;
  const ruleRes = await call(base, "POST", `/api/v1/programs/${program}/commission_rules`, { key: sk, body: rule });
  if (ruleRes.status !== 200) throw new Error(`rule: ${ruleRes.text}`);
  const partnerEmail = `partner-${rand(4)}@example.com`;
  const partner = (await call(base, "POST", `/api/v1/programs/${program}/participants`, { key: sk, body: { email: partnerEmail, name: "Pat Partner" } })).body.id as string;
  await call(base, "POST", `/api/v1/programs/${program}/participants/${partner}/approve`, { key: sk });

  const m: Merchant = {
    sk, pk, liveSk: acct.keys.live.sk as string, accountId, stripeSecret, webhookUrl, program, rule: ruleRes.body.id, partner, partnerEmail, receiver, delivered,
    async sendStripe(event, opts = {}) {
      const raw = JSON.stringify(event);
      const res = await fetch(opts.url ?? webhookUrl, { method: "POST", body: raw, headers: { "Content-Type": "application/json", "Stripe-Signature": opts.signature ?? stripeSignature(stripeSecret, raw) } });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
    },
    async click() {
      const res = await call(base, "POST", "/v1/clicks", { key: pk, body: { program, partner, url: "https://shop.example.com/pricing?ref=pat" } });
      if (res.status !== 200) throw new Error(`click: ${res.text}`);
      return res.body.id as string;
    },
    async waitForEvents(type, count = 1, match = () => true) {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const got = delivered.filter((d) => d.event.type === type && match(d.event)).map((d) => d.event);
        if (got.length >= count) return got;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} × ${type}; got ${delivered.map((d) => d.event.type).join(", ")}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => receiver.close(),
  };
  return m;
}

/** A `checkout.session.completed` data.object. */
export function checkoutSession(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `cs_test_${rand()}`,
    object: "checkout.session",
    amount_total: 10_000,
    currency: "usd",
    customer: `cus_${rand()}`,
    payment_intent: `pi_${rand()}`,
    customer_details: { email: `buyer-${rand(3)}@example.net` },
    ...over,
  };
}
