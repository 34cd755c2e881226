/** `GET|POST|DELETE /api/v1/integrations/stripe` and the Stripe event log. */
import { StripeIntegrationUpdate, type StripeEventLogEntry } from "@selgeo-golive/runtime";
import { invalidRequest } from "../errors";
import { listPage } from "../pagination";
import { type Route, route } from "../router";
import { getIntegration, integrationObject, saveIntegration } from "../stripeIntegration";
import type { StripeEventRow } from "../stripeReceiver";
import { stripeEventObject } from "../stripeReceiver";
import { bit, parseBody, scopeOf } from "../validate";


/** Stripe integration routes. */
export const stripeIntegrationRoutes: Route[] = [
  route("GET /api/v1/integrations/stripe", "sk", (req, { db, info }) =>
    ({ status: 200, body: integrationObject(getIntegration(db, req.auth.accountId, req.auth.livemode), info().selgeo_url) })),
  route("POST /api/v1/integrations/stripe", "sk", (req, { db, clock, info }) => {
    const { account_id: accountId, webhook_signing_secret: secret } = parseBody(StripeIntegrationUpdate, req.body);
    const row = getIntegration(db, req.auth.accountId, req.auth.livemode);
    if (accountId !== undefined) row.stripe_account_id = accountId;
    if (secret !== undefined) row.webhook_secret = secret;
    row.updated = clock.nowSeconds();
    saveIntegration(db, row);
    return { status: 200, body: integrationObject(row, info().selgeo_url) };
  }),
  route("DELETE /api/v1/integrations/stripe", "sk", (req, { db, clock, info }) => {
    // Disconnecting forgets the account and the signing secret: the receiver then rejects
    // events for this mode until a new secret is configured.
    const row = { ...getIntegration(db, req.auth.accountId, req.auth.livemode), stripe_account_id: null, webhook_secret: null, fee_data_override: null, updated: clock.nowSeconds() };
    saveIntegration(db, row);
    return { status: 200, body: integrationObject(row, info().selgeo_url) };
  }),
  route("GET /api/v1/integrations/stripe/events", "sk", (req, { db }) => {
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
  }),
];
