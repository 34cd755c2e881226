// The Pulumi program's entry point (package.json "main", run with Pulumi.yaml's `typescript: false`):
// index.ts as `npm run build` compiled it into dist/ (type-checked once there), or from its
// sources transpiled in memory when they are newer than that build (tools/runCompiled.js). Its
// exports are the stack outputs.
"use strict";
const path = require("node:path");
const { runCompiled } = require("./tools/runCompiled");

module.exports = runCompiled({ rootDir: __dirname, outDir: path.join(__dirname, "dist"), entry: "index.ts" });
