// A policy pack that checks nothing: bench/refresh.ts compares the go-live pack's cost with this.
"use strict";
const { PolicyPack } = require("@pulumi/policy");

new PolicyPack("selgeo-bench-empty", {
  policies: [{ name: "nothing", description: "Checks nothing.", enforcementLevel: "advisory", validateStack: () => {} }],
});
