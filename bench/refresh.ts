/**
 * Reads at scale against Selgeo's real rate limits: how close refresh comes to the floor that
 * the general per-IP limit sets (below).
 *
 *   npx ts-node --transpile-only bench/refresh.ts [--endpoints N] [--rules M] [--rate PER_MIN] [--echo]
 *
 * Starts moto and the sandbox (published limits unless --rate: 300/min general per IP), creates a
 * stack of N webhook endpoints and M commission rules on one program, and measures with the real
 * Pulumi CLI: `up`, a no-op `up`, `refresh` (and the drift preview: `preview --refresh
 * --expect-no-changes`). For each phase: Selgeo requests by method (GET /_sandbox/requests), wall
 * time, 429s answered by the sandbox (counted from its request log: /_sandbox/requests has no
 * status counts), 429s surfaced to the user (in the CLI's output), and the refresh time against the
 * naive floor of one read per resource at the general limit (resources / (rate/60) seconds).
 * Then, in the same run: a no-op `preview` without and with the policy pack (`policy overhead`), and
 * with a pack that checks nothing (bench/emptyPack: what any pack costs), the
 * same no-op preview of a stack of as many do-nothing dynamic resources (`engine floor`, see
 * bench/floor), each of these four previews the median of `--rounds` (default 3) interleaved runs
 * (the no-op `up` too, its runs in a row),
 * `up` per created resource against the no-op `up` (`up/no-op up`), and, with
 * `--scale N` (default 1000 at the default size), a second stack of N resources on a sandbox whose
 * limit is raised (`--scale-rate`, default 60000/min; the client sizes its bucket from
 * X-RateLimit-Limit), printing the cost per resource at both sizes so linearity shows, beside the
 * do-nothing stack's `up` and preview at both sizes (how the engine itself grows).
 * Defaults: 300 endpoints, 50 rules.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startMoto } from "../sandbox/moto";
import { PulumiWorkspace, REPO_ROOT, type CliResult } from "../cli/pulumiCli";
import { startSandbox } from "../sandbox/server";
import { benchStackConfig, floorWorkspace, runBench } from "./harness";

interface Phase {
  name: string;
  seconds: number;
  byMethod: Record<string, number>;
  total: number;
  sandbox429: number;
  surfaced429: number;
  exitCode: number;
  /** Tokens left in the sandbox's general bucket for 127.0.0.1 when the phase started. */
  bucketAtStart: number;
  /** How many interleaved runs this row is the median of (absent: one run). */
  runs?: number;
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} takes a number`);
  return v;
}

async function main(): Promise<void> {
  const endpoints = arg("endpoints", 300);
  const rules = arg("rules", 50);
  const rate = arg("rate", 0);
  const echo = process.argv.includes("--echo");
  const defaultSize = endpoints === 300 && rules === 50;
  const scale = arg("scale", defaultSize ? 1000 : 0);
  const scaleRate = arg("scale-rate", 60_000);
  const rounds = Math.max(1, Math.round(arg("rounds", 3)));
  const t0 = Date.now();

  // Status of every API request the sandbox answers, from its request log line "METHOD /path -> 429 (n ms)".
  let statusCounts: Record<string, number> = {};
  const log = (line: string) => {
    const m = /^(GET|POST|DELETE) (\/(?:api\/)?v1\/\S*) -> (\d{3}|dropped)/.exec(line);
    if (m) statusCounts[m[3]] = (statusCounts[m[3]] ?? 0) + 1;
  };

  const moto = await startMoto({ port: 0 });
  const sandbox = await startSandbox({ port: 0, dataDir: mkdtempSync(path.join(tmpdir(), "golive-bench-")), log });
  const admin = async <T = unknown>(method: string, p: string, body?: unknown) =>
    (await fetch(`${sandbox.url}${p}`, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) })).json() as Promise<T>;
  try {
    if (rate > 0) await admin("POST", "/_sandbox/rate_limits", { general_per_ip: rate });
    else await admin("DELETE", "/_sandbox/rate_limits");
    const limits = await admin<{ general_per_ip: number }>("GET", "/_sandbox/rate_limits");
    const perMin: number = limits.general_per_ip;

    const stackConfig = (nEndpoints: number, nRules: number) => benchStackConfig(sandbox.url, nEndpoints, nRules);
    const sk = sandbox.info.keys.test.sk;
    const ws = await PulumiWorkspace.create({ stack: "bench", config: stackConfig(endpoints, rules), env: { ...moto.env, SELGEO_SECRET_KEY: sk }, echo });
    // Resources that read Selgeo on refresh: endpoints, rules, the program and its status.
    const resources = endpoints + rules + 2;

    const phases: Phase[] = [];
    const measure = async (name: string, args: string[], on: PulumiWorkspace = ws): Promise<CliResult> => {
      // Admin routes report (without taking from) the general bucket of this IP in X-RateLimit-Remaining.
      const reset = await fetch(`${sandbox.url}/_sandbox/requests`, { method: "DELETE" });
      const bucketAtStart = Number(reset.headers.get("x-ratelimit-remaining") ?? NaN);
      statusCounts = {};
      const start = Date.now();
      const r = await on.run(args);
      const seconds = (Date.now() - start) / 1000;
      const counts = await admin<{ by_method: Record<string, number>; total: number }>("GET", "/_sandbox/requests");
      const out = `${r.stdout}\n${r.stderr}`;
      const surfaced = (out.match(/\b429\b|rate[ _]limit(ed)?/gi) ?? []).length;
      phases.push({ name, seconds, byMethod: counts.by_method, total: counts.total, sandbox429: statusCounts["429"] ?? 0, surfaced429: surfaced, exitCode: r.code, bucketAtStart });
      process.stderr.write(`bench: ${name} done in ${seconds.toFixed(1)} s (exit ${r.code})\n`);
      if (r.code !== 0 && !name.startsWith("drift preview")) process.stderr.write(r.stdout.slice(-3000) + r.stderr.slice(-3000));
      return r;
    };
    /** Replaces the runs of phase `name` by the one with the median wall time, in place of the first. */
    const keepMedian = (name: string) => {
      const runs = phases.filter((p) => p.name === name).sort((a, b) => a.seconds - b.seconds);
      const median = { ...runs[Math.floor((runs.length - 1) / 2)], runs: runs.length };
      const at = phases.findIndex((p) => p.name === name);
      phases.splice(0, phases.length, ...phases.slice(0, at), median, ...phases.slice(at).filter((p) => p.name !== name));
    };
    await measure("up", ["up", "--yes", "--skip-preview"]);
    for (let round = 0; round < rounds; round++) await measure("no-op up", ["up", "--yes", "--skip-preview"]);
    keepMedian("no-op up");
    await measure("refresh", ["refresh", "--yes", "--skip-preview"]);
    await measure("drift preview", ["preview", "--refresh", "--expect-no-changes"]);
    // The engine floor: as many do-nothing dynamic resources, same CLI, same language host.
    const floorWs = await floorWorkspace(resources, echo);
    await measure("floor up", ["up", "--yes", "--skip-preview"], floorWs);

    // The previews behind `policy overhead` and `engine floor`, interleaved over `rounds` rounds so
    // that a neighbour's load on this shared machine falls on all of them alike; each row is the
    // run with the median wall time.
    const previews: Array<[string, string[], PulumiWorkspace]> = [
      ["no-op preview", ["preview", "--expect-no-changes"], ws],
      ["preview+policy", ["preview", "--expect-no-changes", "--policy-pack", path.join(REPO_ROOT, "policy")], ws],
      // The same with a pack that checks nothing: what running any policy pack costs.
      ["preview+empty pack", ["preview", "--expect-no-changes", "--policy-pack", path.join(REPO_ROOT, "bench", "emptyPack")], ws],
      ["floor preview", ["preview", "--expect-no-changes"], floorWs],
    ];
    for (let round = 0; round < rounds; round++) {
      for (const [name, args, on] of previews) await measure(name, args, on);
    }
    for (const [name] of previews) keepMedian(name);

    // Cost per resource at a second size, with the limit raised on both sides (the client's bucket
    // follows the sandbox's X-RateLimit-Limit).
    const scaled: Phase[] = [];
    let scaleResources = 0;
    if (scale > 0) {
      await admin("POST", "/_sandbox/rate_limits", { general_per_ip: scaleRate });
      const scaleRules = Math.round((scale * 50) / 352);
      const scaleEndpoints = scale - scaleRules - 2;
      scaleResources = scaleEndpoints + scaleRules + 2;
      const big = await PulumiWorkspace.create({ stack: "scale", config: stackConfig(scaleEndpoints, scaleRules), env: { ...moto.env, SELGEO_SECRET_KEY: sk }, echo });
      const before = phases.length;
      await measure("up@scale", ["up", "--yes", "--skip-preview"], big);
      await measure("no-op preview@scale", ["preview", "--expect-no-changes"], big);
      const bigFloor = await floorWorkspace(scaleResources, echo);
      await measure("floor up@scale", ["up", "--yes", "--skip-preview"], bigFloor);
      await measure("floor preview@scale", ["preview", "--expect-no-changes"], bigFloor);
      scaled.push(...phases.splice(before));
    }

    // ---- the table ----
    const floor = resources / (perMin / 60);
    const rows = [
      ["phase", "wall s", "bucket at start", "GET", "POST", "DELETE", "total", "429 sandbox", "429 surfaced", "exit"],
      ...phases.map((p) => [p.runs && p.runs > 1 ? `${p.name} (median of ${p.runs})` : p.name, p.seconds.toFixed(1), String(p.bucketAtStart), p.byMethod.GET ?? 0, p.byMethod.POST ?? 0, p.byMethod.DELETE ?? 0, p.total, p.sandbox429, p.surfaced429, p.exitCode].map(String)),
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
    const refresh = phases.find((p) => p.name === "refresh")!;
    const up = phases.find((p) => p.name === "up")!;
    const print = (s = "") => process.stdout.write(s + "\n");
    print(`selgeo-golive bench: ${endpoints} webhook endpoints + ${rules} commission rules on 1 program (${resources} Selgeo resources), general limit ${perMin}/min`);
    print();
    print(line(rows[0]));
    for (const r of rows.slice(1)) print(line(r));
    print();
    const noopUp = phases.find((p) => p.name === "no-op up")!;
    const by = (n: string, from: Phase[] = phases) => from.find((p) => p.name === n)!;
    print(`up: ${up.total} requests for ${resources} created resources (${(up.total / resources).toFixed(2)} per created resource; target <= 1.05)`);
    print(`up/no-op up: ${(up.seconds / noopUp.seconds).toFixed(2)}x (${up.seconds.toFixed(1)} s / ${noopUp.seconds.toFixed(1)} s; target <= 4x)`);
    print(`policy overhead: ${(by("preview+policy").seconds / by("no-op preview").seconds).toFixed(2)}x (no-op preview with the pack / without; target <= 1.3x)`);
    print(
      `  of which any pack: ${(by("preview+empty pack").seconds / by("no-op preview").seconds).toFixed(2)}x (a pack checking nothing, bench/emptyPack: its process, and the engine asking it about each resource in turn); ` +
        `the go-live pack's own checks: ${(by("preview+policy").seconds / by("preview+empty pack").seconds).toFixed(2)}x`,
    );
    print(`engine floor: ${(by("no-op preview").seconds / by("floor preview").seconds).toFixed(2)}x (no-op preview / the same of ${resources} do-nothing dynamic resources; target <= 1.5x)`);
    print(`refresh: ${refresh.total} requests for ${resources} resources (${(refresh.total / resources).toFixed(2)} per resource)`);
    print(`naive floor (one read per resource at ${perMin}/min): ${floor.toFixed(1)} s; refresh took ${refresh.seconds.toFixed(1)} s = ${(refresh.seconds / floor).toFixed(2)}x the floor`);
    const burstFloor = Math.max(0, refresh.total - refresh.bucketAtStart) / (perMin / 60);
    print(`bucket-aware floor (reads beyond the ${refresh.bucketAtStart} tokens left at its start, at ${perMin}/min): ${burstFloor.toFixed(1)} s; the rest of refresh is engine time`);
    for (const p of phases.filter((x) => x.name === "drift preview")) {
      print(`drift preview (what golive drift runs): ${p.seconds.toFixed(1)} s = ${(p.seconds / floor).toFixed(2)}x the naive floor`);
    }
    if (endpoints !== 300 || rules !== 50) {
      const target = 300 + 50 + 2;
      const scale = target / resources;
      const targetFloor = target / (perMin / 60);
      // Requests scale linearly with resources; once a phase needs more than the bucket (perMin
      // requests) it runs at the limit, so its time is at least (requests - perMin) / rate.
      const est = (p: Phase) => {
        const req = p.total * scale;
        const limited = Math.max(0, req - perMin) / (perMin / 60);
        return { req: Math.round(req), seconds: Math.max(p.seconds * scale, limited) };
      };
      print();
      print(`extrapolated to 300 endpoints + 50 rules (${target} resources; linear in resources, bounded below by the rate limit after a full ${perMin}-request bucket):`);
      for (const p of phases) {
        const e = est(p);
        print(`  ${p.name.padEnd(18)} ~${String(e.req).padStart(5)} requests, ~${e.seconds.toFixed(0)} s`);
      }
      print(`  naive refresh floor ${targetFloor.toFixed(1)} s; estimated refresh/floor ${(est(refresh).seconds / targetFloor).toFixed(2)}x`);
    }
    if (scaled.length > 0) {
      const ms = (p: Phase, n: number) => ((p.seconds * 1000) / n).toFixed(0).padStart(5);
      print();
      print(`cost per resource, ms (linear growth = similar figures; ${resources} at ${perMin}/min, ${scaleResources} at ${scaleRate}/min):`);
      print(`  ${"phase".padEnd(14)} ${String(resources).padStart(5)}  ${String(scaleResources).padStart(5)}  requests at ${scaleResources}`);
      for (const p of scaled) {
        const base = by(p.name.replace("@scale", ""));
        print(`  ${base.name.padEnd(14)} ${ms(base, resources)}  ${ms(p, scaleResources)}  ${p.total} (exit ${p.exitCode})`);
      }
      print(`  (up at ${resources} is paced by the ${perMin}/min limit; at ${scaleResources} the limit is raised)`);
      const growth = (name: string) => (by(`${name}@scale`, scaled).seconds / scaleResources) / (by(name).seconds / resources);
      print(
        `  up per resource grows ${growth("up").toFixed(2)}x from ${resources} to ${scaleResources} resources; the engine's own floor up ${growth("floor up").toFixed(2)}x: ` +
          "a file backend writes the whole state after every step (pulumi/pulumi#10960), so up time grows with resources times state size; what this project adds per resource is kept small (see providers/runtimeProvider.ts)",
      );
      print(`  no-op preview per resource: ${growth("no-op preview").toFixed(2)}x (linear = 1.00x or less)`);
    }
    print();
    print(`429 counts: "sandbox" from the sandbox's request log (GET /_sandbox/requests has no status counts); "surfaced" = mentions of 429/rate limit in the CLI's output.`);
    print(`total bench time ${((Date.now() - t0) / 1000).toFixed(0)} s; up wrote ${(up.byMethod.POST ?? 0) + (up.byMethod.DELETE ?? 0)} requests`);
  } finally {
    await sandbox.close();
    await moto.close();
  }
}

runBench("bench", main);
