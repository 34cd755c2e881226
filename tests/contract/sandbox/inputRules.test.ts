/**
 * The sandbox refuses and accepts the same values as the stack config (both use
 * runtime/src/inputRules.ts and urlRules.ts): a config that passes preview never fails on Selgeo.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigError, type RawStackConfig } from "../../../config/schema";
import { CommissionRule, WebhookEndpoint } from "@selgeo-golive/runtime";
import { good } from "../../fixtures/hostileConfigs";
import { call, useSandbox } from "./helpers";

let programId: string;

const sb = useSandbox();
beforeAll(async () => {
  const res = await call(sb.url, "POST", "/api/v1/programs", { key: sb.liveSk, body: { name: "Partners" } });
  expect(res.status, res.text).toBe(200);
  programId = res.body.id;
});

const configAccepts = (over: Partial<RawStackConfig>): boolean => {
  try {
    parseStackConfig({ ...good, ...over }, {});
    return true;
  } catch (e) {
    if (e instanceof StackConfigError) return false;
    throw e;
  }
};

/** [name, rule body on the wire, the same rule in the stack config]. */
const RULES: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
  ["19.99 %", { type: "percentage", percentage: 19.99 }, { type: "percentage", percentage: 19.99 }],
  ["0.01 %", { type: "percentage", percentage: 0.01 }, { type: "percentage", percentage: 0.01 }],
  ["three decimals", { type: "percentage", percentage: 12.345 }, { type: "percentage", percentage: 12.345 }],
  ["1200 recurring months", { type: "percentage", percentage: 10, recurring_months: 1200 }, { type: "percentage", percentage: 10, recurringMonths: 1200 }],
  ["1201 recurring months", { type: "percentage", percentage: 10, recurring_months: 1201 }, { type: "percentage", percentage: 10, recurringMonths: 1201 }],
  ["flat in jpy", { type: "flat", flat_amount: 500, currency: "jpy" }, { type: "flat", flatAmount: 500, currency: "jpy" }],
  ["flat in xyz", { type: "flat", flat_amount: 500, currency: "xyz" }, { type: "flat", flatAmount: 500, currency: "xyz" }],
  ["a NUL in the name", { type: "percentage", percentage: 10, name: "a\u0000b" }, { type: "percentage", percentage: 10, name: "a\u0000b" }],
];

/** [name, endpoint body on the wire, the same endpoint in the stack config]. */
const ENDPOINTS: Array<[string, Record<string, unknown>]> = [
  ["upper-case scheme and host", { url: "HTTPS://Hooks.Merchant.EXAMPLE/selgeo", events: ["ping"] }],
  ["NAT64 metadata address", { url: "https://[64:ff9b::a9fe:a9fe]/x", events: ["ping"] }],
  ["carrier-grade NAT", { url: "https://100.64.0.1/x", events: ["ping"] }],
  ["Cyrillic look-alike host", { url: "https://hооks.merchant.example/x", events: ["ping"] }],
  ["__proto__ metadata key", { url: "https://hooks.merchant.example/x", events: ["ping"], metadata: JSON.parse('{"__proto__": "x"}') }],
  ["a bell in a metadata key", { url: "https://hooks.merchant.example/x", events: ["ping"], metadata: { "team\u0007": "x" } }],
  ["a bidi override in the description", { url: "https://hooks.merchant.example/x", events: ["ping"], description: "orders \u202e" }],
  ["a multi-line description", { url: "https://hooks.merchant.example/x", events: ["ping"], description: "orders\nand refunds" }],
];

describe("the sandbox and the stack config agree", () => {
  it.each(RULES)("commission rule: %s", async (_name, wire, declared) => {
    const res = await call(sb.url, "POST", `/api/v1/programs/${programId}/commission_rules`, { key: sb.liveSk, body: wire });
    const accepted = configAccepts({ commissionRules: { r: declared } });
    expect(res.status === 200, res.text).toBe(accepted);
    if (accepted && wire.percentage !== undefined) expect(CommissionRule.parse(res.body).percentage).toBe(wire.percentage);
  });

  it.each(ENDPOINTS)("live webhook endpoint: %s", async (_name, body) => {
    const res = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.liveSk, body });
    const accepted = configAccepts({ webhookEndpoints: { orders: body } });
    expect(res.status === 200, res.text).toBe(accepted);
    if (accepted) {
      const url = WebhookEndpoint.parse(res.body).url;
      expect(url).toBe(url.replace(/^[^/]*\/\/[^/]*/, (m) => m.toLowerCase()));
    }
  });
});
