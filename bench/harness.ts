/**
 * What the bench scripts share: the project's stack at a size, the engine-floor stack (bench/floor)
 * and the way a script reports a crash.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { PulumiWorkspace, REPO_ROOT } from "../cli/pulumiCli";

/** A test stack of `endpoints` webhook endpoints and `rules` commission rules on one active program. */
export function benchStackConfig(apiUrl: string, endpoints: number, rules: number): Record<string, unknown> {
  const webhookEndpoints: Record<string, unknown> = {};
  for (let i = 0; i < endpoints; i++) {
    webhookEndpoints[`ep${String(i).padStart(4, "0")}`] = { url: `https://hooks.example.com/bench/${i}`, events: ["conversion.created", "commission.created"] };
  }
  const commissionRules: Record<string, unknown> = {};
  for (let i = 0; i < rules; i++) commissionRules[`rule${String(i).padStart(3, "0")}`] = { type: "percentage", percentage: 5 + (i % 20), holdPeriodDays: 0 };
  return {
    "selgeo:mode": "test",
    "selgeo:apiUrl": apiUrl,
    "selgeo:aws": { region: "us-east-1", recoveryWindowDays: 0 },
    "selgeo:webhookEndpoints": webhookEndpoints,
    "selgeo:program": { name: "Bench Partners", status: "active" },
    "selgeo:commissionRules": commissionRules,
  };
}

/**
 * A stack of `count` do-nothing dynamic resources (bench/floor), run by the same CLI and language
 * host as the project's stack, in the same project name (so the language host and the options match:
 * plain JavaScript, `typescript: false`).
 */
export async function floorWorkspace(count: number, echo = false): Promise<PulumiWorkspace> {
  const ws = await PulumiWorkspace.create({ stack: "floor", config: { "floor:count": count }, echo });
  writeFileSync(
    path.join(ws.projectDir, "Pulumi.yaml"),
    `name: selgeo-golive\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: ${JSON.stringify(path.relative(ws.projectDir, path.join(REPO_ROOT, "bench", "floor")))}\n`,
  );
  return ws;
}

/** Runs a bench script's main; a crash prints its stack under the script's name and exits 1. */
export function runBench(name: string, main: () => Promise<void>): void {
  main().catch((e) => {
    process.stderr.write(`${name}: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
