/**
 * The stack config as a merchant writes it: what passes, and what fails with which config path.
 * This is what `pulumi preview` prints before anything is created.
 */
import { describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigError, type RawStackConfig } from "../../../config/schema";

// Key-shaped values made up at run time, obviously fake.
const key = (prefix: string) => `${prefix}_` + "fake".repeat(6);
const env = {};

const good: RawStackConfig = {
  mode: "live",
  apiUrl: "https://api.selgeo.example",
  secretKey: "awssm://selgeo-golive/live/keys#selgeo_secret_key",
  stripeSecretKey: { secretId: "selgeo-golive/live/keys", field: "stripe_secret_key" },
  webhookEndpoints: { orders: { url: "https://hooks.merchant.example/selgeo", events: ["conversion.created", "commission.created"] } },
  stripe: {},
  program: { name: "Acme Partners", status: "active" },
  commissionRules: { standard: { type: "percentage", percentage: 20 } },
};

function problems(over: Partial<RawStackConfig>): string[] {
  try {
    parseStackConfig({ ...good, ...over }, env);
    return [];
  } catch (e) {
    if (e instanceof StackConfigError) return e.problems;
    throw e;
  }
}

describe("stack config", () => {
  it("a complete live config passes", () => {
    expect(problems({})).toEqual([]);
  });

  const hostile: Array<[string, Partial<RawStackConfig>, RegExp]> = [
    ["test key on a live stack", { secretKey: key("sk_test") }, /^selgeo:secretKey: a test-mode key on a live stack/],
    ["publishable key as secret key", { secretKey: key("pk_live") }, /^selgeo:secretKey: not a Selgeo secret key/],
    ["missing secret key", { secretKey: undefined }, /^selgeo:secretKey: not set; run `pulumi config set selgeo:secretKey awssm:\/\/<secret id>/],
    ["a live key as a plain value on the live stack", { secretKey: key("sk_live") }, /^selgeo:secretKey: a live stack takes the Selgeo key as a Secrets Manager reference/],
    ["a malformed reference", { secretKey: "awssm://" }, /^selgeo:secretKey/],
    ["an object reference without secretId", { stripeSecretKey: { field: "x" } }, /^selgeo:stripeSecretKey/],
    ["unknown field in selgeo:aws", { aws: { region: "us-east-1", bucket: "x" } } as Partial<RawStackConfig>, /^selgeo:aws: /],
    ["a recovery window AWS refuses", { aws: { recoveryWindowDays: 3 } } as Partial<RawStackConfig>, /^selgeo:aws\.recoveryWindowDays: recoveryWindowDays is 0/],
    ["a rotation overlap longer than a week", { webhookEndpoints: { a: { url: "https://h.example/x", events: ["ping"], rotationOverlapHours: 200 } } }, /^selgeo:webhookEndpoints\.a\.rotationOverlapHours: /],
    ["Stripe test key on a live stack", { stripeSecretKey: key("sk_test") }, /^selgeo:stripeSecretKey: a Stripe test-mode key on a live stack/],
    ["Stripe key missing", { stripeSecretKey: undefined }, /^selgeo:stripeSecretKey: not set/],
    ["Stripe publishable key", { stripeSecretKey: key("pk_live") }, /^selgeo:stripeSecretKey: not a Stripe secret or restricted key/],
    ["unknown mode", { mode: "production" }, /^selgeo:mode: set selgeo:mode to "test" or "live"/],
    ["http endpoint in live", { webhookEndpoints: { a: { url: "http://hooks.merchant.example/x", events: ["ping"] } } }, /^selgeo:webhookEndpoints\.a\.url: .*https/i],
    ["localhost endpoint in live", { webhookEndpoints: { a: { url: "https://localhost/x", events: ["ping"] } } }, /^selgeo:webhookEndpoints\.a\.url: /],
    ["private address in live", { webhookEndpoints: { a: { url: "https://192.168.1.10/x", events: ["ping"] } } }, /^selgeo:webhookEndpoints\.a\.url: /],
    ["link-local in live", { webhookEndpoints: { a: { url: "https://169.254.169.254/latest", events: ["ping"] } } }, /^selgeo:webhookEndpoints\.a\.url: /],
    [".internal host in live", { webhookEndpoints: { a: { url: "https://billing.internal/x", events: ["ping"] } } }, /^selgeo:webhookEndpoints\.a\.url: /],
    ["credentials in the URL", { webhookEndpoints: { a: { url: "https://u:p@hooks.merchant.example/x", events: ["ping"] } } }, /^selgeo:webhookEndpoints\.a\.url: /],
    ["unknown event", { webhookEndpoints: { a: { url: "https://h.example/x", events: ["order.paid"] } } }, /^selgeo:webhookEndpoints\.a\.events\[0\]: "order\.paid" is not a Selgeo event type/],
    ["no events", { webhookEndpoints: { a: { url: "https://h.example/x", events: [] } } }, /^selgeo:webhookEndpoints\.a\.events: subscribe to at least one event/],
    ["events not a list", { webhookEndpoints: { a: { url: "https://h.example/x", events: "conversion.created" } } }, /^selgeo:webhookEndpoints\.a\.events: /],
    ["missing url", { webhookEndpoints: { a: { events: ["ping"] } } }, /^selgeo:webhookEndpoints\.a\.url: url is required/],
    ["unknown endpoint field", { webhookEndpoints: { a: { url: "https://h.example/x", events: ["ping"], secret: "x" } } }, /^selgeo:webhookEndpoints\.a: /],
    ["oversized description", { webhookEndpoints: { a: { url: "https://h.example/x", events: ["ping"], description: "d".repeat(501) } } }, /^selgeo:webhookEndpoints\.a\.description: description must be at most 500/],
    ["unicode-tricky endpoint name", { webhookEndpoints: { "оrders": { url: "https://h.example/x", events: ["ping"] } } }, /^selgeo:webhookEndpoints\..*: endpoint names are lowercase ASCII letters/],
    ["percentage over 100", { commissionRules: { r: { type: "percentage", percentage: 120 } } }, /^selgeo:commissionRules\.r\.percentage: percentage must be between 0 and 100/],
    ["negative percentage", { commissionRules: { r: { type: "percentage", percentage: -1 } } }, /^selgeo:commissionRules\.r\.percentage: /],
    ["three decimals", { commissionRules: { r: { type: "percentage", percentage: 12.345 } } }, /at most two decimals/],
    ["percentage rule without percentage", { commissionRules: { r: { type: "percentage" } } }, /^selgeo:commissionRules\.r\.percentage: a percentage rule needs percentage/],
    ["flat amount in dollars", { commissionRules: { r: { type: "flat", flatAmount: 12.5, currency: "usd" } } }, /^selgeo:commissionRules\.r\.flatAmount: flatAmount is in minor units/],
    ["flat without currency", { commissionRules: { r: { type: "flat", flatAmount: 500 } } }, /^selgeo:commissionRules\.r\.currency: a flat rule needs a currency/],
    ["upper-case currency", { commissionRules: { r: { type: "flat", flatAmount: 500, currency: "USD" } } }, /^selgeo:commissionRules\.r\.currency: currency is a lower-case ISO code/],
    ["hold period of two years", { commissionRules: { r: { type: "percentage", percentage: 10, holdPeriodDays: 730 } } }, /^selgeo:commissionRules\.r\.holdPeriodDays: holdPeriodDays is 0–365/],
    ["unknown basis", { commissionRules: { r: { type: "percentage", percentage: 10, basis: "after_tax" } } }, /^selgeo:commissionRules\.r\.basis: basis is "gross" or "net"/],
    ["rule on a Stripe event Selgeo does not pay on", { commissionRules: { r: { type: "percentage", percentage: 10, appliesTo: ["charge.refunded"] } } }, /^selgeo:commissionRules\.r\.appliesTo\[0\]: /],
    ["zero recurring months", { commissionRules: { r: { type: "percentage", percentage: 10, recurringMonths: 0 } } }, /^selgeo:commissionRules\.r\.recurringMonths: /],
    ["rules without a program", { program: undefined }, /^selgeo:commissionRules: commission rules belong to a program/],
    ["live program active without rules", { commissionRules: {} }, /^selgeo:program\.status: a live program can only go active with selgeo:commissionRules declared/],
    ["live program active without Stripe", { stripe: undefined, stripeSecretKey: undefined }, /^selgeo:program\.status: a live program can only go active with selgeo:stripe declared/],
    ["unknown program status", { program: { name: "x", status: "launched" } }, /^selgeo:program\.status: status is "draft", "active" or "paused"/],
    ["bad Stripe account id", { stripe: { accountId: "12345" } }, /^selgeo:stripe\.accountId: accountId is a Stripe account id/],
    ["api url that is not a URL", { apiUrl: "selgeo" }, /^selgeo:apiUrl: /],
    ["a test publishable key in a live snippet", { publishableKey: key("pk_test") } as Partial<RawStackConfig>, /^selgeo:publishableKey: a test-mode key on a live stack: the tracking snippet needs the pk_live_ key/],
  ];

  it.each(hostile)("%s", (_name, over, expected) => {
    const found = problems(over);
    expect(found.some((p) => expected.test(p)), found.join("\n")).toBe(true);
  });

  it("reports every problem at once, and never echoes a key", () => {
    const leaked = key("sk_test");
    const found = problems({ secretKey: leaked, mode: "live", commissionRules: { r: { type: "percentage", percentage: 500 } } });
    expect(found.length).toBeGreaterThanOrEqual(2);
    expect(found.join("\n")).not.toContain(leaked);
  });
});
