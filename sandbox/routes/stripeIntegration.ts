/** `GET|POST|DELETE /api/v1/integrations/stripe` and the Stripe event log. */
import type { StripeEventLogEntry } from "@selgeo-golive/runtime";
import { invalidRequest } from "../errors";
import { listPage } from "../pagination";
import type { Route } from "../router";
import { getIntegration, integrationObject, saveIntegration } from "../stripeIntegration";
import type { StripeEventRow } from "../stripeReceiver";
import { stripeEventObject } from "../stripeReceiver";
import { bit, rejectUnknown, scopeOf } from "../validate";

const ACCOUNT_ID = /^acct_[0-9A-Za-z]+$/;
const SIGNING_SECRET = /^whsec_[0-9A-Za-z_\-+/=]+$/;

/** Stripe integration routes. */
export const stripeIntegrationRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/api/v1/integrations/stripe",
    auth: "sk",
    handler: (req, { db, info }) => ({ status: 200, body: integrationObject(getIntegration(db, req.auth.accountId, req.auth.livemode), info().selgeo_url) }),
  },
  {
    method: "POST",
    pattern: "/api/v1/integrations/stripe",
    auth: "sk",
    handler: (req, { db, clock, info }) => {
      rejectUnknown(req.body, ["account_id", "webhook_signing_secret"], "The Stripe integration takes");
      const { account_id: accountId, webhook_signing_secret: secret } = req.body;
      if (accountId === undefined && secret === undefined) {
        throw invalidRequest("parameter_missing", "Send account_id (the connected Stripe account, acct_…) and/or webhook_signing_secret (whsec_… of the Stripe endpoint that posts to webhook_url).");
      }
      if (accountId !== undefined && (typeof accountId !== "string" || !ACCOUNT_ID.test(accountId))) {
        throw invalidRequest("parameter_invalid", "account_id must be a Stripe account id such as acct_1A2b3C (Stripe's GET /v1/account returns it).", "account_id");
      }
      if (secret !== undefined && (typeof secret !== "string" || !SIGNING_SECRET.test(secret))) {
        throw invalidRequest(
          "parameter_invalid",
          "webhook_signing_secret must be the whsec_… signing secret Stripe returned when you created the webhook endpoint for webhook_url (not an API key).",
          "webhook_signing_secret",
        );
      }
      const row = getIntegration(db, req.auth.accountId, req.auth.livemode);
      if (accountId !== undefined) row.stripe_account_id = accountId as string;
      if (secret !== undefined) row.webhook_secret = secret as string;
      row.updated = clock.nowSeconds();
      saveIntegration(db, row);
      return { status: 200, body: integrationObject(row, info().selgeo_url) };
    },
  },
  {
    method: "DELETE",
    pattern: "/api/v1/integrations/stripe",
    auth: "sk",
    handler: (req, { db, clock, info }) => {
      // Disconnecting forgets the account and the signing secret: the receiver then rejects
      // events for this mode until a new secret is configured.
      const row = { ...getIntegration(db, req.auth.accountId, req.auth.livemode), stripe_account_id: null, webhook_secret: null, fee_data_override: null, updated: clock.nowSeconds() };
      saveIntegration(db, row);
      return { status: 200, body: integrationObject(row, info().selgeo_url) };
    },
  },
  {
    method: "GET",
    pattern: "/api/v1/integrations/stripe/events",
    auth: "sk",
    handler: (req, { db }) => {
      const filters: string[] = [];
      const args: unknown[] = [];
      const type = req.query.get("type");
      if (type !== null) {
        filters.push("type = ?");
        args.push(type);
      }
      const valid = req.query.get("signature_valid");
      if (valid !== null) {
        if (valid !== "true" && valid !== "false") throw invalidRequest("parameter_invalid", "signature_valid must be true or false.", "signature_valid");
        filters.push("signature_valid = ?");
        args.push(bit(valid === "true"));
      }
      const filter = { where: filters.length ? filters.join(" AND ") : "1 = 1", args };
      return { status: 200, body: listPage<StripeEventRow, StripeEventLogEntry>(db, "stripe_events", scopeOf(req.auth), req.query, stripeEventObject, filter) };
    },
  },
];
