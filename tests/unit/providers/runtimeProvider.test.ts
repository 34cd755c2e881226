/**
 * What Pulumi stores of each provider (twice per resource in state), and the `import` resource
 * option, which crashes inside Pulumi for dynamic resources: the classes refuse it up front.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { refuseImport, runtimeProvider, type RuntimeResourceKind } from "../../../providers/runtimeProvider";

const KINDS: RuntimeResourceKind[] = ["webhookEndpoint", "stripeWebhookEndpoint", "stripeIntegration", "commissionRule", "program", "programStatus", "goLiveVerification"];

describe("runtimeProvider: what state keeps of it", () => {
  it.each(KINDS)("%s is serialized as a require of its runtime module: a few hundred bytes, no code, no key", async (kind) => {
    // As pulumi.dynamic.Resource serializes its provider.
    const provider = runtimeProvider(kind);
    const { text } = await pulumi.runtime.serializeFunction(() => provider);
    expect(text).toContain(`require("@selgeo-golive/runtime/dist/dynamicProviders/${kind}.js")`);
    expect(text.length).toBeLessThan(600);
    expect(text).not.toMatch(/sk_(test|live)_|whsec_|callResourceLogic/);
  });

  it("the stored provider, required as the engine's provider process does, runs the kind's logic", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const stored = require("@selgeo-golive/runtime/dist/dynamicProviders/programStatus.js") as pulumi.dynamic.ResourceProvider;
    expect(await stored.diff!("ps", { programId: "prog_1", status: "draft" }, { programId: "prog_1", status: "active" })).toMatchObject({ changes: true });
  });
});

describe("refuseImport", () => {
  it.each([
    ["no options", undefined],
    ["options without import", { protect: true }],
  ])("passes %s through", (_name, opts) => {
    expect(refuseImport(opts, "selgeo:Program", "selgeo:program.adoptId")).toBe(opts);
  });

  it("refuses the import option, naming the resource type, the Pulumi issue and adoptId", () => {
    expect(() => refuseImport({ import: "prog_123" }, "selgeo:Program", "selgeo:program.adoptId: prog_…")).toThrow(
      /selgeo:Program: the import option does not work for Pulumi dynamic resources \(pulumi\/pulumi#16175\)[\s\S]*selgeo:program\.adoptId: prog_…/,
    );
  });
});
