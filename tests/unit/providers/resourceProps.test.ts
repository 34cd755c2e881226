/**
 * The property bag a resource class registers: only the inputs given, the output slots the class
 * exposes (an input among them keeps its given value), and `resourceKey` for keyed resources.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { resourceProps } from "../../../providers/resourceProps";

beforeAll(() => {
  pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (c) => c.inputs }, "proj", "stk");
});

describe("resourceProps", () => {
  it("registers the inputs given and an undefined slot for each output", () => {
    expect(resourceProps({ mode: "test", description: undefined }, ["endpointId", "status"])).toEqual({ mode: "test", endpointId: undefined, status: undefined });
    expect(Object.keys(resourceProps({ mode: "test", description: undefined }, ["endpointId"]))).toEqual(["mode", "endpointId"]);
  });

  it("keeps a given input that is also an output, and exposes one that was not given", () => {
    expect(resourceProps({ type: "flat", percentage: 10 }, ["ruleId", "percentage"])).toEqual({ type: "flat", percentage: 10, ruleId: undefined });
    expect(Object.keys(resourceProps({ type: "flat", percentage: undefined }, ["ruleId", "percentage"]))).toEqual(["type", "ruleId", "percentage"]);
  });

  it("adds resourceKey (project/stack/name) for a keyed resource", () => {
    expect(resourceProps({ mode: "test" }, [], "orders")).toEqual({ mode: "test", resourceKey: "proj/stk/orders" });
  });
});
