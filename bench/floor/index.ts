/**
 * The engine floor: `floor:count` dynamic resources whose provider does nothing (no check, no
 * diff, no API). A no-op preview of this stack is what the Pulumi engine and the Node.js dynamic
 * provider cost by themselves; bench/refresh.ts compares the project's no-op preview with it.
 */
import * as pulumi from "@pulumi/pulumi";

const nothing: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return { id: String(inputs.name), outs: inputs };
  },
};

class Nothing extends pulumi.dynamic.Resource {
  constructor(name: string) {
    super(nothing, name, { name }, {}, "bench", "Nothing");
  }
}

const count = new pulumi.Config("floor").requireNumber("count");
for (let i = 0; i < count; i++) new Nothing(`r${String(i).padStart(4, "0")}`);
