/**
 * check/diff tables for CommissionRule, Program/ProgramStatus, StripeWebhookEndpoint and
 * SelgeoStripeIntegration: what a preview says before anything is sent.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { configureFromStack, stripeSettingsProblems } from "../../../../runtime/src/providerSettings";
import * as rule from "../../../../runtime/src/resources/commissionRule";
import * as program from "../../../../runtime/src/resources/program";
import { programStatus } from "../../../../runtime/src/resources/programStatus";
import * as stripeEndpoint from "../../../../runtime/src/resources/stripeWebhookEndpoint";
import * as integration from "../../../../runtime/src/resources/stripeIntegration";
import { fingerprint } from "../../../../runtime/src/resources/webhookEndpoint";

const fake = (prefix: string) => `${prefix}_` + "fake".repeat(6);

function configure(mode: "test" | "live", stripeKey = fake(`sk_${mode}`)) {
  const values: Record<string, string> = {
    "selgeo:mode": mode,
    "selgeo:apiUrl": "http://127.0.0.1:1",
    "selgeo:secretKey": fake(`sk_${mode}`),
    "selgeo:stripeSecretKey": stripeKey,
    "selgeo:stripeApiUrl": "http://127.0.0.1:2",
  };
  configureFromStack({ get: (k) => values[k] }, {});
}

beforeEach(() => configure("test"));

describe("CommissionRule check", () => {
  const base = { resourceKey: "p/s/standard", mode: "test", programId: "prog_1", name: "Standard", type: "percentage", percentage: 20 };
  it.each([
    ["a percentage rule", {}, undefined],
    ["a flat rule", { type: "flat", percentage: undefined, flatAmount: 500, currency: "usd" }, undefined],
    ["percentage above 100", { percentage: 101 }, "percentage"],
    ["flat without amount", { type: "flat", percentage: undefined, currency: "usd" }, "flatAmount"],
    ["flat amount with cents as a fraction", { type: "flat", percentage: undefined, flatAmount: 4.99, currency: "usd" }, "flatAmount"],
    ["flat without currency", { type: "flat", percentage: undefined, flatAmount: 500 }, "currency"],
    ["both percentage and flat amount", { flatAmount: 500 }, "flatAmount"],
    ["unknown trigger", { appliesTo: ["charge.refunded"] }, "appliesTo[0]"],
    ["hold period too long", { holdPeriodDays: 400 }, "holdPeriodDays"],
    ["mode differs from the stack", { mode: "live" }, "mode"],
  ] as const)("%s", async (_n, over, property) => {
    const { failures, inputs } = await rule.check({}, { ...base, ...over });
    if (!property) {
      expect(failures).toEqual([]);
      expect(inputs.basis).toBe("gross");
      expect(inputs.holdPeriodDays).toBe(30);
      return;
    }
    expect(failures.map((f) => f.property), JSON.stringify(failures)).toContain(property);
  });
});

describe("CommissionRule diff", () => {
  const olds = {
    resourceKey: "k", mode: "test" as const, programId: "prog_1", name: "S", type: "percentage" as const, percentage: 20,
    basis: "gross" as const, holdPeriodDays: 30, autoApprove: false, appliesTo: ["checkout.session.completed", "invoice.paid"], metadata: {}, ruleId: "cr_1", livemode: false,
  };
  it.each([
    ["nothing", {}, false, []],
    ["triggers reordered", { appliesTo: ["invoice.paid", "checkout.session.completed"] }, false, []],
    ["percentage edited", { percentage: 25 }, true, []],
    ["recurring window added", { recurringMonths: 12 }, true, []],
    ["moved to another program", { programId: "prog_2" }, true, ["programId"]],
    ["mode changed", { mode: "live" }, true, ["mode"]],
    ["adoption target changed", { adoptId: "cr_2" }, true, ["adoptId"]],
  ] as const)("%s", async (_n, over, changes, replaces) => {
    const d = await rule.diff("cr_1", olds, { ...olds, ...over } as never);
    expect(d.changes).toBe(changes);
    expect(d.replaces).toEqual(replaces);
  });
});

describe("Program and ProgramStatus diff", () => {
  const olds = { resourceKey: "k", mode: "test" as const, name: "Acme", description: "", currency: "usd", metadata: {}, programId: "prog_1", status: "active", livemode: false, inviteUrl: "", applicationUrl: "" };
  it.each([
    ["nothing", {}, false, []],
    ["renamed", { name: "Acme Partners" }, true, []],
    ["currency changed", { currency: "eur" }, true, ["currency"]],
  ] as const)("program: %s", async (_n, over, changes, replaces) => {
    const d = await program.diff("prog_1", olds, { ...olds, ...over } as never);
    expect(d.changes).toBe(changes);
    expect(d.replaces).toEqual(replaces);
  });
  it("a paused program with `active` declared is a change of the status resource", async () => {
    const d = await programStatus.diff("x", { programId: "prog_1", programName: "Acme", status: "paused" }, { programId: "prog_1", programName: "Acme", status: "active" });
    expect(d).toMatchObject({ changes: true, replaces: [] });
  });
  it("rejects an undeclarable status", async () => {
    const { failures } = await programStatus.check({}, { programId: "prog_1", programName: "Acme", status: "archived" });
    expect(failures.map((f) => f.property)).toContain("status");
  });
});

describe("StripeWebhookEndpoint check", () => {
  const base = { resourceKey: "k", mode: "test", url: "http://127.0.0.1:9/v1/stripe/webhooks/acct_1/test" };
  it("defaults to the three events Selgeo needs", async () => {
    const { failures, inputs } = await stripeEndpoint.check({}, base);
    expect(failures).toEqual([]);
    expect(inputs.enabledEvents).toEqual(["charge.refunded", "checkout.session.completed", "invoice.paid"]);
  });
  it("names the missing event", async () => {
    const { failures } = await stripeEndpoint.check({}, { ...base, enabledEvents: ["checkout.session.completed", "invoice.paid"] });
    expect(failures).toEqual([expect.objectContaining({ property: "enabledEvents", reason: expect.stringMatching(/charge\.refunded/) })]);
  });
  it("a Stripe test key on a live stack names selgeo:stripeSecretKey; a live key must be a reference", async () => {
    configure("live", fake("sk_test"));
    const msg = (await stripeSettingsProblems()).join("\n");
    expect(msg).toMatch(/selgeo:stripeSecretKey is a Stripe test-mode key but selgeo:mode is "live"/);
    expect(msg).toMatch(/selgeo:stripeSecretKey: a live stack takes the key as a Secrets Manager reference/);
    expect(msg).not.toContain(fake("sk_test"));
  });
  it("events compared as a set", async () => {
    const olds = { ...base, mode: "test" as const, enabledEvents: ["invoice.paid", "charge.refunded", "checkout.session.completed"], description: "d", enabled: true, metadata: {} };
    const d = await stripeEndpoint.diff("we_1", olds as never, { ...olds, enabledEvents: ["charge.refunded", "checkout.session.completed", "invoice.paid"] });
    expect(d.changes).toBe(false);
  });
});

describe("SelgeoStripeIntegration", () => {
  const secret = "whsec" + "_" + "fake".repeat(8);
  const olds = {
    mode: "test" as const, accountId: "acct_1", connected: true, livemode: false, webhookUrl: "u",
    webhookSecretConfigured: true, webhookSecretFingerprint: fingerprint(secret), feeDataAvailable: true,
  };
  const arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:selgeo-golive/t/stripe-webhook-endpoint/stripe-AbCdEf";
  const withRef = { ...olds, webhookSigningSecretArn: arn, webhookSigningSecretVersionId: "v1" };
  it.each([
    ["same secret version", { webhookSigningSecretArn: arn, webhookSigningSecretVersionId: "v1" }, false],
    ["new secret version (a new Stripe endpoint)", { webhookSigningSecretArn: arn, webhookSigningSecretVersionId: "v2" }, true],
  ] as const)("diff: %s", async (_n, news, changes) => {
    expect((await integration.diff("i", withRef, { mode: "test", ...news })).changes).toBe(changes);
  });
  it("diff: Selgeo lost the secret", async () => {
    const d = await integration.diff("i", { ...withRef, webhookSecretConfigured: false }, { mode: "test", webhookSigningSecretArn: arn, webhookSigningSecretVersionId: "v1" });
    expect(d.changes).toBe(true);
  });
  it("check refuses something that is not a Secrets Manager ARN", async () => {
    const { failures } = await integration.check({}, { mode: "test", webhookSigningSecretArn: secret });
    expect(failures.map((f) => f.property)).toContain("webhookSigningSecretArn");
  });
});
