/**
 * The pure drift mapping, table-driven. `fixtures/drift-preview-steps.json` is a real refresh
 * preview recorded by tests/e2e/drift.test.ts (`DRIFT_RECORD=…`, then `__provider` dropped and ids,
 * ports, ARNs and times normalised): every drift kind introduced at once on the sandbox.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  classify,
  countByKind,
  driftFromSteps,
  normaliseSteps,
  parseUrn,
  unmanagedStripeEndpoints,
  type DriftItem,
} from "../../../cli/driftReport";
import { cleanError, formatCheck, parseDriftArgs, useColor } from "../../../cli/drift";

const recorded = JSON.parse(readFileSync(path.join(__dirname, "fixtures", "drift-preview-steps.json"), "utf8")) as unknown[];
const URL = "http://127.0.0.1:PORT";
const urn = (type: string, name: string) => `urn:pulumi:drift::selgeo-golive::pulumi-nodejs:dynamic/${type}::${name}`;

describe("driftFromSteps on a recorded refresh preview", () => {
  const items = driftFromSteps(recorded);
  const find = (kind: string, type: string, name: string, property?: string) =>
    items.filter((i) => i.kind === kind && i.resource.type === type && i.resource.name === name && i.property === property);

  it.each<[string, string, string, string | undefined, unknown, unknown]>([
    ["deleted", "selgeo:WebhookEndpoint", "gone", undefined, undefined, undefined],
    ["disabled", "selgeo:WebhookEndpoint", "orders", "enabled", true, false],
    ["events_changed", "selgeo:WebhookEndpoint", "orders", "events", ["commission.created", "conversion.created"], ["ping"]],
    ["url_changed", "selgeo:WebhookEndpoint", "orders", "url", `${URL}/orders`, `${URL}/elsewhere`],
    ["secret_rotated", "selgeo:WebhookEndpoint", "rotated", "secretState", "in_sync", "rotated_outside_pulumi"],
    ["secret_missing", "selgeo:WebhookEndpoint", "lost", "secretState", "in_sync", expect.stringMatching(/^(deleted|missing)_from_secrets_manager$/)],
    ["rule_changed", "selgeo:CommissionRule", "standard", "percentage", 20, 35],
    ["program_paused", "selgeo:ProgramStatus", "program", "status", "active", "paused"],
  ])("%s: %s %s .%s", (kind, type, name, property, expected, actual) => {
    const found = find(kind, type, name, property);
    expect(found, JSON.stringify(items, null, 1)).toHaveLength(1);
    expect(found[0].expected).toEqual(expected);
    expect(found[0].actual).toEqual(actual);
    expect(found[0].message).toContain(name);
  });

  it("reports nothing else: refresh and same steps, the Stack and the provider are not drift", () => {
    expect(items).toHaveLength(8);
    expect(countByKind(items)).toEqual({
      deleted: 1,
      disabled: 1,
      events_changed: 1,
      url_changed: 1,
      secret_rotated: 1,
      secret_missing: 1,
      rule_changed: 1,
      program_paused: 1,
    });
  });

  it("reads the same steps wrapped as engine events, and skips outputs events", () => {
    const events = recorded.flatMap((metadata) => [{ sequence: 1, timestamp: 0, resourcePreEvent: { metadata } }, { sequence: 2, timestamp: 0, resOutputsEvent: { metadata } }]);
    expect(driftFromSteps(events)).toEqual(items);
  });

  it("a clean preview (only refresh and same) has no drift", () => {
    const clean = (recorded as Array<{ op: string }>).filter((s) => s.op === "refresh" || s.op === "same");
    expect(driftFromSteps(clean)).toEqual([]);
  });
});

describe("driftFromSteps on `pulumi preview --json` steps and edge cases", () => {
  const ep = (inputs: Record<string, unknown>) => ({ inputs, outputs: {} });
  const base = { url: "https://a.example/x", events: ["ping", "commission.created"], enabled: true, secretState: "in_sync", mode: "test", resourceKey: "k" };

  it.each<[string, unknown, Array<Partial<DriftItem>>]>([
    [
      "preview --json shape (oldState/newState/diffReasons)",
      { steps: [{ op: "update", urn: urn("selgeo:WebhookEndpoint", "a"), oldState: ep({ ...base, enabled: false }), newState: ep(base), diffReasons: ["enabled"] }] },
      [{ kind: "disabled", property: "enabled", expected: true, actual: false }],
    ],
    [
      "events compared as a set: reordering is not drift",
      [{ op: "update", urn: urn("selgeo:WebhookEndpoint", "a"), old: ep({ ...base, events: ["commission.created", "ping"] }), new: ep(base) }],
      [{ kind: "other_change" }],
    ],
    [
      "bookkeeping properties (resourceKey, mode, __provider) are ignored",
      [{ op: "update", urn: urn("selgeo:WebhookEndpoint", "a"), old: ep({ ...base, resourceKey: "old", __provider: "x" }), new: ep({ ...base, __provider: "y" }), diffs: ["__provider"] }],
      [{ kind: "other_change" }],
    ],
    [
      "secret changed in Secrets Manager is a rotation",
      [{ op: "update", urn: urn("selgeo:WebhookEndpoint", "a"), old: ep({ ...base, secretState: "changed_in_secrets_manager" }), new: ep(base) }],
      [{ kind: "secret_rotated", property: "secretState" }],
    ],
    [
      "enabled again although declared disabled is other_change, not disabled",
      [{ op: "update", urn: urn("selgeo:WebhookEndpoint", "a"), old: ep({ ...base, enabled: true }), new: ep({ ...base, enabled: false }) }],
      [{ kind: "other_change", property: "enabled", expected: false, actual: true }],
    ],
    [
      "program set to draft is other_change",
      [{ op: "update", urn: urn("selgeo:ProgramStatus", "program"), old: ep({ status: "draft" }), new: ep({ status: "active" }) }],
      [{ kind: "other_change", property: "status" }],
    ],
    [
      "several rule properties: one item each",
      [{ op: "update", urn: urn("selgeo:CommissionRule", "r"), old: ep({ percentage: 10, holdPeriodDays: 30 }), new: ep({ percentage: 20, holdPeriodDays: 0 }) }],
      [
        { kind: "rule_changed", property: "holdPeriodDays" },
        { kind: "rule_changed", property: "percentage" },
      ],
    ],
    [
      "Stripe endpoint URL and events",
      [{ op: "update", urn: urn("stripe:WebhookEndpoint", "stripe"), old: ep({ url: "https://x/old", enabledEvents: ["invoice.paid"] }), new: ep({ url: "https://x/new", enabledEvents: ["invoice.paid", "charge.refunded"] }) }],
      [
        { kind: "events_changed", property: "enabledEvents" },
        { kind: "url_changed", property: "url" },
      ],
    ],
    [
      "a resource no longer declared is other_change (up deletes it)",
      [{ op: "delete", urn: urn("selgeo:WebhookEndpoint", "old"), old: { id: "we_1", ...ep(base) } }],
      [{ kind: "other_change", resource: { type: "selgeo:WebhookEndpoint", name: "old", id: "we_1", urn: urn("selgeo:WebhookEndpoint", "old") } }],
    ],
    ["garbage in, nothing out", [null, 1, "x", { op: 3 }], []],
  ])("%s", (_name, input, want) => {
    const got = driftFromSteps(input);
    expect(got).toHaveLength(want.length);
    want.forEach((w, i) => expect(got[i]).toMatchObject(w as object));
  });
});

describe("helpers", () => {
  it.each([
    [urn("selgeo:WebhookEndpoint", "orders"), { type: "selgeo:WebhookEndpoint", name: "orders" }],
    ["urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", { type: "pulumi:pulumi:Stack", name: "p-s" }],
    ["urn:pulumi:s::p::my:Comp$pulumi-nodejs:dynamic/selgeo:CommissionRule::r1", { type: "selgeo:CommissionRule", name: "r1" }],
  ])("parseUrn(%s)", (u, want) => expect(parseUrn(u)).toEqual(want));

  it.each<[string, string, unknown, unknown, string]>([
    ["selgeo:WebhookEndpoint", "status", "enabled", "disabled", "disabled"],
    ["selgeo:WebhookEndpoint", "secretState", "in_sync", "missing_from_secrets_manager", "secret_missing"],
    ["selgeo:WebhookEndpoint", "description", "a", "b", "other_change"],
    ["selgeo:Program", "name", "A", "B", "other_change"],
    ["selgeo:StripeIntegration", "connected", true, false, "other_change"],
  ])("classify(%s .%s %j → %j) = %s", (type, prop, e, a, kind) => expect(classify(type, prop, e, a)).toBe(kind));

  it("unmanaged Stripe endpoints: same URL, not the stack's id", () => {
    const eps = [
      { id: "we_managed", url: "https://selgeo/stripe/hook" },
      { id: "we_stray", url: "https://selgeo/stripe/hook", status: "disabled" },
      { id: "we_other", url: "https://elsewhere/hook" },
    ];
    const got = unmanagedStripeEndpoints(eps, "https://selgeo/stripe/hook", ["we_managed"]);
    expect(got.map((i) => [i.kind, i.resource.id])).toEqual([["unmanaged_stripe_endpoint", "we_stray"]]);
    expect(unmanagedStripeEndpoints(eps, undefined, [])).toEqual([]);
  });

  it("normaliseSteps keeps one step per op and URN", () => {
    const s = { op: "update", urn: urn("selgeo:WebhookEndpoint", "a") };
    expect(normaliseSteps([s, s, { metadata: s }])).toHaveLength(1);
  });
});

describe("drift command options and output", () => {
  it.each<[string[], string | Record<string, unknown>]>([
    [["--stack", "live", "--json"], { stack: "live", json: true, remediate: false, color: false }],
    [["--stack=live", "--remediate", "--delete-unmanaged", "--color", "always"], { stack: "live", remediate: true, deleteUnmanaged: true, color: true }],
    [["--stack", "live", "--backend-url", "s3://bucket?region=eu-west-1", "--cwd", "/tmp"], { stack: "live", backendUrl: "s3://bucket?region=eu-west-1", cwd: "/tmp" }],
    [["--json"], "--stack is required"],
    [["--stack", "x", "--delete-unmanaged"], "--delete-unmanaged only goes with --remediate"],
    [["--stack", "x", "--color", "sometimes"], "--color is auto, always or never"],
    [["--stack", "x", "--bogus"], "unknown option --bogus"],
  ])("parseDriftArgs(%j)", (argv, want) => {
    const got = parseDriftArgs(argv);
    if (typeof want === "string") expect(got).toBe(want);
    else expect(got).toMatchObject(want);
  });

  it("an Automation API error is cut down to the CLI's error lines", () => {
    const transcript = "code: 255\n stdout: \n stderr: Command failed with exit code 255: pulumi preview\nerror: no stack named 'x' found\n err?: Error: Command failed\nerror: no stack named 'x' found\n";
    expect(cleanError(new Error(transcript))).toBe("error: no stack named 'x' found");
    expect(cleanError(new Error("plain"))).toBe("plain");
  });

  it("colour only on a TTY without NO_COLOR", () => {
    expect(useColor("auto", { isTTY: false }, {})).toBe(false);
    expect(useColor("auto", { isTTY: true }, {})).toBe(true);
    expect(useColor("auto", { isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(useColor("never", { isTTY: true }, {})).toBe(false);
  });

  it("the human report lists kind, resource and property, without escape codes by default", () => {
    const items = driftFromSteps(recorded);
    const text = formatCheck({ stack: "drift", checkedAt: "t", drift: true, counts: countByKind(items), items, notes: [] });
    expect(text).toMatch(/^drift: 8 item\(s\)/);
    expect(text).toMatch(/program_paused\s+selgeo:ProgramStatus program \.status: "paused" \(declared "active"\)/);
    expect(text).not.toContain("\u001b[");
  });
});
