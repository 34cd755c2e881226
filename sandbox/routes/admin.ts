/** Sandbox-only admin routes under `/_sandbox/` (no auth; documented in server.ts). */
import { createAccount, getAccount } from "../accounts";
import { getMeta } from "../db";
import { releaseHolds } from "../flow";
import { getIntegration, integrationObject, saveIntegration } from "../stripeIntegration";
import { invalidRequest, resourceMissing } from "../errors";
import type { BucketKind } from "../rateLimit";
import { DEFAULT_RATE_LIMITS } from "../rateLimit";
import { type Route, route } from "../router";

const MAX_ADVANCE_SECONDS = 10 * 365 * 24 * 3600;

function onlyFields(body: Record<string, unknown>, allowed: string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw invalidRequest("unknown_parameter", `Unknown parameter '${key}'. Allowed: ${allowed.join(", ") || "none"}.`, key);
  }
}

/** Admin routes. */
export const adminRoutes: Route[] = [
  route("GET /_sandbox/info", "none", (_req, { info }) => ({ status: 200, body: info() })),
  route("POST /_sandbox/accounts", "none", (req, { db, clock }) => {
    onlyFields(req.body, ["name"]);
    const name = req.body.name ?? "Sandbox Merchant";
    if (typeof name !== "string" || name.length === 0 || name.length > 200) throw invalidRequest("parameter_invalid", "name must be a string of 1 to 200 characters.", "name");
    const { account, keys } = createAccount(db, name, clock.nowSeconds());
    return { status: 200, body: { account: { id: account.id, object: "account", name: account.name, created: account.created }, keys } };
  }),
  route("GET /_sandbox/clock", "none", (_req, { clock }) => ({ status: 200, body: { now: clock.nowSeconds(), offset_seconds: clock.offsetSeconds() } })),
  route("POST /_sandbox/clock/advance", "none", async (req, { db, clock, deliveries }) => {
    onlyFields(req.body, ["seconds"]);
    const seconds = req.body.seconds;
    if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_ADVANCE_SECONDS) {
      throw invalidRequest("parameter_invalid", `seconds must be a number from 0 to ${MAX_ADVANCE_SECONDS}; the clock only moves forward.`, "seconds");
    }
    clock.advance(seconds);
    // Holds that ended release first, so their commission.approved deliveries go out below.
    releaseHolds(db, clock.nowSeconds(), deliveries);
    // Answer only after the deliveries that just became due were attempted, so the caller can
    // assert on their outcome right away.
    await deliveries.processDue();
    return { status: 200, body: { now: clock.nowSeconds(), offset_seconds: clock.offsetSeconds() } };
  }),
  // Rehearses a merchant whose Stripe account gives no fee data (net-basis rules then need
  // review). fee_data_available null = back to "available whenever connected".
  route("POST /_sandbox/stripe_integration", "none", (req, { db, clock, info }) => {
    onlyFields(req.body, ["account_id", "livemode", "fee_data_available"]);
    const accountId = req.body.account_id ?? getMeta(db, "default_account_id");
    if (typeof accountId !== "string" || !getAccount(db, accountId)) throw resourceMissing("account", String(accountId), "account_id");
    if (typeof req.body.livemode !== "boolean") throw invalidRequest("parameter_missing", "livemode (true or false) says which mode's integration to change.", "livemode");
    const fee = req.body.fee_data_available;
    if (fee !== null && typeof fee !== "boolean") throw invalidRequest("parameter_invalid", "fee_data_available must be true, false or null (default behaviour).", "fee_data_available");
    const row = getIntegration(db, accountId, req.body.livemode);
    row.fee_data_override = fee === null ? null : fee ? 1 : 0;
    row.updated = clock.nowSeconds();
    saveIntegration(db, row);
    return { status: 200, body: integrationObject(row, info().selgeo_url) };
  }),
  route("GET /_sandbox/faults", "none", (_req, { faults }) => ({ status: 200, body: { rules: faults.list() } })),
  route("POST /_sandbox/faults", "none", (req, { faults }) => {
    onlyFields(req.body, ["rules"]);
    return { status: 200, body: { rules: faults.add(req.body) } };
  }),
  route("DELETE /_sandbox/faults", "none", (_req, { faults }) => {
    faults.clear();
    return { status: 200, body: { rules: [] } };
  }),
  route("GET /_sandbox/requests", "none", (_req, { requests }) => ({ status: 200, body: requests.snapshot() })),
  route("DELETE /_sandbox/requests", "none", (_req, { requests }) => {
    requests.reset();
    return { status: 200, body: requests.snapshot() };
  }),
  route("GET /_sandbox/rate_limits", "none", (_req, { limiter }) => ({ status: 200, body: limiter.settings() })),
  route("POST /_sandbox/rate_limits", "none", (req, { limiter }) => {
    const kinds = Object.keys(DEFAULT_RATE_LIMITS) as BucketKind[];
    onlyFields(req.body, kinds);
    const changes: Partial<Record<BucketKind, number>> = {};
    for (const kind of kinds) {
      const v = req.body[kind];
      if (v === undefined) continue;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 1_000_000) throw invalidRequest("parameter_invalid", `${kind} must be a positive integer (requests per minute).`, kind);
      changes[kind] = v;
    }
    return { status: 200, body: limiter.configure(changes) };
  }),
  route("DELETE /_sandbox/rate_limits", "none", (_req, { limiter }) => ({ status: 200, body: limiter.configure({ ...DEFAULT_RATE_LIMITS }) })),
];
