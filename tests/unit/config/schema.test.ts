/**
 * The stack config as a merchant writes it: what passes, and what fails with which config path.
 * This is what `pulumi preview` prints before anything is created.
 */
import { describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigError, type RawStackConfig } from "../../../config/schema";
import { good, hostile, key } from "../../fixtures/hostileConfigs";

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

  it("reports every problem at once, and never echoes a key", () => {
    const leaked = key("sk_test");
    const found = problems({ secretKey: leaked, mode: "live", commissionRules: { r: { type: "percentage", percentage: 500 } } });
    expect(found.length).toBeGreaterThanOrEqual(2);
    expect(found.join("\n")).not.toContain(leaked);
  });
});
