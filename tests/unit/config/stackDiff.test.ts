/**
 * How two effective declarations are compared: by path, maps by key, event lists as sets, defaults
 * filled in, secrets and plain keys never printed.
 */
import { describe, expect, it } from "vitest";
import { diffDeclarations, formatDifference, withDefaults } from "../../../config/stackDiff";

const ep = (over: Record<string, unknown> = {}) => ({ url: "https://h.example/x", events: ["conversion.created", "commission.created"], ...over });

const CASES: Array<[string, Record<string, unknown>, Record<string, unknown>, string[]]> = [
  ["identical declarations: nothing", { "selgeo:webhookEndpoints": { orders: ep() } }, { "selgeo:webhookEndpoints": { orders: ep() } }, []],
  ["events in another order: the same set", { "selgeo:webhookEndpoints": { orders: ep() } }, { "selgeo:webhookEndpoints": { orders: ep({ events: ["commission.created", "conversion.created"] }) } }, []],
  [
    "events added and removed: what each side has alone",
    { "selgeo:webhookEndpoints": { orders: ep() } },
    { "selgeo:webhookEndpoints": { orders: ep({ events: ["conversion.created", "participant.approved"] }) } },
    ["selgeo:webhookEndpoints.orders.events: only in a: commission.created; only in b: participant.approved"],
  ],
  ["an endpoint only one side has: one line", { "selgeo:webhookEndpoints": { orders: ep() } }, { "selgeo:webhookEndpoints": { orders: ep(), finance: ep() } }, ["selgeo:webhookEndpoints.finance: only in b"]],
  ["a rule only one side has, even with no rules on the other", { "selgeo:commissionRules": { launch: { type: "flat" } } }, {}, ["selgeo:commissionRules.launch: only in a"]],
  ["a default written out equals it left out", { "selgeo:webhookEndpoints": { orders: ep({ enabled: true, rotationOverlapHours: 24 }) } }, { "selgeo:webhookEndpoints": { orders: ep() } }, []],
  ["a value that differs from the default", { "selgeo:webhookEndpoints": { orders: ep({ enabled: false }) } }, { "selgeo:webhookEndpoints": { orders: ep() } }, ["selgeo:webhookEndpoints.orders.enabled: false → true"]],
  ["verify follows the mode", { "selgeo:mode": "test" }, { "selgeo:mode": "live" }, ["selgeo:mode: test → live", "selgeo:verify: false → true"]],
  ["a list that is not a set keeps its order", { "selgeo:program": { name: "P" } }, { "selgeo:program": { name: "Q" } }, ["selgeo:program.name: P → Q"]],
  ["an empty text is shown as quotes", { "selgeo:program": { name: "P", description: "" } }, { "selgeo:program": { name: "P", description: "x" } }, ['selgeo:program.description: "" → x']],
  ["a reference is shown as the reference", { "selgeo:secretKey": "awssm://a/keys#sk" }, { "selgeo:secretKey": "awssm://b/keys#sk" }, ["selgeo:secretKey: awssm://a/keys#sk → awssm://b/keys#sk"]],
  ["a plain key never", { "selgeo:secretKey": "sk_test_" + "f".repeat(24) }, {}, ["selgeo:secretKey: [a key, not shown] → (not set)"]],
  ["a Pulumi secret as [secret]", { "selgeo:stripeSecretKey": { secure: "v1:abc" } }, { "selgeo:stripeSecretKey": { secure: "v1:def" } }, ["selgeo:stripeSecretKey: [secret] → [secret]"]],
];

describe("diffDeclarations", () => {
  it.each(CASES)("%s", (_name, a, b, expected) => {
    const lines = diffDeclarations(withDefaults(a), withDefaults(b)).map((d) => formatDifference(d, "a", "b"));
    expect(lines).toEqual(expected);
  });
});
