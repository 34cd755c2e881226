/** The delivery log: list, retrieve, retry. */
import { DELIVERY_STATUSES } from "@selgeo-golive/runtime";
import type { AuthContext } from "../auth";
import type { DeliveryRow } from "../deliveries";
import { deliveryObject } from "../deliveries";
import type { SandboxDb } from "../db";
import { invalidRequest, resourceMissing } from "../errors";
import { listPage } from "../pagination";
import { type Route, route } from "../router";

function getDelivery(db: SandboxDb, auth: AuthContext, id: string): DeliveryRow {
  const row = db
    .prepare("SELECT * FROM webhook_deliveries WHERE id = ? AND account_id = ? AND livemode = ?")
    .get(id, auth.accountId, auth.livemode ? 1 : 0) as DeliveryRow | undefined;
  if (!row) throw resourceMissing("webhook delivery", id);
  return row;
}

/** Delivery log routes. */
export const webhookDeliveryRoutes: Route[] = [
  route("GET /api/v1/webhook_deliveries", "sk", (req, { db }) => {
    const scope = { where: "account_id = ? AND livemode = ?", args: [req.auth.accountId, req.auth.livemode ? 1 : 0] };
    let where = "1 = 1";
    const args: unknown[] = [];
    const endpoint = req.query.get("endpoint");
    if (endpoint !== null) {
      where += " AND endpoint_id = ?";
      args.push(endpoint);
    }
    const status = req.query.get("status");
    if (status !== null) {
      if (!(DELIVERY_STATUSES as readonly string[]).includes(status)) {
        throw invalidRequest("parameter_invalid", `status must be one of ${DELIVERY_STATUSES.join(", ")}; got '${status}'.`, "status");
      }
      where += " AND status = ?";
      args.push(status);
    }
    return { status: 200, body: listPage(db, "webhook_deliveries", scope, req.query, deliveryObject, { where, args }) };
  }),
  route("GET /api/v1/webhook_deliveries/{id}", "sk", (req, { db }) => ({ status: 200, body: deliveryObject(getDelivery(db, req.auth, req.params.id)) })),
  route("POST /api/v1/webhook_deliveries/{id}/retry", "sk", async (req, { db, deliveries }) => {
    const row = getDelivery(db, req.auth, req.params.id);
    if (Object.keys(req.body).length > 0) throw invalidRequest("unknown_parameter", `Unknown parameter '${Object.keys(req.body)[0]}'. This endpoint takes no parameters.`, Object.keys(req.body)[0]);
    return { status: 200, body: await deliveries.retryNow(row) };
  }),
];
