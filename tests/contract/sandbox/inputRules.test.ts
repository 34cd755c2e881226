/**
 * The sandbox refuses and accepts the same values as the stack config (both use
 * runtime/src/inputRules.ts and urlRules.ts): a config that passes preview never fails on Selgeo.
 * And one request schema, three layers: the same edge values (at and just over each limit of
 * docs/selgeo-api-v1.md) go to the stack config, to the providers' `check` and to the sandbox, and
 * all three must take or refuse them alike, naming the same field.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigError, type RawStackConfig } from "../../../config/schema";
import { camelCase, commissionRule, CommissionRule, configureFromStack, EVENT_TYPES, MANAGED_BY_METADATA_KEY, program, stripeIntegration, webhookEndpoint, WebhookEndpoint } from "@selgeo-golive/runtime";
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

type Kind = "endpoint" | "rule" | "program" | "stripe";

/** [what, kind, wire field, declared value, taken?]. The declared field is the wire one in camelCase. */
const EDGES: Array<[string, Kind, string, unknown, boolean]> = [
  ["description of 500", "endpoint", "description", "d".repeat(500), true],
  ["description of 501", "endpoint", "description", "d".repeat(501), false],
  ["49 metadata keys (selgeo-golive adds the 50th)", "endpoint", "metadata", keys(49), true],
  ["50 metadata keys", "endpoint", "metadata", keys(50), false],
  ["a metadata key of 40", "endpoint", "metadata", { ["k".repeat(40)]: "v" }, true],
  ["a metadata key of 41", "endpoint", "metadata", { ["k".repeat(41)]: "v" }, false],
  ["a metadata value of 500", "endpoint", "metadata", { k: "v".repeat(500) }, true],
  ["a metadata value of 501", "endpoint", "metadata", { k: "v".repeat(501) }, false],
  ["every event type", "endpoint", "events", [...EVENT_TYPES], true],
  ["no event", "endpoint", "events", [], false],
  ["percentage 100", "rule", "percentage", 100, true],
  ["percentage 100.01", "rule", "percentage", 100.01, false],
  ["percentage 12.34", "rule", "percentage", 12.34, true],
  ["percentage 12.345", "rule", "percentage", 12.345, false],
  ["hold period 365", "rule", "hold_period_days", 365, true],
  ["hold period 366", "rule", "hold_period_days", 366, false],
  ["recurring months 1200", "rule", "recurring_months", 1200, true],
  ["recurring months 1201", "rule", "recurring_months", 1201, false],
  ["recurring months 0", "rule", "recurring_months", 0, false],
  ["rule name of 200", "rule", "name", "n".repeat(200), true],
  ["rule name of 201", "rule", "name", "n".repeat(201), false],
  ["a currency on a percentage rule", "rule", "currency", "usd", false],
  ["program name of 200", "program", "name", "n".repeat(200), true],
  ["program name of 201", "program", "name", "n".repeat(201), false],
  ["program description of 1000", "program", "description", "d".repeat(1000), true],
  ["program description of 1001", "program", "description", "d".repeat(1001), false],
  ["a Stripe account id", "stripe", "account_id", "acct_1Ab2", true],
  ["an account id without acct_", "stripe", "account_id", "1234", false],
];

function keys(n: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
}

const BASE: Record<Kind, Record<string, unknown>> = {
  endpoint: { url: "https://hooks.merchant.example/selgeo", events: ["ping"] },
  rule: { type: "percentage", percentage: 10 },
  program: { name: "Acme Partners" },
  stripe: {},
};

describe("every layer takes or refuses a request field's edge values alike", () => {
  let testSk: string;
  let testProgramId: string;
  beforeAll(async () => {
    testSk = sb.info.keys.test.sk;
    testProgramId = (await call(sb.url, "POST", "/api/v1/programs", { key: testSk, body: { name: "Partners" } })).body.id;
    const values: Record<string, string> = { "selgeo:mode": "test", "selgeo:apiUrl": sb.url, "selgeo:secretKey": testSk, "selgeo:stripeSecretKey": "sk_test_" + "fake".repeat(6) };
    configureFromStack({ get: (k) => values[k] }, {});
  });

/** The config problem for the field, or undefined when the config is taken. */
  function configProblem(kind: Kind, declared: Record<string, unknown>, field: string): string | undefined {
    const over: Partial<RawStackConfig> = {
      endpoint: { webhookEndpoints: { orders: declared } },
      rule: { commissionRules: { standard: declared } },
      program: { program: { ...declared, status: "draft" } },
      stripe: { stripe: declared },
    }[kind];
    const path = { endpoint: "selgeo:webhookEndpoints.orders", rule: "selgeo:commissionRules.standard", program: "selgeo:program", stripe: "selgeo:stripe" }[kind];
    try {
      parseStackConfig({ ...good, ...over }, {});
      return undefined;
    } catch (e) {
      if (!(e instanceof StackConfigError)) throw e;
      return e.problems.find((p) => p.startsWith(`${path}.${field}`)) ?? e.problems.join("\n");
    }
  }
  
  /** The `check` failure for the field, or undefined when `check` takes it. */
  async function checkFailure(kind: Kind, declared: Record<string, unknown>, field: string): Promise<string | undefined> {
    const news = { resourceKey: "selgeo-golive/test/x", mode: "test", ...declared };
    const { failures } =
      kind === "endpoint" ? await webhookEndpoint.check({}, news)
      : kind === "rule" ? await commissionRule.check({}, { ...news, programId: testProgramId, name: declared.name ?? "standard" })
      : kind === "program" ? await program.check({}, news)
      : await stripeIntegration.check({}, { mode: "test", ...declared, webhookSigningSecretArn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:x" });
    const mine = failures.filter((f) => f.property.startsWith(field));
    return mine.length > 0 ? mine.map((f) => `${f.property}: ${f.reason}`).join("; ") : failures.length > 0 ? JSON.stringify(failures) : undefined;
  }
  
  /** The request the provider sends for the declaration: snake_case, with selgeo-golive's metadata key. */
  async function sandboxAnswer(kind: Kind, wire: Record<string, unknown>) {
    const managed = { metadata: { ...((wire.metadata as object) ?? {}), [MANAGED_BY_METADATA_KEY]: "selgeo-golive/test/x" } };
    const [path, body] =
      kind === "endpoint" ? ["/api/v1/webhook_endpoints", { ...wire, ...managed }]
      : kind === "rule" ? [`/api/v1/programs/${testProgramId}/commission_rules`, { ...wire, ...managed }]
      : kind === "program" ? ["/api/v1/programs", { ...wire, ...managed }]
      : ["/api/v1/integrations/stripe", wire];
    return call(sb.url, "POST", path, { key: testSk, body });
  }

  it.each(EDGES)("%s", async (_what, kind, wireField, value, taken) => {
    const field = camelCase(wireField);
    const declared = { ...BASE[kind], [field]: value };
    const wire = { ...BASE[kind], [wireField]: value };

    const config = configProblem(kind, declared, field);
    const check = await checkFailure(kind, declared, field);
    const res = await sandboxAnswer(kind, wire);
    if (taken) {
      expect(config, "config").toBeUndefined();
      expect(check, "check").toBeUndefined();
      expect(res.status, res.text).toBe(200);
    } else {
      expect(config, "config").toMatch(new RegExp(`^selgeo:[^ ]*\\b${field}\\b`));
      expect(check, "check").toMatch(new RegExp(`^${field}\\b`));
      expect(res.status, res.text).toBe(400);
      expect(res.body.error.param, res.text).toMatch(new RegExp(`^${wireField}\\b`));
    }
  });
});
