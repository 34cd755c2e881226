import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isFresh, runCompiled } = require("../../../tools/runCompiled") as {
  isFresh: (rootDir: string, outDir: string, entry: string) => boolean;
  runCompiled: (o: { rootDir: string; outDir: string; entry: string }) => Record<string, unknown>;
};

/** A project with index.ts importing lib/value.ts, and (optionally) its build in dist/. */
function project(opts: { built: boolean; builtValue?: string; sourceValue?: string }) {
  const root = mkdtempSync(path.join(tmpdir(), "golive-runcompiled-"));
  mkdirSync(path.join(root, "lib"));
  writeFileSync(path.join(root, "index.ts"), 'import { value } from "./lib/value";\nexport const from = value;\n');
  writeFileSync(path.join(root, "lib", "value.ts"), `export const value: string = ${JSON.stringify(opts.sourceValue ?? "source")};\n`);
  const old = new Date(Date.now() - 60_000);
  for (const f of ["index.ts", "lib/value.ts"]) utimesSync(path.join(root, f), old, old);
  if (opts.built) {
    mkdirSync(path.join(root, "dist", "lib"), { recursive: true });
    writeFileSync(path.join(root, "dist", "index.js"), '"use strict";\nexports.from = require("./lib/value").value;\n');
    writeFileSync(path.join(root, "dist", "lib", "value.js"), `"use strict";\nexports.value = ${JSON.stringify(opts.builtValue ?? "build")};\n`);
    // Built a while after the sources were written, well before any edit a test makes.
    const built = new Date(Date.now() - 30_000);
    for (const f of ["index.js", "lib/value.js"]) utimesSync(path.join(root, "dist", f), built, built);
  }
  return { root, dist: path.join(root, "dist") };
}

describe("tools/runCompiled: the build when it is fresh, the sources otherwise", () => {
  it("runs the compiled JavaScript when every compiled file is at least as new as its source", () => {
    const p = project({ built: true });
    expect(isFresh(p.root, p.dist, "index.ts")).toBe(true);
    expect(runCompiled({ rootDir: p.root, outDir: p.dist, entry: "index.ts" }).from).toBe("build");
  });

  it.each([
    ["the entry point was edited after the build", "index.ts"],
    ["a module it imports, in a subfolder, was edited after the build", "lib/value.ts"],
  ])("runs the sources, transpiled in memory, when %s", (_, edited) => {
    const p = project({ built: true, sourceValue: "edited" });
    const now = new Date();
    utimesSync(path.join(p.root, edited), now, now);
    expect(isFresh(p.root, p.dist, "index.ts")).toBe(false);
    expect(runCompiled({ rootDir: p.root, outDir: p.dist, entry: "index.ts" }).from).toBe("edited");
  });

  it("runs the sources when there is no build at all (npm ci without npm run build)", () => {
    const p = project({ built: false, sourceValue: "never built" });
    expect(isFresh(p.root, p.dist, "index.ts")).toBe(false);
    expect(runCompiled({ rootDir: p.root, outDir: p.dist, entry: "index.ts" }).from).toBe("never built");
  });
});
