/**
 * The `import` resource option crashes inside Pulumi for dynamic resources; the resource classes
 * refuse it up front with the way that works.
 */
import { describe, expect, it } from "vitest";
import { refuseImport } from "../../../providers/runtimeProvider";

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
