#!/usr/bin/env node
// `golive` runs the TypeScript CLI through ts-node (transpile only: type errors are caught by
// `npm run typecheck`, not paid for at every start).
"use strict";
const path = require("node:path");
require("ts-node").register({
  transpileOnly: true,
  project: path.join(__dirname, "..", "tsconfig.json"),
});
require("../cli/main.ts")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    console.error(`golive: ${err && err.message ? err.message : err}`);
    process.exitCode = 1;
  });
