// The engine floor: `floor:count` dynamic resources whose provider does nothing (no check, no diff,
// no API). A no-op preview of this stack is what the Pulumi engine and the Node.js dynamic provider
// cost by themselves; bench/refresh.ts compares the project's no-op preview with it. Plain
// JavaScript run with `typescript: false`, as the project's program runs (compiled ahead, see
// program.js), so neither side pays for ts-node and the ratio is the program's own cost.
"use strict";
const pulumi = require("@pulumi/pulumi");

const nothing = {
  async create(inputs) {
    return { id: String(inputs.name), outs: inputs };
  },
};

class Nothing extends pulumi.dynamic.Resource {
  constructor(name) {
    super(nothing, name, { name }, {}, "bench", "Nothing");
  }
}

const count = new pulumi.Config("floor").requireNumber("count");
for (let i = 0; i < count; i++) new Nothing(`r${String(i).padStart(4, "0")}`);
