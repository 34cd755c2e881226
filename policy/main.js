// The pack's entry point (package.json "main"). It runs the JavaScript that `npm run setup` compiled
// into dist/ (type-checked once there), so a preview pays no ts-node type-check of the pack.
// If a source is newer than its compiled file (an edit without a rebuild), the sources are
// transpiled in memory instead, without a type check: a stale dist/ must never run silently.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const SOURCES = ["index.ts", "policies.ts"];
const compiled = (name) => path.join(__dirname, "dist", name.replace(/\.ts$/, ".js"));
const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};
const fresh = SOURCES.every((name) => mtime(compiled(name)) >= mtime(path.join(__dirname, name)));

if (fresh) {
  require("./dist/index.js");
} else {
  // Replaces (does not wrap) any registered .ts hook, so nothing type-checks behind this one.
  const ts = require("typescript");
  require.extensions[".ts"] = (module, filename) => {
    const source = fs.readFileSync(filename, "utf8");
    const { outputText } = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { target: ts.ScriptTarget.ES2021, module: ts.ModuleKind.CommonJS, esModuleInterop: true },
    });
    module._compile(outputText, filename);
  };
  require("./index.ts");
}
