/**
 * Routes whose behaviour arrives in a later issue. They exist now so that auth, key kinds and
 * their dedicated rate-limit buckets can be exercised, and answer 501 `not_implemented`.
 */
import { ApiError } from "../errors";
import type { Route } from "../router";

function notImplemented(what: string): never {
  throw new ApiError(501, "api_error", "not_implemented", `${what} is not implemented by this sandbox version yet.`);
}

/** `POST /v1/clicks` (publishable key, 1000/min per pk) and `POST /api/v1/conversions` (120/min per sk). */
export const trackingRoutes: Route[] = [
  { method: "POST", pattern: "/v1/clicks", auth: "pk", bucket: "clicks_per_pk", handler: () => notImplemented("Click tracking") },
  { method: "POST", pattern: "/api/v1/conversions", auth: "sk", bucket: "conversions_per_sk", handler: () => notImplemented("Conversions") },
];
