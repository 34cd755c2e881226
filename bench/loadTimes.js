// Preloaded with `node --require` (NODE_OPTIONS) by bench/profile.ts: records, in every Node.js
// process the engine starts, the time spent loading modules, by package (self time: a package's
// own loading, not the packages it loads), and writes it to $GOLIVE_LOAD_TIMES_DIR/<pid>.json.
// Node 20 refuses --cpu-prof in NODE_OPTIONS, hence this.
"use strict";
const Module = require("node:module");
const fs = require("node:fs");
const path = require("node:path");
const dir = process.env.GOLIVE_LOAD_TIMES_DIR;
if (dir) {
  const started = performance.timeOrigin;
  const self = new Map();
  const stack = [];
  const ownerOf = (file) => {
    if (!file || !path.isAbsolute(file)) return "node:internal";
    const i = file.lastIndexOf("node_modules/");
    if (i < 0) return path.relative(process.cwd(), file).split(path.sep).slice(0, 2).join("/") || file;
    const parts = file.slice(i + 13).split("/");
    return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
  };
  const original = Module._load;
  Module._load = function (request, parent, isMain) {
    let file;
    try {
      file = Module._resolveFilename(request, parent, isMain);
    } catch {
      return original.apply(this, arguments);
    }
    if (Module._cache[file]) return original.apply(this, arguments);
    const frame = { owner: ownerOf(file), t0: performance.now(), children: 0 };
    stack.push(frame);
    try {
      return original.apply(this, arguments);
    } finally {
      stack.pop();
      const total = performance.now() - frame.t0;
      self.set(frame.owner, (self.get(frame.owner) ?? 0) + total - frame.children);
      if (stack.length > 0) stack[stack.length - 1].children += total;
    }
  };
  const write = () => {
    const byPackage = Object.fromEntries([...self].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v)]));
    const loadingMs = [...self.values()].reduce((a, b) => a + b, 0);
    fs.writeFileSync(path.join(dir, `${process.pid}.json`), JSON.stringify({ argv: process.argv.slice(1, 3), aliveMs: Math.round(performance.now()), loadingMs: Math.round(loadingMs), byPackage }));
  };
  process.on("exit", write);
  setInterval(write, 1000).unref();
  void started;
}
// GOLIVE_CPU_PROFILE=1: also a CPU profile of the process, through the in-process inspector session,
// whose messages are dispatched synchronously (so it works in an exit handler). Written in chunks of
// a second (<pid>-<n>.cpuprofile), since the engine kills a provider process without an exit event.
if (dir && process.env.GOLIVE_CPU_PROFILE) {
  const inspector = require("node:inspector");
  const session = new inspector.Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 1000 });
  session.post("Profiler.start");
  let chunk = 0;
  const flush = (restart) => {
    session.post("Profiler.stop", (err, res) => {
      if (!err) fs.writeFileSync(path.join(dir, `${process.pid}-${chunk++}.cpuprofile`), JSON.stringify(res.profile));
    });
    if (restart) session.post("Profiler.start");
  };
  setInterval(() => flush(true), 1000).unref();
  process.on("exit", () => flush(false));
}
