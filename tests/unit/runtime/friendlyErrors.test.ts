/** Settings failures become one line naming the config key and the fix; other errors pass through. */
import { describe, expect, it } from "vitest";
import { SelgeoConnectionError, SelgeoError } from "../../../runtime/src/errors";
import { explainSettingsError, SettingsError } from "../../../runtime/src/friendlyErrors";

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4010"), { code: "ECONNREFUSED" });
const notFound = Object.assign(new Error("getaddrinfo ENOTFOUND api.selgeo.invalid"), { code: "ENOTFOUND" });

/** [what happened, URLs configured, the one line expected (or null: passed through)]. */
const CASES: Array<[string, unknown, { apiUrl?: string; stripeApiUrl?: string }, RegExp | null]> = [
  [
    "sandbox not running",
    new SelgeoConnectionError({ method: "GET", path: "/api/v1/account", message: "connect ECONNREFUSED", cause: refused }),
    { apiUrl: "http://127.0.0.1:4010" },
    /^selgeo:apiUrl: cannot reach http:\/\/127\.0\.0\.1:4010 \(connection refused\) — is the sandbox running\? `npx golive sandbox` \[GET \/api\/v1\/account\]$/,
  ],
  [
    "a host that does not exist",
    new SelgeoConnectionError({ method: "POST", path: "/api/v1/programs", message: "getaddrinfo", cause: notFound }),
    { apiUrl: "https://api.selgeo.invalid" },
    /^selgeo:apiUrl: cannot reach https:\/\/api\.selgeo\.invalid \(host not found\) — check selgeo:apiUrl/,
  ],
  [
    "a URL that is not Selgeo's API",
    SelgeoError.fromResponse(404, "<html>nope</html>", {}, { method: "GET", path: "/api/v1/account" }),
    { apiUrl: "https://www.example.com" },
    /^selgeo:apiUrl: https:\/\/www\.example\.com does not answer like the Selgeo API \(HTTP 404/,
  ],
  ["a refused key", SelgeoError.fromResponse(401, { error: { type: "authentication_error", code: "invalid_api_key", message: "no" } }), {}, /^selgeo:secretKey: Selgeo refused the key \(401 invalid_api_key\)/],
  ["Stripe unreachable", Object.assign(new Error("An error occurred with our connection to Stripe."), { type: "StripeConnectionError" }), { stripeApiUrl: "http://localhost:12111" }, /^selgeo:stripeApiUrl: cannot reach http:\/\/localhost:12111 .* is the sandbox running\?/],
  ["an object Selgeo refused", SelgeoError.fromResponse(422, { error: { type: "invalid_request_error", code: "url_not_allowed_in_live_mode", message: "no" } }), {}, null],
  ["any other error", new TypeError("x is undefined"), {}, null],
];

describe("explainSettingsError", () => {
  it.each(CASES)("%s", (_name, error, urls, expected) => {
    const out = explainSettingsError(error, urls);
    if (expected === null) {
      expect(out).toBe(error);
    } else {
      expect(out).toBeInstanceOf(SettingsError);
      expect((out as Error).message).toMatch(expected);
      expect((out as Error).message).not.toContain("\n");
    }
  });
});
