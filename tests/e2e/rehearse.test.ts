/**
 * `golive rehearse --stack live`, as a merchant runs it from a clean checkout: no SELGEO_*, AWS_* or
 * PULUMI_* variable, nothing but PATH, HOME and a temp dir. The committed Pulumi.live.yaml, exactly
 * as written, must pass every step; a copy whose live stack names a plain-http receiver must fail
 * at the preview, naming it, with nothing sent anywhere real (the resolver map refuses every host
 * it does not name, and the rehearsal's receivers are the only listeners for the ones it does).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../cli/pulumiCli";

const scratch = mkdtempSync(path.join(tmpdir(), "golive-rehearse-test-"));

/** PATH, HOME and TMPDIR only: what a fresh shell on a clean machine has. */
function cleanEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? scratch, TMPDIR: scratch };
}

function rehearse(cwd: string, extra: string[] = []): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "golive.js"), "rehearse", "--stack", "live", ...extra], { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Temp dirs the rehearsal left behind in TMPDIR (it must leave none). */
const leftovers = () => readdirSync(scratch).filter((f) => f.startsWith("golive-rehearse-"));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("golive rehearse --stack live", () => {
  it("rehearses the committed Pulumi.live.yaml as written and passes every step", { timeout: 600_000 }, async () => {
    const before = readFileSync(path.join(REPO_ROOT, "Pulumi.live.yaml"), "utf8");
    const r = await rehearse(REPO_ROOT);
    expect(r.code, r.out).toBe(0);
    for (const step of ["sandbox", "keys", "copy", "preview", "up", "verify", "flow", "drift", "checklist"]) {
      expect(r.out, step).toMatch(new RegExp(`✔ ${step}: passed — `));
    }
    expect(r.out).not.toMatch(/✘/);
    expect(r.out).toMatch(/rehearsal passed: 9 steps/);
    // The URLs as written, served by the sandbox and the receivers through the resolver map.
    expect(r.out).toMatch(/api\.selgeo\.example:443 → 127\.0\.0\.1:\d+/);
    expect(r.out).toMatch(/api\.stripe\.com:443 → 127\.0\.0\.1:\d+/);
    expect(r.out).toMatch(/hooks\.merchant\.example:443 → 127\.0\.0\.1:\d+/);
    expect(r.out).toMatch(/finance\.merchant\.example:443 → 127\.0\.0\.1:\d+/);
    expect(r.out).toMatch(/fake live keys .*sk_live_.*awssm:\/\/selgeo-golive\/live\/keys#selgeo_secret_key/);
    expect(r.out).toMatch(/KMS alias\/selgeo-golive created in moto/);
    expect(r.out).toMatch(/with the policy pack \(mandatory\): no violation/);
    expect(r.out).toMatch(/✔ up: passed — \+ 9 created; the go-live verification passed before the program's status was applied/);
    expect(r.out).toMatch(/✔ drift: passed — golive drift: no drift/);
    expect(r.out).toMatch(/passphrase "golive-rehearsal-[0-9a-f]+"/);
    // The stack file is untouched and nothing is left behind.
    expect(readFileSync(path.join(REPO_ROOT, "Pulumi.live.yaml"), "utf8")).toBe(before);
    expect(leftovers()).toEqual([]);
  });

  const live = readFileSync(path.join(REPO_ROOT, "Pulumi.live.yaml"), "utf8");
  const httpReceiver = "url: https://finance.merchant.example/selgeo/webhooks";
  const failing: Array<[string, (f: string) => string, RegExp]> = [
    ["a plain-http receiver (the live URL rules)", (f: string) => f.replace(httpReceiver, httpReceiver.replace("https:", "http:")), /✘ preview: failed — exit \d+: .*selgeo:webhookEndpoints\.finance\.url: Live-mode webhook URLs must use https/],
    ["a mandatory policy violation", (f: string) => `${f}  selgeo:expectedTraffic:\n    apiRequestsPerMinute: 5000\n`, /✘ preview: failed — exit \d+: - \[mandatory\]\s+selgeo-expected-traffic/],
  ];
  for (const [what, edit, reason] of failing) {
    it(`fails at the preview, naming it, on ${what}`, { timeout: 300_000 }, async () => {
      expect(live).toContain(httpReceiver);
      const project = mkdtempSync(path.join(scratch, "project-"));
      writeFileSync(path.join(project, "Pulumi.yaml"), readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8") + `main: ${JSON.stringify(REPO_ROOT)}\n`);
      writeFileSync(path.join(project, "Pulumi.live.yaml"), edit(live));
      const r = await rehearse(project);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(reason);
      expect(r.out).toMatch(/rehearsal FAILED at preview$/m);
      expect(r.out).not.toMatch(/✔ up:/);
      expect(leftovers()).toEqual([]);
    });
  }
});
