/**
 * `golive review` end to end with the real Pulumi CLI, the sandbox, its Stripe emulator and moto:
 * a test stack goes up, then a changed config (events added and removed, an endpoint moved and its
 * secret rotated, one endpoint deleted and one added, a rule changed and one added, the program
 * activated) is reviewed in Markdown and compared with a golden file (ports, ids and times
 * normalised). A live stack with a mandatory violation exits 1 with the violation listed first.
 * Regenerate the golden with UPDATE_GOLDEN=1 and read its diff in review. REVIEW_RECORD=FILE keeps
 * the recorded preview events (the unit tests' fixture, after normalising).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import type { PulumiWorkspace } from "../../cli/pulumiCli";
import { useRehearsal } from "./helpers/rehearsal";

const GOLDEN = path.join(__dirname, "__golden__", "review-changes.md");

const rig = useRehearsal({}, 120_000);
/** Runs `golive <args>` as CI would: no TTY, environment only, with the workspace's backend and home. */
const golive = (args: string[], ws: PulumiWorkspace) => rig.golive(args, { ws, cron: true });

/** What differs between runs but not between reviews. */
function normalise(text: string): string {
  return text
    .replace(/https?:\/\/127\.0\.0\.1:\d+/g, "http://127.0.0.1:<port>")
    .replace(/\b(we|prog|cr|acct|we_stripe|evt|del)_[A-Za-z0-9]{6,}\b/g, "$1_<id>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>")
    .replace(/[ \t]+$/gm, "")
    .trim();
}

describe("golive review with the real Pulumi CLI", { timeout: 400_000 }, () => {
  const ep = (name: string, events: string[], extra: Record<string, unknown> = {}) => ({ url: `https://hooks.review.example/${name}`, events, ...extra });
  const base = (): Record<string, unknown> => ({
    "selgeo:mode": "test",
    "selgeo:apiUrl": rig.sandbox.url,
    "selgeo:stripeApiUrl": rig.sandbox.stripeUrl,
    "selgeo:aws": { region: "us-east-1", recoveryWindowDays: 0 },
    "selgeo:webhookEndpoints": {
      orders: ep("orders", ["conversion.created", "commission.created", "conversion.fraud_detected", "participant.approved"]),
      finance: ep("finance", ["commission.created", "commission.approved", "commission.refunded"]),
      legacy: ep("legacy", ["conversion.created"]),
    },
    "selgeo:stripe": {},
    "selgeo:commissionRules": { standard: { type: "percentage", percentage: 10, holdPeriodDays: 30, recurringMonths: 12 } },
    "selgeo:program": { name: "Review Partners", status: "draft" },
  });
  const changed = (): Record<string, unknown> => ({
    ...base(),
    "selgeo:webhookEndpoints": {
      orders: ep("orders", ["participant.approved", "commission.refunded", "conversion.fraud_detected", "commission.created"]),
      finance: { ...ep("ledger", ["commission.approved", "commission.created", "commission.refunded"]), description: "commission ledger", secretRotation: 1 },
      crm: ep("crm", ["participant.approved"]),
    },
    "selgeo:commissionRules": {
      standard: { type: "percentage", percentage: 12, holdPeriodDays: 7, autoApprove: true, recurringMonths: 12 },
      launch: { type: "flat", flatAmount: 1500, currency: "usd", appliesTo: ["checkout.session.completed"] },
    },
    "selgeo:program": { name: "Review Partners", status: "active" },
  });
  let ws: PulumiWorkspace;

  it("right after up: no changes, exit 0", async () => {
    ws = await rig.workspace("review", base());
    await ws.mustRun(["up", "--yes", "--skip-preview"]);
    const r = await golive(["review", "--stack", "review", "--cwd", ws.projectDir], ws);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^review of stack review: no changes; policy pack: no violations/);
  });

  it("a changed config reads as the golden Markdown review, exit 2", async () => {
    ws.writeConfig(changed());
    const record = path.join(mkdtempSync(path.join(tmpdir(), "golive-review-")), "events.json");
    const r = await golive(["review", "--stack", "review", "--cwd", ws.projectDir, "--format", "markdown", "--record", record], ws);
    expect(r.code, r.stderr).toBe(2);
    if (process.env.REVIEW_RECORD) copyFileSync(record, process.env.REVIEW_RECORD);
    const got = normalise(r.stdout);
    if (process.env.UPDATE_GOLDEN === "1") {
      mkdirSync(path.dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, got + "\n");
    }
    expect(got).toBe(readFileSync(GOLDEN, "utf8").trim());
    // What a reviewer must be able to read in it, whatever the golden says.
    for (const s of [
      "webhook endpoint orders will stop receiving conversion.created",
      "webhook endpoint orders will start receiving commission.refunded",
      "commission rule standard: percentage 10 % → 12 %",
      "program status draft → active (goes live)",
      "webhook endpoint legacy will be deleted",
      "signing secret rotates",
      "**advisory** `selgeo-commission-hold-period`",
    ]) {
      expect(got).toContain(s.replace(/_/g, "\\_"));
    }
    expect(got).not.toMatch(/whsec_|sk_test_|sk_live_/);
    expect(got.length).toBeLessThan(64_000);
  });

  it("a mandatory violation on a live stack: exit 1, the violation first", async () => {
    await new SecretsManagerClient(rig.moto.clientConfig).send(
      new CreateSecretCommand({ Name: "selgeo-golive/review/keys", SecretString: JSON.stringify({ selgeo_secret_key: rig.sandbox.info.keys.live.sk }) }),
    );
    const live = await rig.workspace(
      "live",
      {
        "selgeo:mode": "live",
        "selgeo:apiUrl": rig.sandbox.url,
        "selgeo:secretKey": "awssm://selgeo-golive/review/keys#selgeo_secret_key",
        "selgeo:aws": { region: "us-east-1", recoveryWindowDays: 0 },
        "selgeo:webhookEndpoints": { crm: ep("crm", ["participant.approved"]) },
        "selgeo:commissionRules": { fast: { type: "percentage", percentage: 20, holdPeriodDays: 7, autoApprove: true } },
        "selgeo:program": { name: "Review Partners", status: "draft" },
      },
      { keys: [] },
    );
    const r = await golive(["review", "--stack", "live", "--cwd", live.projectDir, "--format", "markdown"], live);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain("**`up` would be refused**");
    const mandatory = r.stdout.indexOf("**mandatory** `selgeo-commission-hold-period`");
    const advisory = r.stdout.indexOf("**advisory** `selgeo-recommended-events`");
    expect(mandatory, r.stdout).toBeGreaterThan(0);
    expect(advisory, r.stdout).toBeGreaterThan(mandatory);
    expect(r.stdout).toContain("webhook endpoint crm will be created at");
    // Checklist item 1: where the key comes from, by reference.
    expect(r.stdout).toContain("Mode **live**; keys: `selgeo:secretKey` from `awssm://selgeo-golive/review/keys#selgeo_secret_key`.");
    expect(r.stdout).not.toMatch(/sk_live_|whsec_/);
  });
});
