/**
 * The resource classes built by runtimeResource: the type token they register, every output they
 * type present at run time, and the `import` option refused before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { CommissionRule } from "../../../providers/commissionRule";
import { Program } from "../../../providers/program";

const registered: Array<{ type: string; name: string; inputs: Record<string, unknown> }> = [];

beforeAll(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        registered.push({ type: a.type, name: a.name, inputs: a.inputs });
        return { id: `${a.name}-id`, state: { ...a.inputs, programId: "prog_1", status: "draft" } };
      },
      call: (c) => c.inputs,
    },
    "proj",
    "stk",
  );
});

const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

describe("runtimeResource classes", () => {
  it("register under their type token with resourceKey, and expose every output they type", async () => {
    const program = new Program("program", { mode: "test", name: "P" });
    expect(await value(program.programId)).toBe("prog_1");
    expect(await value(program.status)).toBe("draft");
    const rule = new CommissionRule("flat", { mode: "test", programId: program.programId, name: "flat", type: "flat", flatAmount: 500, currency: "usd" });
    expect(pulumi.Output.isInstance(rule.percentage)).toBe(true);
    await value(rule.urn);
    const seen = registered.find((r) => r.name === "program");
    expect(seen?.type).toBe("pulumi-nodejs:dynamic/selgeo:Program");
    expect(seen?.inputs.resourceKey).toBe("proj/stk/program");
    expect(typeof seen?.inputs.__provider).toBe("string");
  });

  it("refuse the import option, naming the type and how to adopt", () => {
    expect(() => new Program("imported", { mode: "test", name: "P" }, { import: "prog_123" })).toThrow(/selgeo:Program: the import option[\s\S]*selgeo:program\.adoptId: prog_…/);
  });
});
