// The pack's entry point (package.json "main"): the pack as `npm run build` compiled it into dist/
// (type-checked once there), so a preview pays no ts-node; from its sources, transpiled in memory,
// when they are newer than that build (tools/runCompiled.js).
"use strict";
const path = require("node:path");
const { runCompiled } = require("../tools/runCompiled");

runCompiled({ rootDir: __dirname, outDir: path.join(__dirname, "dist"), entry: "index.ts" });
