/**
 * How the Stripe endpoint's create tells a replayed answer from a fresh one: Stripe's
 * `Idempotent-Replayed` header as the official SDK exposes it on `lastResponse`. Only a replay is
 * read back (it may name an endpoint deleted since).
 */
import { describe, expect, it } from "vitest";
import { stripeReplayed } from "../../../../runtime/src/resources/stripeWebhookEndpoint";

describe("stripeReplayed", () => {
  const cases: Array<{ name: string; headers?: Record<string, string>; replayed: boolean }> = [
    { name: "a replay", headers: { "idempotent-replayed": "true" }, replayed: true },
    { name: "a replay, header in capitals", headers: { "idempotent-replayed": "True" }, replayed: true },
    { name: "a fresh create saying so", headers: { "idempotent-replayed": "false" }, replayed: false },
    { name: "a fresh create without the header", headers: { "request-id": "req_1" }, replayed: false },
    { name: "no lastResponse at all", replayed: false },
  ];
  it.each(cases)("$name → replayed $replayed", ({ headers, replayed }) => {
    expect(stripeReplayed(headers ? { lastResponse: { headers } } : {})).toBe(replayed);
  });
});
