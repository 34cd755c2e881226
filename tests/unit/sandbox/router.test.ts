/** Route declarations: `route("METHOD /path", access, handler)` builds the Route the router matches. */
import { expect, it } from "vitest";
import { route } from "../../../sandbox/router";

it("route() splits method and path and carries the access options", () => {
  const handler = () => ({ status: 200, body: {} });
  expect(route("GET /api/v1/programs/{id}", "sk", handler)).toEqual({ method: "GET", pattern: "/api/v1/programs/{id}", auth: "sk", handler });
  expect(route("POST /v1/clicks", { auth: "pk", bucket: "clicks_per_pk" }, handler)).toEqual({ method: "POST", pattern: "/v1/clicks", auth: "pk", bucket: "clicks_per_pk", handler });
});
