/**
 * What an adoption's preview says it will overwrite, field by field, and when `check` looks at all.
 */
import { describe, expect, it } from "vitest";
import { adoptionChanges, isNewAdoption } from "../../../../runtime/src/resources/adoption";
import { UNKNOWN } from "../../../../runtime/src/resources/common";

const fields = ["url", "events", "description", "enabled", "metadata"] as const;
const found = { url: "https://hooks.example.com/old", events: ["ping"], description: "by hand", enabled: true, metadata: { team: "growth" } };

describe("adoptionChanges", () => {
  it.each([
    ["nothing differs", {}, []],
    ["a URL", { url: "https://hooks.example.com/new" }, ["url: https://hooks.example.com/old => https://hooks.example.com/new"]],
    ["events", { events: ["conversion.created", "ping"] }, ["events: [ping] => [conversion.created, ping]"]],
    ["a description cleared", { description: "" }, ["description: by hand => (empty)"]],
    ["disabled", { enabled: false }, ["enabled: true => false"]],
    ["metadata dropped", { metadata: {} }, ['metadata: {"team":"growth"} => {}']],
    ["two fields, in field order", { enabled: false, url: "https://x.example.com/" }, ["url: https://hooks.example.com/old => https://x.example.com/", "enabled: true => false"]],
  ])("%s", (_name, change, expected) => {
    expect(adoptionChanges(found, { ...found, ...change }, fields)).toEqual(expected);
  });

  it("a field the object lacks shows as (none)", () => {
    expect(adoptionChanges({ name: "p" }, { name: "p", description: "new" }, ["name", "description"])).toEqual(["description: (none) => new"]);
  });
});

describe("isNewAdoption", () => {
  it.each([
    ["no adoptId", {}, { url: "u" }, false],
    ["a first adoption", {}, { adoptId: "we_1" }, true],
    ["already adopted", { adoptId: "we_1" }, { adoptId: "we_1" }, false],
    ["another target", { adoptId: "we_1" }, { adoptId: "we_2" }, true],
    ["inputs unknown during preview", {}, { adoptId: "we_1", programId: UNKNOWN }, false],
  ])("%s", (_name, olds, news, expected) => {
    expect(isNewAdoption(olds, news as { adoptId?: string })).toBe(expected);
  });
});
