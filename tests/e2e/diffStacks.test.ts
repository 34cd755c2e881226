/**
 * `golive diff-stacks` as a user runs it (`node bin/golive.js`), on this project's real Pulumi.yaml,
 * Pulumi.sandbox.yaml and Pulumi.live.yaml: every difference of the merged declarations, one line
 * per path, and nothing for what only differs in order.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../cli/pulumiCli";

function golive(args: string[], cwd = REPO_ROOT) {
  // No backend, no passphrase, no AWS: the command reads files only.
  const env = { PATH: process.env.PATH, HOME: tmpdir() };
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "golive.js"), ...args], { cwd, env, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the project's three files, to change one of them. */
function projectCopy(edit: (file: string, text: string) => string = (_f, t) => t): string {
  const dir = mkdtempSync(path.join(tmpdir(), "golive-diff-"));
  for (const f of ["Pulumi.yaml", "Pulumi.sandbox.yaml", "Pulumi.live.yaml"]) {
    writeFileSync(path.join(dir, f), edit(f, readFileSync(path.join(REPO_ROOT, f), "utf8")));
  }
  return dir;
}

describe("golive diff-stacks", () => {
  it("sandbox vs live: every difference of the committed stacks, one line per path", () => {
    const r = golive(["diff-stacks", "sandbox", "live"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split("\n")).toEqual([
      "selgeo:mode: test → live",
      "selgeo:apiUrl: http://127.0.0.1:4010 → https://api.selgeo.example",
      "selgeo:secretKey: (not set) → awssm://selgeo-golive/live/keys#selgeo_secret_key",
      "selgeo:stripeSecretKey: (not set) → awssm://selgeo-golive/live/keys#stripe_secret_key",
      "selgeo:stripeApiUrl: http://127.0.0.1:4011 → (not set)",
      "selgeo:aws.kmsKeyId: (not set) → alias/selgeo-golive",
      "selgeo:aws.recoveryWindowDays: 0 → 30",
      // An endpoint only one stack has: the live ledger, which the sandbox drops with `finance: null`.
      "selgeo:webhookEndpoints.finance: only in live",
      "selgeo:webhookEndpoints.orders.description: order system (rehearsal) → order system",
      // A changed event set: the sandbox's own list replaces the shared one.
      "selgeo:webhookEndpoints.orders.events: only in sandbox: commission.refunded",
      "selgeo:webhookEndpoints.orders.url: http://127.0.0.1:4040/selgeo/webhooks → https://hooks.merchant.example/selgeo",
      "selgeo:program.description: \"\" → Earn 20% of every subscription you refer, for a year.",
      "selgeo:program.name: Acme Partners (rehearsal) → Acme Partners",
      "selgeo:verify: false → true",
    ]);
  });

  it("any two stacks, either way round; the same stack declares the same", () => {
    const r = golive(["diff-stacks", "live", "sandbox"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("selgeo:webhookEndpoints.finance: only in live\n");
    expect(r.stdout).toContain("selgeo:webhookEndpoints.orders.url: https://hooks.merchant.example/selgeo → http://127.0.0.1:4040/selgeo/webhooks\n");
    expect(golive(["diff-stacks", "live", "live"])).toEqual({ code: 0, stdout: "live and live declare the same\n", stderr: "" });
  });

  it("events in another order are the same set; an event added in the shared file shows only where a stack has not replaced the list", () => {
    const dir = projectCopy((f, t) => {
      if (f === "Pulumi.sandbox.yaml") {
        // The same five events, reversed.
        return t.replace(
          /events:\n((?: {8}- .*\n)+)/,
          (_m, items: string) => `events:\n${items.trimEnd().split("\n").reverse().join("\n")}\n`,
        );
      }
      if (f === "Pulumi.yaml") return t.replace("          - participant.approved\n", "          - participant.approved\n          - commission.approved\n");
      return t;
    });
    expect(readFileSync(path.join(dir, "Pulumi.sandbox.yaml"), "utf8")).toMatch(/- participant\.approved\n {8}- conversion\.fraud_detected\n/);
    const r = golive(["diff-stacks", "sandbox", "live"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("selgeo:webhookEndpoints.orders.events: only in sandbox: commission.refunded; only in live: commission.approved\n");
    expect(r.stdout.match(/orders\.events/g)).toHaveLength(1);
  });

  it("shows a Pulumi secret as [secret] and a plain key never; --json has the same lines", () => {
    const dir = projectCopy((f, t) =>
      f === "Pulumi.sandbox.yaml"
        ? t.replace("config:\n", `config:\n  selgeo:secretKey: sk_test_${"Fake".repeat(6)}\n  selgeo:publishableKey:\n    secure: v1:${"Q".repeat(20)}\n`)
        : t,
    );
    const r = golive(["diff-stacks", "sandbox", "live", "--json", "--cwd", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("sk_test_");
    expect(r.stdout).not.toContain("v1:QQ");
    const lines = (JSON.parse(r.stdout) as { differences: Array<{ line: string }> }).differences.map((d) => d.line);
    expect(lines).toContain("selgeo:secretKey: [a key, not shown] → awssm://selgeo-golive/live/keys#selgeo_secret_key");
    expect(lines).toContain("selgeo:publishableKey: [secret] → (not set)");
  });

  it("a stack without a file, or a broken shared declaration: exit 1 with the file and the path", () => {
    const missing = golive(["diff-stacks", "sandbox", "prod"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^golive diff-stacks: Pulumi\.prod\.yaml: not found in .*; is "prod" the stack's name\?\n$/);
    const dir = projectCopy();
    writeFileSync(path.join(dir, "Pulumi.yaml"), readFileSync(path.join(dir, "Pulumi.yaml"), "utf8") + "  selgeo:aws:\n    value:\n      region: us-east-1\n");
    const bad = golive(["diff-stacks", "sandbox", "live"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^golive diff-stacks: Pulumi\.yaml: config\.selgeo:aws: is a per-stack setting/);
    expect(golive(["diff-stacks", "sandbox"]).code).toBe(1);
  });
});
