/**
 * The go-live policies called directly (no engine): fake resources in, collected violations out.
 */
import { describe, expect, it } from "vitest";
import {
  buildPolicies,
  levelFor,
  readPackContext,
  TYPES,
  validateCommissionAmounts,
  validateExpectedTraffic,
  validateHoldPeriod,
  validateKeyModes,
  validateNetBasis,
  validateProgramActivation,
  validateRecommendedEvents,
  validateStripeEvents,
  validateWebhookUrls,
  type PackContext,
} from "../../../policy/policies";

// The function @pulumi/policy's server uses for its type fast path (exported, not in its typings).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getPulumiType } = require("@pulumi/policy") as { getPulumiType(o: unknown): string | undefined };

interface Violation {
  message: string;
  urn?: string;
  enforcementLevel: string;
}

type Kind = keyof typeof TYPES;
const res = (kind: Kind, name: string, props: Record<string, unknown>) => ({
  type: TYPES[kind],
  name,
  urn: `urn:pulumi:live::selgeo-golive::${TYPES[kind]}::${name}`,
  props,
  opts: {} as any,
  dependencies: [],
  propertyDependencies: {},
  isType: () => false,
  asType: () => undefined,
});
type Res = ReturnType<typeof res>;

function collect(): { report: any; got: Violation[] } {
  const got: Violation[] = [];
  const report = (v: Violation | string, urn?: string) => got.push(typeof v === "string" ? { message: v, urn, enforcementLevel: "?" } : v);
  return { report, got };
}
const runResource = (v: (a: any, r: any) => void, r: Res) => {
  const c = collect();
  v(r, c.report);
  return c.got;
};
const runStack = (v: (a: any, r: any) => void, resources: Res[]) => {
  const c = collect();
  v({ resources }, c.report);
  return c.got;
};

const LIVE: PackContext = { stackMode: "live" };
const TEST: PackContext = { stackMode: "test" };
const UNKNOWN_MODE: PackContext = {};

const clean = (mode = "live"): Res[] => [
  res("webhookEndpoint", "orders", { mode, url: "https://hooks.merchant.example/selgeo", events: ["conversion.created", "commission.created", "conversion.fraud_detected", "participant.approved"], enabled: true }),
  res("stripeEndpoint", "stripe", { mode, enabledEvents: ["charge.refunded", "checkout.session.completed", "invoice.paid"] }),
  res("stripeIntegration", "stripe", { mode }),
  res("program", "program", { mode, name: "Acme" }),
  res("commissionRule", "standard", { mode, type: "percentage", percentage: 20, basis: "net", holdPeriodDays: 30, autoApprove: true }),
  res("programStatus", "program", { programId: "prog_1", programName: "Acme", status: "active" }),
];

describe("enforcement", () => {
  it.each([
    [LIVE, [], "mandatory"],
    [TEST, ["live"], "advisory"],
    [UNKNOWN_MODE, ["live"], "mandatory"],
    [UNKNOWN_MODE, ["test"], "advisory"],
    [UNKNOWN_MODE, [], "advisory"],
  ] as const)("stack %j with resource modes %j → %s", (ctx, modes, level) => {
    expect(levelFor(ctx, ...modes)).toBe(level);
  });

  it("policies are mandatory on a live stack, advisory elsewhere; recommended events always advisory", () => {
    for (const [ctx, level] of [[LIVE, "mandatory"], [TEST, "advisory"], [UNKNOWN_MODE, "advisory"]] as const) {
      for (const p of buildPolicies(ctx)) {
        expect(p.enforcementLevel, p.name).toBe(p.name === "selgeo-recommended-events" ? "advisory" : level);
      }
    }
    expect(buildPolicies(LIVE).map((p) => p.name)).toHaveLength(9);
  });

  it("each resource policy carries the one type it checks, so the pack's server skips other resources unread", () => {
    const typed = buildPolicies(LIVE).filter((p) => "validateResource" in p && p.validateResource);
    expect(typed.map((p) => [p.name, getPulumiType((p as { validateResource: unknown }).validateResource)])).toEqual([
      ["selgeo-live-webhook-urls", TYPES.webhookEndpoint],
      ["selgeo-stripe-events", TYPES.stripeEndpoint],
      ["selgeo-commission-amounts", TYPES.commissionRule],
      ["selgeo-commission-hold-period", TYPES.commissionRule],
    ]);
  });

  it("readPackContext takes the mode and expected traffic, and survives a failing getter", () => {
    expect(readPackContext({ mode: () => "live", expectedTraffic: () => ({ clicksPerMinute: 1 }) })).toEqual({ stackMode: "live", expectedTraffic: { clicksPerMinute: 1 } });
    expect(readPackContext({ mode: () => "prod", expectedTraffic: () => undefined })).toEqual({ stackMode: undefined });
    expect(readPackContext({ mode: () => { throw new Error("x"); }, expectedTraffic: () => { throw new Error("y"); } })).toEqual({ stackMode: undefined });
  });

  it("a clean live stack has no violation in any policy", () => {
    const resources = clean();
    for (const p of buildPolicies(LIVE)) {
      const c = collect();
      if ("validateStack" in p && p.validateStack) p.validateStack({ resources } as any, c.report);
      if ("validateResource" in p && p.validateResource) for (const r of resources) (p.validateResource as any)(r, c.report);
      expect(c.got, p.name).toEqual([]);
    }
  });
});

describe("selgeo-key-modes", () => {
  const cases: Array<[string, PackContext, Res[], RegExp[], string]> = [
    ["all live on a live stack", LIVE, clean(), [], ""],
    ["a test resource on a live stack", LIVE, [...clean().slice(0, 1), res("webhookEndpoint", "dev", { mode: "test", url: "https://x.example", events: ["ping"] })], [/webhook endpoint "dev" is declared for test mode but selgeo:mode is "live"/], "mandatory"],
    ["Stripe in test mode, program live", LIVE, [res("program", "program", { mode: "live" }), res("stripeEndpoint", "stripe", { mode: "test" }), res("stripeIntegration", "stripe", { mode: "test" })], [/Stripe webhook endpoint "stripe" is in test mode but the program "program" is in live mode/, /Stripe integration "stripe" is in test mode/], "mandatory"],
    ["mixed modes, stack mode unknown", UNKNOWN_MODE, [res("webhookEndpoint", "a", { mode: "test" }), res("commissionRule", "b", { mode: "live" })], [/the stack mixes modes \(test: webhook endpoint "a"; live: commission rule "b"\)/], "mandatory"],
    ["all test, stack mode unknown", UNKNOWN_MODE, clean("test"), [], ""],
    ["a live resource on a test stack", TEST, [res("program", "program", { mode: "live" })], [/declared for live mode but selgeo:mode is "test"/], "advisory"],
  ];
  it.each(cases)("%s", (_n, ctx, resources, messages, level) => {
    const got = runStack(validateKeyModes(ctx), resources);
    expect(got).toHaveLength(messages.length);
    messages.forEach((m, i) => {
      expect(got[i].message).toMatch(m);
      expect(got[i].enforcementLevel).toBe(level);
    });
  });
});

describe("selgeo-live-webhook-urls", () => {
  it.each([
    [LIVE, "https://hooks.merchant.example/x", null, ""],
    [LIVE, "http://hooks.merchant.example/x", /must use https/, "mandatory"],
    [LIVE, "https://localhost/x", /webhook endpoint "orders" \(https:\/\/localhost\/x\)/, "mandatory"],
    [LIVE, "https://10.0.0.5/x", /orders/, "mandatory"],
    [LIVE, "https://billing.internal/x", /orders/, "mandatory"],
    [TEST, "http://127.0.0.1:3000/x", /a live stack would refuse this URL/, "advisory"],
  ] as const)("%j %s", (ctx, url, msg, level) => {
    const got = runResource(validateWebhookUrls(ctx), res("webhookEndpoint", "orders", { mode: ctx.stackMode, url, events: ["ping"] }));
    if (!msg) return expect(got).toEqual([]);
    expect(got).toHaveLength(1);
    expect(got[0].message).toMatch(msg);
    expect(got[0].message).toMatch(/selgeo:webhookEndpoints\.orders\.url/);
    expect(got[0].enforcementLevel).toBe(level);
    expect(got[0].urn).toContain("WebhookEndpoint::orders");
  });
  it("ignores other resource types", () => {
    expect(runResource(validateWebhookUrls(LIVE), res("stripeEndpoint", "stripe", { mode: "live", url: "http://127.0.0.1/stripe" }))).toEqual([]);
  });
});

describe("selgeo-stripe-events", () => {
  it.each([
    [undefined, null],
    [["checkout.session.completed", "invoice.paid", "charge.refunded"], null],
    [["*"], null],
    [["checkout.session.completed", "invoice.paid", "charge.refunded", "customer.created"], null],
    [["checkout.session.completed", "invoice.paid"], /does not send charge\.refunded to Selgeo: without charge\.refunded no refund takes its commission back\. Add it to selgeo:stripe\.enabledEvents/],
    [["invoice.paid"], /does not send checkout\.session\.completed and charge\.refunded/],
  ] as const)("%j", (events, msg) => {
    const got = runResource(validateStripeEvents(LIVE), res("stripeEndpoint", "stripe", { mode: "live", ...(events ? { enabledEvents: events } : {}) }));
    if (!msg) return expect(got).toEqual([]);
    expect(got).toHaveLength(1);
    expect(got[0].message).toMatch(msg);
    expect(got[0].enforcementLevel).toBe("mandatory");
  });
});

describe("selgeo-recommended-events (advisory always)", () => {
  const ep = (name: string, events: string[], enabled = true) => res("webhookEndpoint", name, { mode: "live", url: "https://x.example", events, enabled });
  it.each([
    ["split over two endpoints", [ep("a", ["conversion.created", "commission.created"]), ep("b", ["conversion.fraud_detected", "participant.approved"])], null],
    ["one missing", [ep("a", ["conversion.created", "commission.created", "conversion.fraud_detected"])], /subscribes to participant\.approved .*add it/],
    ["only on a disabled endpoint", [ep("a", ["conversion.created", "commission.created", "conversion.fraud_detected", "participant.approved"], false)], /no enabled webhook endpoint is declared/],
    ["no endpoint", [], /no enabled webhook endpoint is declared/],
  ] as const)("%s", (_n, resources, msg) => {
    const got = runStack(validateRecommendedEvents(), [...resources]);
    if (!msg) return expect(got).toEqual([]);
    expect(got).toHaveLength(1);
    expect(got[0].message).toMatch(msg);
    expect(got[0].enforcementLevel).toBe("advisory");
  });
});

describe("selgeo-commission-amounts", () => {
  it.each([
    [{ type: "percentage", percentage: 0 }, []],
    [{ type: "percentage", percentage: 100 }, []],
    [{ type: "percentage", percentage: 150 }, [/percentage is 150; a percentage commission is 0–100/]],
    [{ type: "percentage", percentage: -1 }, [/percentage is -1/]],
    [{ type: "percentage" }, [/percentage is missing/]],
    [{ type: "flat", flatAmount: 500, currency: "usd" }, []],
    [{ type: "flat", flatAmount: 500 }, [/a flat amount needs its currency \(got none\): set selgeo:commissionRules\.r\.currency/]],
    [{ type: "flat", flatAmount: 0, currency: "USD" }, [/flatAmount is 0/, /got "USD"/]],
    [{ type: "bonus" }, [/type is "bonus"/]],
  ] as const)("%j", (props, msgs) => {
    const got = runResource(validateCommissionAmounts(LIVE), res("commissionRule", "r", { mode: "live", ...props }));
    expect(got.map((g) => g.message)).toHaveLength(msgs.length);
    msgs.forEach((m, i) => expect(got[i].message).toMatch(m));
  });
});

describe("selgeo-commission-hold-period", () => {
  it.each([
    [{ holdPeriodDays: 7, autoApprove: true }, /holdPeriodDays is 7 with autoApprove on, so commissions would be approved before most refunds arrive/],
    [{ holdPeriodDays: 0, autoApprove: true }, /holdPeriodDays is 0/],
    [{ holdPeriodDays: 13, autoApprove: true }, /13/],
    [{ holdPeriodDays: 14, autoApprove: true }, null],
    [{ autoApprove: true }, null], // the provider's default is 30 days
    [{ holdPeriodDays: 0, autoApprove: false }, null],
    [{ holdPeriodDays: 0 }, null],
  ] as const)("%j", (props, msg) => {
    const got = runResource(validateHoldPeriod(LIVE), res("commissionRule", "fast", { mode: "live", type: "percentage", percentage: 10, ...props }));
    if (!msg) return expect(got).toEqual([]);
    expect(got).toHaveLength(1);
    expect(got[0].message).toMatch(msg);
    expect(got[0].message).toMatch(/selgeo:commissionRules\.fast\.holdPeriodDays/);
  });
  it("is advisory on a test stack", () => {
    const got = runResource(validateHoldPeriod(TEST), res("commissionRule", "fast", { mode: "test", holdPeriodDays: 1, autoApprove: true }));
    expect(got[0].enforcementLevel).toBe("advisory");
  });
});

describe("selgeo-commission-net-basis", () => {
  const rule = res("commissionRule", "net", { mode: "live", type: "percentage", percentage: 10, basis: "net" });
  it.each([
    ["net with a Stripe integration", [rule, res("stripeIntegration", "stripe", { mode: "live" })], null],
    ["gross without Stripe", [res("commissionRule", "g", { mode: "live", basis: "gross" })], null],
    ["net without Stripe", [rule], /commission rule "net" pays on the net basis .* no Stripe integration, so Selgeo has no fee data/],
  ] as const)("%s", (_n, resources, msg) => {
    const got = runStack(validateNetBasis(LIVE), [...resources]);
    if (!msg) return expect(got).toEqual([]);
    expect(got).toHaveLength(1);
    expect(got[0].message).toMatch(msg);
    expect(got[0].urn).toBe(rule.urn);
  });
});

describe("selgeo-program-activation", () => {
  const status = (s: string) => res("programStatus", "program", { programId: "prog_1", programName: "Acme", status: s });
  const base = clean().filter((r) => r.type !== TYPES.programStatus);
  const without = (t: string) => base.filter((r) => r.type !== t);
  it.each([
    ["active with everything", [...base, status("active")], null],
    ["draft with nothing", [res("program", "program", { mode: "live" }), status("draft")], null],
    ["active without a rule", [...without(TYPES.commissionRule), status("active")], /is missing a commission rule \(selgeo:commissionRules\)/],
    ["active without Stripe", [...without(TYPES.stripeIntegration), status("active")], /missing a Stripe integration \(selgeo:stripe\)/],
    ["active with a disabled endpoint only", [...without(TYPES.webhookEndpoint), res("webhookEndpoint", "off", { mode: "live", enabled: false }), status("active")], /an enabled webhook endpoint/],
    ["active with nothing", [res("program", "program", { mode: "live" }), status("active")], /a commission rule .*, a Stripe integration .* and an enabled webhook endpoint/],
  ] as const)("%s", (_n, resources, msg) => {
    const got = runStack(validateProgramActivation(LIVE), [...resources]);
    if (!msg) return expect(got).toEqual([]);
    expect(got).toHaveLength(1);
    expect(got[0].message).toMatch(msg);
    expect(got[0].message).toMatch(/keep selgeo:program\.status "draft"/);
    expect(got[0].enforcementLevel).toBe("mandatory");
  });
  it("takes the program's mode when the stack's is unknown", () => {
    const got = runStack(validateProgramActivation(UNKNOWN_MODE), [res("program", "program", { mode: "test" }), status("active")]);
    expect(got[0].enforcementLevel).toBe("advisory");
  });
});

describe("selgeo-expected-traffic", () => {
  it.each([
    [undefined, []],
    [{ clicksPerMinute: 1000, conversionsPerMinute: 120, apiRequestsPerMinute: 300 }, []],
    [{ clicksPerMinute: 1001 }, [/clicksPerMinute is 1001 but Selgeo allows 1000 clicks per minute per publishable key/]],
    [{ conversionsPerMinute: 500 }, [/conversionsPerMinute is 500 but Selgeo allows 120 conversions per minute per secret key/]],
    [{ apiRequestsPerMinute: 301, clicksPerMinute: 5000 }, [/apiRequestsPerMinute is 301 .* 300 API requests per minute per IP/, /clicksPerMinute is 5000/]],
    [{ clicks: 10 }, [/selgeo:expectedTraffic\.clicks is not a traffic figure/]],
    [{ clicksPerMinute: "lots" }, [/must be a number/]],
    [42, [/must be an object/]],
  ] as const)("%j", (traffic, msgs) => {
    const got = runStack(validateExpectedTraffic({ stackMode: "live", ...(traffic === undefined ? {} : { expectedTraffic: traffic }) }), []);
    expect(got).toHaveLength(msgs.length);
    msgs.forEach((m, i) => {
      expect(got[i].message).toMatch(m);
      expect(got[i].enforcementLevel).toBe("mandatory");
    });
  });
});
