// Runs a policy pack whose PulumiPolicy.yaml says `typescript: false`, in place of @pulumi/pulumi's
// cmd/run-policy-pack, which always registers ts-node with type checking (and source-map-support)
// before loading the pack: for a pack compiled ahead of time (policy/main.js) that is only startup
// time, on the critical path of every preview run with the pack. The host runs this with
// `node -e <this file> <pack directory>`.
"use strict";
const path = require("node:path");

const packDir = path.resolve(process.argv[1]);
process.chdir(packDir);
// As run-policy-pack leaves it: no arguments for the pack.
process.argv = [process.argv[0], packDir];

// A pack's policies run inside its gRPC handlers, which report their own errors to the engine; an
// error that reaches here means the pack itself is broken, so say so and stop rather than serve on.
const fail = (err) => {
  const detail = (err && (err.stack || err.message)) || String(err);
  console.error(`Running policy pack '${packDir}' failed with an unhandled exception:\n${detail}`);
  process.exit(1);
};
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);

let pack;
try {
  pack = require(packDir);
} catch (err) {
  if (err && err.code === "MODULE_NOT_FOUND" && String(err.message).includes(`'${packDir}'`)) {
    fail(new Error(`no policy pack entry point in ${packDir}: check "main" in its package.json`));
  }
  fail(err);
}
// Like run-policy-pack: a pack may export a function (possibly async) that builds it.
Promise.resolve(typeof pack === "function" ? pack() : pack).catch(fail);
