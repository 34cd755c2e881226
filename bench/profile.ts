/**
 * Where a no-op preview's time goes, process by process: runs the same no-op preview of a stack of
 * N Selgeo resources and of N do-nothing dynamic resources (bench/floor) with bench/loadTimes.js
 * preloaded in every Node.js process the engine starts (the program and the dynamic-provider
 * process), then prints each process's lifetime and its module loading time by package.
 *
 *   npx ts-node --transpile-only bench/profile.ts [--endpoints N] [--rules M] [--out DIR] [--policy]
 *
 * `--policy` adds the project's no-op preview with the policy pack (its analyzer process included).
 * GOLIVE_CPU_PROFILE=1 also writes CPU profiles (bench/loadTimes.js).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startMoto } from "../sandbox/moto";
import { PulumiWorkspace, REPO_ROOT } from "../cli/pulumiCli";
import { benchStackConfig, floorWorkspace, runBench } from "./harness";
import { startSandbox } from "../sandbox/server";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : Number(process.argv[i + 1]);
}

interface LoadTimes {
  argv: string[];
  aliveMs: number;
  loadingMs: number;
  byPackage: Record<string, number>;
}

async function main(): Promise<void> {
  const endpoints = arg("endpoints", 40);
  const rules = arg("rules", 8);
  const outIdx = process.argv.indexOf("--out");
  const out = outIdx >= 0 ? path.resolve(process.argv[outIdx + 1]) : mkdtempSync(path.join(tmpdir(), "golive-profile-"));
  const moto = await startMoto({ port: 0 });
  const sandbox = await startSandbox({ port: 0, dataDir: mkdtempSync(path.join(tmpdir(), "golive-profile-sbx-")) });
  try {
    await fetch(`${sandbox.url}/_sandbox/rate_limits`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ general_per_ip: 60_000 }) });
    const resources = endpoints + rules + 2;
    const ws = await PulumiWorkspace.create({
      stack: "profile",
      env: { ...moto.env, SELGEO_SECRET_KEY: sandbox.info.keys.test.sk },
      config: benchStackConfig(sandbox.url, endpoints, rules),
    });
    await ws.mustRun(["up", "--yes", "--skip-preview"]);
    const floorWs = await floorWorkspace(resources);
    await floorWs.mustRun(["up", "--yes", "--skip-preview"]);

    const runs: Array<[string, PulumiWorkspace, string[]]> = [
      ["project", ws, []],
      ["floor", floorWs, []],
      ...(process.argv.includes("--policy") ? [["project+policy", ws, ["--policy-pack", path.join(REPO_ROOT, "policy")]] as [string, PulumiWorkspace, string[]]] : []),
    ];
    for (const [name, w, extra] of runs) {
      const dir = path.join(out, name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const start = Date.now();
      const r = await w.run(["preview", "--expect-no-changes", ...extra], { NODE_OPTIONS: `--require ${path.join(__dirname, "loadTimes.js")}`, GOLIVE_LOAD_TIMES_DIR: dir });
      if (r.code !== 0) process.stderr.write((r.stdout + r.stderr).slice(-2000));
      const wall = (Date.now() - start) / 1000;
      process.stdout.write(`\n${name}: no-op preview of ${resources} resources ${wall.toFixed(1)} s (exit ${r.code})\n`);
      for (const f of readdirSync(dir).filter((x) => x.endsWith(".json"))) {
        const t = JSON.parse(readFileSync(path.join(dir, f), "utf8")) as LoadTimes;
        const top = Object.entries(t.byPackage).slice(0, 9).map(([o, ms]) => `${o} ${ms}`).join(", ");
        process.stdout.write(`  ${path.basename(t.argv[0] ?? "?")} ${path.basename(t.argv[1] ?? "")}: alive ${(t.aliveMs / 1000).toFixed(2)} s, loading modules ${(t.loadingMs / 1000).toFixed(2)} s; ms by package: ${top}\n`);
      }
    }
    process.stdout.write(`\nprofiles in ${out} (open in Chrome DevTools or speedscope)\n`);
  } finally {
    await sandbox.close();
    await moto.close();
  }
}

runBench("profile", main);
