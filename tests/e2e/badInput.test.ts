/**
 * Bad input, through the real CLI: every hostile config of tests/fixtures/hostileConfigs.ts fails
 * `pulumi preview` with its message and config path, and not one request reaches Selgeo.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SelgeoClient } from "@selgeo-golive/runtime";
import type { RawStackConfig } from "../../config/schema";
import type { PulumiWorkspace } from "../../cli/pulumiCli";
import { good, hostile } from "../fixtures/hostileConfigs";
import { runGolive, useRehearsal } from "./helpers/rehearsal";

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

const rig = useRehearsal({ stack: "hostile", config: () => stackConfig({ ...good, apiUrl: rig.sandbox.url }), bare: true }, 180_000);
beforeAll(async () => {
  await fetch(`${rig.sandbox.url}/_sandbox/requests`, { method: "DELETE" });
});

const counts = async () => (await (await fetch(`${rig.sandbox.url}/_sandbox/requests`)).json()) as { total: number; by_method: Record<string, number> };

describe("hostile configs through the real CLI", () => {
  it("has a row for every kind of bad input", () => {
    expect(hostile.length).toBeGreaterThanOrEqual(70);
  });

  it.each(hostile)("%s: fails at preview with its config path", { timeout: 120_000 }, async (_name, over, expected) => {
    rig.ws.writeConfig(stackConfig({ ...good, apiUrl: rig.sandbox.url, ...over }));
    const r = await rig.ws.run(["preview"]);
    const text = r.stdout + r.stderr;
    // The fixtures anchor messages at the start of a problem; the CLI indents them as a list.
    const re = new RegExp(expected.source.replace(/^\^/, ""), expected.flags);
    expect(r.code, text).not.toBe(0);
    expect(text).toMatch(re);
    // One short error, not a dump of every bad entry.
    expect(text.length, text.slice(0, 2000)).toBeLessThan(8_000);
  });

  // YAML's non-finite numbers nested in a map: the Pulumi CLI refuses the file itself, naming no key;
  // every golive command that runs pulumi (and doctor) names the config path first.
  const nonFinite = [
    ["percentage: .nan", "commissionRules", { standard: { type: "percentage", percentage: "__BAD__" } }, ".nan", "selgeo:commissionRules.standard.percentage"],
    ["holdPeriodDays: .inf", "commissionRules", { standard: { type: "percentage", percentage: 10, holdPeriodDays: "__BAD__" } }, ".inf", "selgeo:commissionRules.standard.holdPeriodDays"],
    ["flatAmount: -.inf in a second rule", "commissionRules", { standard: { type: "percentage", percentage: 10 }, bonus: { type: "flat", flatAmount: "__BAD__", currency: "usd" } }, "-.inf", "selgeo:commissionRules.bonus.flatAmount"],
  ] as const;
  const writeNonFinite = (key: string, value: unknown, yaml: string) => {
    rig.ws.writeConfig(stackConfig({ ...good, apiUrl: rig.sandbox.url, [key]: value }));
    const file = path.join(rig.ws.projectDir, "Pulumi.hostile.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace('"__BAD__"', yaml));
  };

  it.each(nonFinite)("%s: plain pulumi preview fails without naming the key", { timeout: 120_000 }, async (_name, key, value, yaml) => {
    writeNonFinite(key, value, yaml);
    const r = await rig.ws.run(["preview"]);
    expect(r.code).not.toBe(0);
    // What README quotes: the CLI's own JSON encoder, before the program runs.
    expect(r.stdout + r.stderr).toMatch(/json: unsupported value: (NaN|\+Inf|-Inf)/);
  });

  it.each(nonFinite)("%s: golive drift, verify, review and doctor name the config path", { timeout: 120_000 }, async (_name, key, value, yaml, configPath) => {
    writeNonFinite(key, value, yaml);
    const line = `${configPath}: ${yaml} in Pulumi.hostile.yaml is not a number Pulumi can load`;
    for (const command of ["drift", "verify", "review", "monitor", "checklist"]) {
      const r = await runGolive([command, "--stack", "hostile", "--cwd", rig.ws.projectDir], rig.ws.cliEnv());
      expect(r.code, `${command}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim().split("\n"), command).toHaveLength(1);
      expect(r.stderr, command).toContain(line);
      expect(r.stderr, command).toContain("write a finite number");
    }
    const doctor = await runGolive(["doctor", "--json", "--cwd", rig.ws.projectDir], rig.ws.cliEnv());
    const findings = JSON.parse(doctor.stdout) as Array<{ component: string; ok: boolean; version?: string; fix?: string }>;
    expect(doctor.code).toBe(1);
    expect(findings).toContainEqual(expect.objectContaining({ component: "stack file Pulumi.hostile.yaml", ok: false, version: configPath, fix: expect.stringContaining(line) }));
  });

  it("sent nothing to Selgeo for any of them", async () => {
    expect((await counts()).total).toBe(0);
  });
});

describe("values that look unusual but are valid go up and stay in sync (test stack)", () => {
  let live: PulumiWorkspace;
  const sk = () => rig.sandbox.info.keys.test.sk;
  const config = (over: Record<string, unknown> = {}) => ({
    "selgeo:mode": "test",
    "selgeo:apiUrl": rig.sandbox.url,
    "selgeo:aws": { region: "us-east-1", recoveryWindowDays: 0 },
    "selgeo:webhookEndpoints": { orders: { url: "HTTPS://Hooks.Merchant.EXAMPLE/selgeo", events: ["conversion.created", "ping"] } },
    "selgeo:program": { name: "Acme Partners", status: "draft" },
    "selgeo:commissionRules": { standard: { type: "percentage", percentage: 19.99 } },
    ...over,
  });

  beforeAll(async () => {
    live = await rig.workspace("unusual", config(), { keys: [] });
  }, 120_000);

  it("a 19.99 % rule and an upper-case URL go up, are stored, and show no drift", { timeout: 300_000 }, async () => {
    const up = await live.run(["up", "--yes"], { SELGEO_SECRET_KEY: sk() });
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const client = new SelgeoClient({ baseUrl: rig.sandbox.url, apiKey: sk() });
    const [program] = (await client.listPrograms()).data;
    const [rule] = (await client.listCommissionRules(program.id)).data;
    expect(rule.percentage).toBe(19.99);
    const [endpoint] = (await client.listWebhookEndpoints()).data;
    expect(endpoint.url).toBe("https://hooks.merchant.example/selgeo");
    const preview = await live.run(["preview", "--refresh", "--expect-no-changes"], { SELGEO_SECRET_KEY: sk() });
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
  });

  it("an adoptId that does not exist fails the preview after one lookup, with no write", { timeout: 120_000 }, async () => {
    live.writeConfig(config({ "selgeo:webhookEndpoints": { extra: { url: "https://hooks.merchant.example/extra", events: ["ping"], adoptId: "we_doesnotexist" } } }));
    await fetch(`${rig.sandbox.url}/_sandbox/requests`, { method: "DELETE" });
    const r = await live.run(["preview"], { SELGEO_SECRET_KEY: sk() });
    const text = r.stdout + r.stderr;
    expect(r.code).not.toBe(0);
    expect(text).toMatch(/selgeo:webhookEndpoints\.extra\.adoptId: no Selgeo webhook endpoint we_doesnotexist/);
    const c = await counts();
    expect(c.by_method.POST + c.by_method.DELETE).toBe(0);
    expect(c.by_method.GET).toBeLessThanOrEqual(1);
  });

  it("an unreachable selgeo:apiUrl is one line naming the key and the fix, for up and for drift", { timeout: 300_000 }, async () => {
    live.writeConfig(config({ "selgeo:apiUrl": "http://127.0.0.1:9", "selgeo:webhookEndpoints": { orders: { url: "https://hooks.merchant.example/other", events: ["ping"] } } }));
    const r = await live.run(["up", "--yes"], { SELGEO_SECRET_KEY: sk() });
    const text = r.stdout + r.stderr;
    expect(r.code).not.toBe(0);
    expect(text).toMatch(/selgeo:apiUrl: cannot reach http:\/\/127\.0\.0\.1:9 \(connection refused\) — is the sandbox running\? `npx golive sandbox`/);
    expect(text).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);

    const drift = await runGolive(["drift", "--stack", "unusual", "--cwd", live.projectDir], { ...live.cliEnv(), SELGEO_SECRET_KEY: sk() });
    expect(drift.code, drift.stdout + drift.stderr).toBe(1);
    // No request beforehand: the refresh's first read fails and the providers' explanation is the one line.
    expect(drift.stderr.trim().split("\n"), drift.stderr).toHaveLength(1);
    expect(drift.stderr.trim()).toMatch(/^golive drift: selgeo:apiUrl: cannot reach http:\/\/127\.0\.0\.1:9 \(connection refused\) — is the sandbox running\? `npx golive sandbox`/);
    expect(drift.stderr).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
  });

  it("a key with a trailing newline is refused at preview, naming the key", { timeout: 120_000 }, async () => {
    live.writeConfig(config());
    const r = await live.run(["preview"], { SELGEO_SECRET_KEY: sk() + "\n" });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/selgeo:secretKey: has leading or trailing whitespace/);
  });
});
