/**
 * The review's grouping and wording, table-driven: single steps in, plain-words lines out, and
 * `fixtures/review-preview-events.json`, a real preview with the policy pack recorded by
 * tests/e2e/review.test.ts (`REVIEW_RECORD=…`, then `__provider` dropped and ids, ports and times
 * normalised).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseReviewArgs } from "../../../cli/review";
import {
  CHECKLIST_ITEMS,
  describeRule,
  formatJson,
  keySources,
  formatMarkdown,
  formatText,
  money,
  reviewExitCode,
  reviewFromEvents,
  setDiff,
  type ChecklistItem,
} from "../../../cli/reviewReport";

const recorded = JSON.parse(readFileSync(path.join(__dirname, "fixtures", "review-preview-events.json"), "utf8")) as unknown[];
const urn = (type: string, name: string) => `urn:pulumi:live::selgeo-golive::pulumi-nodejs:dynamic/${type}::${name}`;
const step = (op: string, type: string, name: string, before?: Record<string, unknown>, after?: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  op,
  urn: urn(type, name),
  type: `pulumi-nodejs:dynamic/${type}`,
  ...(before ? { old: { inputs: { __provider: "[closure]", resourceKey: "k", ...before }, outputs: {} } } : {}),
  ...(after ? { new: { inputs: { __provider: "[closure]", resourceKey: "k", ...after }, outputs: {} } } : {}),
  ...extra,
});
const EP = { mode: "live", url: "https://hooks.merchant.example/orders", events: ["conversion.created", "commission.created"], description: "", enabled: true, metadata: {} };
const RULE = { mode: "live", programId: "prog_1", name: "default", type: "percentage", percentage: 10, basis: "gross", holdPeriodDays: 30, autoApprove: false, recurringMonths: 12 };

describe("one step → the reviewer's lines, under the right checklist item", () => {
  it.each<[string, unknown, ChecklistItem, string[]]>([
    [
      "events diffed as a set (order ignored)",
      step("update", "selgeo:WebhookEndpoint", "orders", EP, { ...EP, events: ["participant.approved", "commission.created"] }, { diffs: ["events"] }),
      4,
      ["webhook endpoint orders will start receiving participant.approved", "webhook endpoint orders will stop receiving conversion.created"],
    ],
    ["same events in another order: no line", step("update", "selgeo:WebhookEndpoint", "orders", EP, { ...EP, events: ["commission.created", "conversion.created"], description: "x" }), 4, ['webhook endpoint orders: description "" → "x"']],
    ["a new URL", step("update", "selgeo:WebhookEndpoint", "orders", EP, { ...EP, url: "https://b.example/x" }), 4, ['webhook endpoint orders will move from "https://hooks.merchant.example/orders" to "https://b.example/x"']],
    ["disabled", step("update", "selgeo:WebhookEndpoint", "orders", EP, { ...EP, enabled: false }), 4, ["webhook endpoint orders will be disabled (no more deliveries)"]],
    [
      "secret rotation: never a value",
      step("update", "selgeo:WebhookEndpoint", "orders", { ...EP, secretRotation: 0 }, { ...EP, secretRotation: 1, rotationOverlapHours: 48 }),
      4,
      ["webhook endpoint orders: rotation overlap 24 → 48 h", "webhook endpoint orders: signing secret rotates (the previous one keeps signing for 48 h)"],
    ],
    [
      "a created endpoint",
      step("create", "selgeo:WebhookEndpoint", "crm", undefined, { ...EP, url: "https://crm.example/h", events: ["participant.approved"] }),
      4,
      ['webhook endpoint crm will be created at "https://crm.example/h", receiving participant.approved; its signing secret goes to Secrets Manager'],
    ],
    ["a deleted endpoint", step("delete", "selgeo:WebhookEndpoint", "legacy", EP), 4, ['webhook endpoint legacy will be deleted: "https://hooks.merchant.example/orders" stops receiving conversion.created, commission.created']],
    [
      "a mode change is item 1, and replaces",
      step("replace", "selgeo:WebhookEndpoint", "orders", { ...EP, mode: "test" }, EP, { keys: ["mode"] }),
      1,
      ["webhook endpoint orders: test mode → live mode", "webhook endpoint orders will be replaced (a new id and a new signing secret) because mode changed"],
    ],
    ["percentage", step("update", "selgeo:CommissionRule", "default", RULE, { ...RULE, percentage: 12 }), 6, ["commission rule default: percentage 10 % → 12 %"]],
    [
      "hold period, auto-approval, recurring, basis",
      step("update", "selgeo:CommissionRule", "default", RULE, { ...RULE, holdPeriodDays: 14, autoApprove: true, recurringMonths: undefined, basis: "net" }),
      6,
      [
        "commission rule default: auto-approval off → on",
        'commission rule default: basis "gross" → "net"',
        "commission rule default: hold period 30 → 14 days",
        "commission rule default: recurring 12 months → forever",
      ],
    ],
    [
      "flat amount in minor units",
      step("update", "selgeo:CommissionRule", "launch", { ...RULE, type: "flat", flatAmount: 500, currency: "usd" }, { ...RULE, type: "flat", flatAmount: 750, currency: "usd" }),
      6,
      ["commission rule launch: flat amount 5.00 USD → 7.50 USD"],
    ],
    [
      "a created rule, described",
      step("create", "selgeo:CommissionRule", "launch", undefined, { mode: "live", name: "launch", type: "flat", flatAmount: 1500, currency: "usd", appliesTo: ["checkout.session.completed"] }),
      6,
      ["commission rule launch will be created: flat 15.00 USD of gross, manual approval, recurring forever, on checkout.session.completed"],
    ],
    ["going live", step("update", "selgeo:ProgramStatus", "program", { status: "draft", programName: "Acme" }, { status: "active", programName: "Acme" }), 8, ["program status draft → active (goes live)"]],
    ["pausing", step("update", "selgeo:ProgramStatus", "program", { status: "active" }, { status: "paused" }), 8, ["program status active → paused (no longer live)"]],
    ["a program's new name", step("update", "selgeo:Program", "program", { mode: "live", name: "A" }, { mode: "live", name: "B" }), 8, ['program "B": name "A" → "B"']],
    [
      "Stripe events, as Selgeo will receive them",
      step("update", "stripe:WebhookEndpoint", "stripe", { mode: "live", url: "u", enabledEvents: ["invoice.paid", "charge.refunded"] }, { mode: "live", url: "u", enabledEvents: ["invoice.paid", "checkout.session.completed"] }),
      2,
      ["Stripe webhook endpoint will start sending checkout.session.completed", "Stripe webhook endpoint will stop sending charge.refunded"],
    ],
    [
      "the Stripe signing secret handed to Selgeo: rotates, no value",
      step("update", "selgeo:StripeIntegration", "stripe", { mode: "live", webhookSigningSecretVersionId: "v1" }, { mode: "live", webhookSigningSecretVersionId: "v2" }),
      2,
      ["Selgeo's Stripe integration: webhookSigningSecretVersionId rotates"],
    ],
    [
      "a value shaped like a secret is never shown",
      step("update", "selgeo:WebhookEndpoint", "orders", { ...EP, metadata: { note: "a" } }, { ...EP, metadata: { note: "whsec_" + "f".repeat(8) } }),
      4,
      ["webhook endpoint orders: metadata note=\"a\" → note=(secret)"],
    ],
  ])("%s", (_name, s, item, lines) => {
    const r = reviewFromEvents("live", [s]);
    expect(r.changes.map((c) => c.text)).toEqual(lines);
    expect(r.changes[0].item).toBe(item);
  });

  it("same, read and refresh steps, the Stack and providers are no change", () => {
    const r = reviewFromEvents("live", [
      step("same", "selgeo:WebhookEndpoint", "orders", EP, EP),
      step("read", "selgeo:Program", "program", { name: "A" }, { name: "A" }),
      { op: "update", urn: "urn:pulumi:live::selgeo-golive::pulumi:pulumi:Stack::selgeo-golive-live", type: "pulumi:pulumi:Stack" },
      { op: "create", urn: "urn:pulumi:live::selgeo-golive::pulumi:providers:pulumi-nodejs::default", type: "pulumi:providers:pulumi-nodejs" },
    ]);
    expect(r.changes).toEqual([]);
    expect(r.hasChanges).toBe(false);
    expect(reviewExitCode(r)).toBe(0);
  });
});

describe("a recorded preview with the policy pack (test stack, changed config)", () => {
  const r = reviewFromEvents("review", recorded);
  const lines = (item: number) => r.changes.filter((c) => c.item === item).map((c) => c.text);

  it.each<[number, string[]]>([
    [1, []],
    [2, []],
    [
      4,
      [
        'webhook endpoint crm will be created at "https://hooks.review.example/crm", receiving participant.approved; its signing secret goes to Secrets Manager',
        'webhook endpoint finance will move from "https://hooks.review.example/finance" to "https://hooks.review.example/ledger"',
        'webhook endpoint finance: description "" → "commission ledger"',
        "webhook endpoint finance: signing secret rotates (the previous one keeps signing for 24 h)",
        'webhook endpoint legacy will be deleted: "https://hooks.review.example/legacy" stops receiving conversion.created',
        "webhook endpoint orders will start receiving commission.refunded",
        "webhook endpoint orders will stop receiving conversion.created",
      ],
    ],
    [
      6,
      [
        "commission rule launch will be created: flat 15.00 USD of gross, hold 30 days, manual approval, recurring forever, on checkout.session.completed",
        "commission rule standard: auto-approval off → on",
        "commission rule standard: hold period 30 → 7 days",
        "commission rule standard: percentage 10 % → 12 %",
      ],
    ],
    [8, ["program status draft → active (goes live)"]],
  ])("checklist item %i", (item, want) => expect(lines(item)).toEqual(want));

  it("counts resources, not lines; the provider and the Stack are left out", () => {
    expect(r.counts).toEqual({ create: 2, update: 4, replace: 0, delete: 1 });
    expect(r.changes.every((c) => c.resource.type.includes(":") && !c.resource.type.startsWith("pulumi:"))).toBe(true);
  });

  it("policy results: both advisory (a test stack), with their checklist items; exit 2", () => {
    expect(r.policies.map((p) => [p.enforcement, p.policy, p.item, p.resource?.name])).toEqual([
      ["advisory", "selgeo-recommended-events", 4, "selgeo-golive-review"],
      ["advisory", "selgeo-commission-hold-period", 6, "standard"],
    ]);
    expect(reviewExitCode(r)).toBe(2);
  });

  it("never shows a secret, even though the preview carries ARNs and fingerprints", () => {
    const all = formatMarkdown(r) + formatText(r) + formatJson(r);
    expect(all).not.toMatch(/whsec_|sk_test_|arn:aws|fingerprint/i);
  });
});

describe("policy results and exit codes", () => {
  const policy = (policyName: string, enforcementLevel: "mandatory" | "warning", name: string, message: string) => ({
    policyEvent: { resourceUrn: urn("selgeo:CommissionRule", name), message, color: "never", policyName, policyPackName: "selgeo-golive", policyPackVersion: "0.1.0", policyPackVersionTag: "0.1.0", enforcementLevel },
  });
  const change = step("update", "selgeo:CommissionRule", "default", RULE, { ...RULE, percentage: 12 });

  it.each<[string, unknown[], 0 | 1 | 2, string[]]>([
    ["no changes, no violations", [], 0, []],
    ["changes only", [change], 2, []],
    ["an advisory result does not block", [change, policy("selgeo-recommended-events", "warning", "a", "advice")], 2, ["advisory selgeo-recommended-events 4"]],
    [
      "a mandatory violation blocks, and comes first",
      [policy("selgeo-recommended-events", "warning", "a", "advice"), change, policy("selgeo-commission-hold-period", "mandatory", "fast", "too short")],
      1,
      ["mandatory selgeo-commission-hold-period 6", "advisory selgeo-recommended-events 4"],
    ],
  ])("%s", (_name, events, code, results) => {
    const r = reviewFromEvents("live", events);
    expect(reviewExitCode(r)).toBe(code);
    expect(r.policies.map((p) => `${p.enforcement} ${p.policy} ${p.item}`)).toEqual(results);
    const text = formatMarkdown(r);
    if (results.length === 2) expect(text.indexOf("**mandatory**")).toBeLessThan(text.indexOf("**advisory**"));
  });
});

describe("formats", () => {
  const events = [
    step("update", "selgeo:ProgramStatus", "program", { status: "draft" }, { status: "active" }),
    step("update", "selgeo:WebhookEndpoint", "orders", EP, { ...EP, events: ["commission.created", "conversion.fraud_detected"] }),
  ];
  const r = reviewFromEvents("live", events);

  it("Markdown: marker, summary, items in checklist order, escaped underscores, untouched items named", () => {
    const text = formatMarkdown(r);
    expect(text.split("\n")[0]).toBe("<!-- golive-review stack=live -->");
    expect(text).toContain("**2 to update**");
    expect(text.indexOf("#### 4. Verify webhook endpoints")).toBeLessThan(text.indexOf("#### 8. Enable the program"));
    expect(text).toContain("- webhook endpoint orders will start receiving conversion.fraud\\_detected");
    expect(text).toContain("_No resource changes under checklist items 1, 2, 3, 5, 6, 7._");
  });

  it("Markdown over the limit is cut from the end, with a line saying what was cut", () => {
    const many = Array.from({ length: 3000 }, (_, i) => step("create", "selgeo:WebhookEndpoint", `ep${String(i).padStart(4, "0")}`, undefined, { ...EP, url: `https://h.example/${i}` }));
    const big = reviewFromEvents("live", [...many, step("update", "selgeo:ProgramStatus", "program", { status: "draft" }, { status: "active" })]);
    const text = formatMarkdown(big);
    expect(text.length).toBeLessThanOrEqual(64_000);
    const cut = /_✂️ (\d+) change lines cut to fit a pull-request comment \(64000 characters\); run `golive review --stack live` for the whole review\._/.exec(text);
    expect(cut, text.slice(-400)).not.toBeNull();
    const shown = text.split("\n").filter((l) => l.startsWith("- ")).length;
    expect(shown + Number(cut![1])).toBe(3001);
    expect(text).toContain("webhook endpoint ep0000 will be created");
    expect(formatMarkdown(big, 10_000_000)).not.toContain("✂️");
  });

  it("text and JSON carry the same review", () => {
    expect(formatText(r)).toMatch(/^review of stack live: 2 to update; policy pack: no violations\n/);
    expect(formatText(r)).toContain("\n8 Enable the program:\n  ~ program status draft → active (goes live)\n");
    const json = JSON.parse(formatJson(r));
    expect(json.items.map((i: { item: number }) => i.item)).toEqual(CHECKLIST_ITEMS.map((i) => i.item));
    expect(json.items[3].changes).toHaveLength(2);
    expect(json.hasChanges).toBe(true);
  });
});

describe("where the keys come from (checklist item 1), never a value", () => {
  const plain = (value: string) => ({ value });
  it.each<[string, Record<string, { value: string; secret?: boolean }>, string[]]>([
    [
      "references, as Pulumi.live.yaml declares them",
      {
        "selgeo:mode": plain("live"),
        "selgeo:secretKey": plain("awssm://selgeo-golive/live/keys#selgeo_secret_key"),
        "selgeo:stripeSecretKey": plain('{"secretId":"selgeo-golive/live/keys","field":"stripe_secret_key"}'),
        "selgeo:stripe": plain("{}"),
      },
      ["selgeo:secretKey from awssm://selgeo-golive/live/keys#selgeo_secret_key", "selgeo:stripeSecretKey from a Secrets Manager reference"],
    ],
    [
      "the environment; no Stripe key without selgeo:stripe",
      { "selgeo:mode": plain("test") },
      ["selgeo:secretKey from the environment (SELGEO_SECRET_KEY)"],
    ],
    [
      "an encrypted value, a plain one, and a publishable key by its prefix only",
      {
        "selgeo:mode": plain("test"),
        "selgeo:secretKey": { value: "[secret]", secret: true },
        "selgeo:stripeSecretKey": plain("sk_test_" + "Z".repeat(20)),
        "selgeo:stripe": plain("{}"),
        "selgeo:publishableKey": plain("pk_test_" + "Y".repeat(20)),
      },
      ["selgeo:secretKey from the stack config, encrypted", "selgeo:stripeSecretKey from the stack config, in plain text", "selgeo:publishableKey from pk_test_…"],
    ],
  ])("%s", (_name, config, want) => {
    expect(keySources(config).map((k) => `${k.key} from ${k.source}`)).toEqual(want);
    const r = reviewFromEvents("s", [], config);
    const all = formatMarkdown(r) + formatText(r) + formatJson(r);
    expect(all).not.toMatch(/ZZZZ|YYYY/);
    expect(formatText(r).split("\n")[1]).toBe(`mode ${config["selgeo:mode"].value}; keys: ${want.join(", ")}`);
  });
});

describe("helpers", () => {
  it.each<[unknown, unknown, string]>([
    [1500, "usd", "15.00 USD"],
    [1500, "jpy", "1500 JPY"],
    [5, "eur", "0.05 EUR"],
    [100, undefined, "1.00 (currency unset)"],
  ])("money(%s, %s) = %s", (minor, cur, want) => expect(money(minor, cur)).toBe(want));

  it("setDiff", () => expect(setDiff(["a", "b"], ["c", "b"])).toEqual({ added: ["c"], removed: ["a"] }));

  it("describeRule", () =>
    expect(describeRule({ type: "percentage", percentage: 20, basis: "net", holdPeriodDays: 30, autoApprove: true, recurringMonths: 1 })).toBe(
      "percentage 20 % of net, hold 30 days, auto-approved, recurring 1 month",
    ));

  it.each<[string[], string | object]>([
    [["--stack", "live"], { stack: "live", format: "text", refresh: false }],
    [["--stack=live", "--format", "markdown", "--refresh"], { stack: "live", format: "markdown", refresh: true }],
    [["--format", "json"], "--stack is required"],
    [["--stack", "live", "--format", "html"], '--format is text, markdown, json (got "html")'],
    [["--stack"], "--stack needs a value"],
    [["--stack", "live", "--bogus"], "unknown option --bogus"],
  ])("parseReviewArgs(%j)", (argv, want) => {
    const got = parseReviewArgs(argv);
    if (typeof want === "string") expect(got).toBe(want);
    else expect(got).toMatchObject(want);
  });
});
