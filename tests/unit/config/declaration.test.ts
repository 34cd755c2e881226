/**
 * One declaration for every stack: the merge rules (maps key by key, lists and scalars replace,
 * `null` drops), the shared file's shape, and problems that name where the shared value is written.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  configObject,
  mergeDeclaration,
  parseDeclaredConfig,
  readEffectiveDeclaration,
  readSharedDeclaration,
  withSharedDeclaration,
  type DeclarationLayer,
} from "../../../config/declaration";
import { StackConfigError } from "../../../config/schema";

const MERGES: Array<[string, unknown, unknown, unknown]> = [
  ["maps merge key by key", { a: 1, b: 2 }, { b: 3, c: 4 }, { a: 1, b: 3, c: 4 }],
  ["at every depth", { ep: { orders: { url: "u", events: ["x"] } } }, { ep: { orders: { url: "v" } } }, { ep: { orders: { url: "v", events: ["x"] } } }],
  ["lists replace, never append", { events: ["a", "b"] }, { events: ["c"] }, { events: ["c"] }],
  ["an empty list replaces too", { events: ["a"] }, { events: [] }, { events: [] }],
  ["scalars replace", { status: "active" }, { status: "draft" }, { status: "draft" }],
  ["false and 0 are values, not absence", { enabled: true, n: 5 }, { enabled: false, n: 0 }, { enabled: false, n: 0 }],
  ["null drops an inherited entry", { orders: { url: "u" }, finance: { url: "f" } }, { finance: null }, { orders: { url: "u" } }],
  ["null drops a nested field", { orders: { url: "u", description: "d" } }, { orders: { description: null } }, { orders: { url: "u" } }],
  ["null at the top drops the whole value", { a: 1 }, null, undefined],
  ["null for a key the base lacks leaves nothing behind", { a: 1 }, { b: null }, { a: 1 }],
  ["a map replaces a scalar", { x: 1 }, { x: { y: 2 } }, { x: { y: 2 } }],
  ["a scalar replaces a map", { x: { y: 2 } }, { x: "s" }, { x: "s" }],
  ["no overlay: the base, its nulls gone", { a: 1, b: null }, undefined, { a: 1 }],
  ["no base: the overlay, its nulls gone", undefined, { a: { b: null, c: 1 } }, { a: { c: 1 } }],
  ["an empty map overlay keeps the base", { a: 1 }, {}, { a: 1 }],
  ["a null inside a list is kept for the schema to refuse", undefined, { events: [null] }, { events: [null] }],
];

describe("mergeDeclaration", () => {
  it.each(MERGES)("%s", (_name, base, overlay, expected) => {
    const before = JSON.stringify([base, overlay]);
    expect(mergeDeclaration(base, overlay)).toEqual(expected);
    expect(JSON.stringify([base, overlay])).toBe(before);
  });

  it("merging a value onto itself changes nothing (Pulumi hands the project's value for an unset key)", () => {
    const shared: DeclarationLayer = { file: "Pulumi.yaml", values: { "selgeo:program": { name: "P", status: "active" } }, where: {} };
    expect(withSharedDeclaration(shared, { "selgeo:program": { name: "P", status: "active" } })).toEqual({ "selgeo:program": { name: "P", status: "active" } });
    expect(withSharedDeclaration(shared, {})).toEqual({ "selgeo:program": { name: "P", status: "active" } });
    expect(withSharedDeclaration(shared, { "selgeo:program": null })).toEqual({});
    // A stack file's top-level `null` reaches the program and `pulumi config` as "".
    expect(withSharedDeclaration(shared, { "selgeo:program": "" })).toEqual({});
    expect(withSharedDeclaration(shared, { "selgeo:stripe": null, "selgeo:mode": "test" })).toEqual({ "selgeo:program": { name: "P", status: "active" }, "selgeo:mode": "test" });
  });

  it("keeps a __proto__ key as data, for the schema to refuse", () => {
    const overlay = JSON.parse('{"__proto__": {"polluted": true}}');
    const merged = mergeDeclaration({}, overlay) as Record<string, unknown>;
    expect(Object.keys(merged)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "golive-decl-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const SHARED = `name: p
runtime: nodejs
config:
  selgeo:webhookEndpoints:
    value:
      orders:
        description: order system
        events: [conversion.created, commission.created]
      finance:
        events: [commission.approved]
  selgeo:program:
    value:
      name: Acme Partners
      status: draft
  other:thing: ignored
`;

describe("the shared declaration in Pulumi.yaml", () => {
  it("is merged with a stack file: the stack adds URLs, replaces a list, drops an endpoint", () => {
    const dir = project({
      "Pulumi.yaml": SHARED,
      "Pulumi.dev.yaml": `config:
  selgeo:mode: test
  selgeo:webhookEndpoints:
    orders:
      url: http://127.0.0.1:4040/hooks
      events: [conversion.created]
    finance: null
`,
    });
    expect(readEffectiveDeclaration(dir, "dev").values).toEqual({
      "selgeo:mode": "test",
      "selgeo:webhookEndpoints": { orders: { url: "http://127.0.0.1:4040/hooks", description: "order system", events: ["conversion.created"] } },
      "selgeo:program": { name: "Acme Partners", status: "draft" },
    });
  });

  it.each([
    ["a bare map (Pulumi would read it as a type declaration)", "config:\n  selgeo:program:\n    name: P\n", /^Pulumi\.yaml: config\.selgeo:program: a map here must be written under `value:`/],
    ["a type on a selgeo key", "config:\n  selgeo:program:\n    type: object\n    value: {}\n", /^Pulumi\.yaml: config\.selgeo:program\.type: Pulumi refuses a type/],
    ["a per-stack setting", "config:\n  selgeo:apiUrl: https://api.selgeo.example\n", /^Pulumi\.yaml: config\.selgeo:apiUrl: is a per-stack setting/],
    ["config that is not a map", "config: [1, 2]\n", /^Pulumi\.yaml: config: must be a map/],
    ["YAML that does not parse", "config:\n  a: [\n", /^Pulumi\.yaml: not valid YAML/],
  ])("refuses %s, naming the path in Pulumi.yaml", (_name, text, expected) => {
    const dir = project({ "Pulumi.yaml": `name: p\nruntime: nodejs\n${text}` });
    try {
      readSharedDeclaration(dir);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StackConfigError);
      expect((e as StackConfigError).problems[0]).toMatch(expected);
    }
  });

  it("names a stack file that is missing", () => {
    const dir = project({ "Pulumi.yaml": SHARED });
    expect(() => readEffectiveDeclaration(dir, "prod")).toThrow(/Pulumi\.prod\.yaml: not found in /);
  });
});

describe("configObject", () => {
  const cfg = (raw: Record<string, string>) => ({
    get: (k: string) => raw[k],
    getObject: <T>(k: string) => (raw[k] === undefined ? undefined : (JSON.parse(raw[k]) as T)),
  });
  it.each([
    ["a map", { stripe: "{}" }, {}],
    ["not set", {}, undefined],
    ["a YAML null, which Pulumi hands over as an empty string", { stripe: "" }, null],
  ])("%s", (_name, raw, expected) => {
    expect(configObject(cfg(raw), "stripe")).toEqual(expected);
  });
});

describe("parseDeclaredConfig", () => {
  const env = { SELGEO_SECRET_KEY: "sk_test_" + "f".repeat(24) };
  const shared = (values: Record<string, unknown>): DeclarationLayer => ({
    file: "Pulumi.yaml",
    values,
    where: Object.fromEntries(Object.keys(values).map((k) => [k, `config.${k}.value`])),
  });

  function problems(run: () => unknown): string[] {
    try {
      run();
      return [];
    } catch (e) {
      if (e instanceof StackConfigError) return e.problems;
      throw e;
    }
  }

  it("validates the merged config", () => {
    const cfg = parseDeclaredConfig(
      { mode: "test", webhookEndpoints: { orders: { url: "http://127.0.0.1:4040/x" } } },
      shared({ "selgeo:webhookEndpoints": { orders: { events: ["conversion.created"] } } }),
      env,
    );
    expect(cfg.webhookEndpoints.orders).toEqual({ url: "http://127.0.0.1:4040/x", events: ["conversion.created"] });
  });

  it.each([
    [
      "a bad event in the shared list names where it is written",
      { mode: "test", webhookEndpoints: { orders: { url: "http://127.0.0.1:4040/x" } } },
      { "selgeo:webhookEndpoints": { orders: { events: ["conversion.creatd"] } } },
      'selgeo:webhookEndpoints.orders.events[0]: "conversion.creatd" is not a Selgeo event type; did you mean "conversion.created"? use one of: ',
      "(declared in Pulumi.yaml: config.selgeo:webhookEndpoints.value.orders.events[0])",
    ],
    [
      "an unknown key in a shared rule",
      { mode: "test" },
      { "selgeo:program": { name: "P", status: "draft" }, "selgeo:commissionRules": { standard: { type: "percentage", percentage: 20, autoAprove: true } } },
      "selgeo:commissionRules.standard.autoAprove: unknown key; did you mean selgeo:commissionRules.standard.autoApprove?",
      "(declared in Pulumi.yaml: config.selgeo:commissionRules.value.standard.autoAprove)",
    ],
    [
      "a key the stack does not set: Pulumi handed over the project's value, its keys sorted",
      { mode: "test", program: { name: "P", status: "launched" } },
      { "selgeo:program": { status: "launched", name: "P" } },
      "selgeo:program.status: ",
      "(declared in Pulumi.yaml: config.selgeo:program.value.status)",
    ],
  ])("%s", (_name, raw, values, start, origin) => {
    const found = problems(() => parseDeclaredConfig(raw, shared(values), env));
    expect(found).toHaveLength(1);
    expect(found[0].startsWith(start), found[0]).toBe(true);
    expect(found[0].endsWith(origin), found[0]).toBe(true);
  });

  it("a bad value the stack file sets names no shared origin", () => {
    const found = problems(() =>
      parseDeclaredConfig(
        { mode: "test", webhookEndpoints: { orders: { url: "http://127.0.0.1:4040/x", events: ["nope"] } } },
        shared({ "selgeo:webhookEndpoints": { orders: { events: ["conversion.created"] } } }),
        env,
      ),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^selgeo:webhookEndpoints\.orders\.events\[0\]: "nope" is not a Selgeo event type/);
    expect(found[0]).not.toContain("declared in");
  });
});
