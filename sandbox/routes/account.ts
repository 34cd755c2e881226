/** `GET /api/v1/account` and `GET /api/v1/event_types`. */
import { type Account, EVENT_TYPES } from "@selgeo-golive/runtime";
import { getAccount } from "../accounts";
import { resourceMissing } from "../errors";
import { type Route, route } from "../router";

/** What each event type means, for the catalog route. */
export const EVENT_TYPE_DESCRIPTIONS: Record<(typeof EVENT_TYPES)[number], string> = {
  "conversion.created": "A conversion (a purchase attributed to a partner) was recorded.",
  "conversion.fraud_detected": "A conversion was flagged by fraud detection and held for review.",
  "commission.created": "A commission was created for a partner from a conversion.",
  "commission.approved": "A commission was approved, manually or after its hold period.",
  "commission.refunded": "A commission was reversed, fully or in part, after a refund.",
  "participant.approved": "A partner's application to a program was approved.",
  ping: "A test event sent by POST /api/v1/webhook_endpoints/{id}/ping.",
};

/** Account and catalog routes. */
export const accountRoutes: Route[] = [
  route("GET /api/v1/account", "sk", (req, { db }) => {
    const account = getAccount(db, req.auth.accountId);
    if (!account) throw resourceMissing("account", req.auth.accountId);
    const body: Account = { id: account.id, object: "account", livemode: req.auth.livemode, name: account.name };
    return { status: 200, body };
  }),
  route("GET /api/v1/event_types", "sk", () => ({
    status: 200,
    body: {
      object: "list",
      data: EVENT_TYPES.map((name) => ({ object: "event_type", name, description: EVENT_TYPE_DESCRIPTIONS[name] })),
      has_more: false,
    },
  })),
];
