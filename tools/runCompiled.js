// Runs a TypeScript entry point from the JavaScript that `npm run build` compiled (type-checked once
// there), or, when any compiled file is missing or older than its source (an edit or a pull
// without a rebuild), from its sources transpiled in memory: a stale build must never run silently.
//
// Why not ts-node: besides transpiling on every run, it gives every file a source map, and
// source-map-support (installed by ts-node, and by @pulumi/pulumi's program runner) maps every frame
// of every `new Error().stack` through them. @pulumi/pulumi takes several such stacks for each
// property of each resource, so on a stack of a few hundred resources that mapping was most of a
// no-op preview. Hence no source maps here either, in the build or in memory: a crash reports
// positions in the compiled JavaScript (dist/ is plain, readable tsc output, line for line close
// to its source).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};

/** The compiled .js files under `dir`, recursively. */
function compiledFiles(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return compiledFiles(p);
    return e.name.endsWith(".js") ? [p] : [];
  });
}

/**
 * True when `outDir` holds the compiled entry and every compiled file is at least as new as the
 * source it came from (`rootDir` mirrored under `outDir`). A source the build never saw is caught
 * through its importer, which had to change to import it.
 */
function isFresh(rootDir, outDir, entry) {
  const compiledEntry = path.join(outDir, entry.replace(/\.ts$/, ".js"));
  if (mtime(compiledEntry) < 0) return false;
  return compiledFiles(outDir).every((js) => {
    const source = path.join(rootDir, path.relative(outDir, js)).replace(/\.js$/, ".ts");
    return mtime(js) >= mtime(source);
  });
}

/** Makes `require` of a .ts file transpile it in memory (no type check, no source-map-support). */
function transpileTypeScriptOnRequire() {
  const ts = require("typescript");
  // Replaces (does not wrap) any .ts hook already registered, so nothing type-checks behind this one.
  require.extensions[".ts"] = (module, filename) => {
    const { outputText } = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
      fileName: filename,
      compilerOptions: { target: ts.ScriptTarget.ES2021, module: ts.ModuleKind.CommonJS, esModuleInterop: true },
    });
    module._compile(outputText, filename);
  };
}

/**
 * Loads `entry` (a .ts path relative to `rootDir`) from `outDir` when that build is fresh, else from
 * source. Returns the module's exports (a Pulumi program's stack outputs, a policy pack's nothing).
 */
function runCompiled({ rootDir, outDir, entry }) {
  if (isFresh(rootDir, outDir, entry)) return require(path.join(outDir, entry.replace(/\.ts$/, ".js")));
  transpileTypeScriptOnRequire();
  return require(path.join(rootDir, entry));
}

module.exports = { runCompiled, isFresh };
