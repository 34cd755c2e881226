/**
 * Bad input, through the real CLI: every hostile config of tests/fixtures/hostileConfigs.ts fails
 * `pulumi preview` with its message and config path, and not one request reaches Selgeo.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RawStackConfig } from "../../config/schema";
import { PulumiWorkspace } from "../../cli/pulumiCli";
import { startSandbox } from "../../sandbox/server";
import { good, hostile } from "../fixtures/hostileConfigs";

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let ws: PulumiWorkspace;

const KEYS: Record<Exclude<keyof RawStackConfig, "configKeys">, string> = {
  mode: "selgeo:mode",
  apiUrl: "selgeo:apiUrl",
  secretKey: "selgeo:secretKey",
  stripeSecretKey: "selgeo:stripeSecretKey",
  webhookEndpoints: "selgeo:webhookEndpoints",
  stripe: "selgeo:stripe",
  program: "selgeo:program",
  commissionRules: "selgeo:commissionRules",
  aws: "selgeo:aws",
  verify: "selgeo:verify",
  expectedTraffic: "selgeo:expectedTraffic",
  publishableKey: "selgeo:publishableKey",
  stripeApiUrl: "selgeo:stripeApiUrl",
};

function stackConfig(raw: RawStackConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined && k !== "configKeys") out[KEYS[k as keyof typeof KEYS]] = v;
  // Keys the program does not read (typos) are written as they would be by `pulumi config set`.
  for (const k of raw.configKeys ?? []) if (!(k in out)) out[k] = "x";
  return out;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, dataDir: mkdtempSync(path.join(tmpdir(), "golive-sbx-")) });
  ws = await PulumiWorkspace.create({ stack: "hostile", config: stackConfig({ ...good, apiUrl: sandbox.url }) });
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
});

it(`each of ${hostile.length} hostile configs fails at preview with its config path, and sends nothing to Selgeo`, { timeout: 600_000 }, async () => {
  expect(hostile.length).toBeGreaterThanOrEqual(30);
  await fetch(`${sandbox.url}/_sandbox/requests`, { method: "DELETE" });
  const misses: string[] = [];
  for (const [name, over, expected] of hostile) {
    ws.writeConfig(stackConfig({ ...good, apiUrl: sandbox.url, ...over }));
    const r = await ws.run(["preview"]);
    const text = r.stdout + r.stderr;
    // The fixtures anchor messages at the start of a problem; the CLI indents them as a list.
    const re = new RegExp(expected.source.replace(/^\^/, ""), expected.flags);
    if (r.code === 0 || !re.test(text)) misses.push(`${name}: exit ${r.code}\n${text}`);
  }
  expect(misses, misses.join("\n---\n")).toEqual([]);
  const counts = (await (await fetch(`${sandbox.url}/_sandbox/requests`)).json()) as { total: number };
  expect(counts.total).toBe(0);
});
