/**
 * The stack config as a merchant writes it: what passes, and what fails with which config path.
 * This is what `pulumi preview` prints before anything is created.
 */
import { describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigError, type RawStackConfig } from "../../../config/schema";
import { accepted, good, hostile, key, manyKeys } from "../../fixtures/hostileConfigs";

const env = {};

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


  it.each(hostile)("%s", (_name, over, expected) => {
    const found = problems(over);
    expect(found.some((p) => expected.test(p)), found.join("\n")).toBe(true);
  });

  it.each(accepted)("accepts %s", (_name, over) => {
    expect(problems(over)).toEqual([]);
  });

  it("keeps the error short for thousands of bad entries: the limit, not a dump", () => {
    for (const over of [
      { webhookEndpoints: { a: { url: "https://h.example/x", events: Array(10_000).fill("nope") } } },
      { webhookEndpoints: { a: { url: "https://h.example/x", events: ["ping"], metadata: manyKeys(1000) } } },
      { stripe: { enabledEvents: Array(10_000).fill("nope.nope") } },
    ]) {
      let message = "";
      try {
        parseStackConfig({ ...good, ...over }, env);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/the limit is|more than \d+ entries/);
      expect(message.length).toBeLessThan(600);
    }
  });

  it("lists at most 20 problems, then says how many more", () => {
    const rules = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`r${i}`, { type: "percentage", percentage: 500 }]));
    let message = "";
    try {
      parseStackConfig({ ...good, commissionRules: rules }, env);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/has 30 problem\(s\)/);
    expect(message).toMatch(/… and 10 more$/);
  });

  it("refuses YAML's not-a-number and infinity with the key's path", () => {
    expect(problems({ commissionRules: { r: { type: "percentage", percentage: NaN } } })).toContainEqual(
      expect.stringMatching(/^selgeo:commissionRules\.r\.percentage: NaN is not a number selgeo-golive can use/),
    );
    expect(problems({ commissionRules: { r: { type: "percentage", percentage: 10, holdPeriodDays: Infinity } } })).toContainEqual(
      expect.stringMatching(/^selgeo:commissionRules\.r\.holdPeriodDays: Infinity is not a number/),
    );
  });

  it("allows plain http to the API on test stacks and on a loopback address", () => {
    expect(problems({ mode: "test", secretKey: key("sk_test"), stripeSecretKey: key("sk_test"), apiUrl: "http://selgeo.dev.example" })).toEqual([]);
    expect(problems({ apiUrl: "http://127.0.0.1:4010", stripeApiUrl: "http://localhost:4011" })).toEqual([]);
  });

  it("reports every problem at once, and never echoes a key", () => {
    const leaked = key("sk_test");
    const found = problems({ secretKey: leaked, mode: "live", commissionRules: { r: { type: "percentage", percentage: 500 } } });
    expect(found.length).toBeGreaterThanOrEqual(2);
    expect(found.join("\n")).not.toContain(leaked);
  });
});
