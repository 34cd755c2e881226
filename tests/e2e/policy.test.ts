/**
 * The go-live policy pack with the real Pulumi CLI and our language host:
 * `pulumi preview --policy-pack <repo>/policy` on a live stack (keys by awssm:// reference in moto).
 *
 * The real program: a clean live config (no Stripe: see cleanConfig) passes; configs built to violate the policies that the
 * config schema and the providers' checks let through (hold period with auto-approval, net basis
 * without Stripe, expected traffic) fail the preview with the policy's message.
 *
 * The other mandatory policies (key modes, live webhook URLs, Stripe's three events, commission
 * amounts, program activation) guard what the config schema and the providers already refuse, so no
 * stack config can reach them through index.ts. To prove the pack stops them too, a small program
 * declares the same resource types directly (with a provider that accepts anything) on the same
 * live stack.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, type CliResult } from "../../cli/pulumiCli";
import { useRehearsal } from "./helpers/rehearsal";

const PACK = path.join(REPO_ROOT, "policy");
const rig = useRehearsal(
  {
    before: async ({ moto, sandbox }) => {
      await new SecretsManagerClient(moto.clientConfig).send(
        new CreateSecretCommand({
          Name: "selgeo-golive/policy/keys",
          SecretString: JSON.stringify({ selgeo_secret_key: sandbox.info.keys.live.sk, stripe_secret_key: sandbox.info.stripe_keys!.live.secret_key }),
        }),
      );
    },
    stack: "live",
    keys: [],
  },
  180_000,
);

const cleanConfig = (): Record<string, unknown> => ({
  "selgeo:mode": "live",
  "selgeo:apiUrl": rig.sandbox.url,
  "selgeo:stripeApiUrl": rig.sandbox.stripeUrl,
  "selgeo:secretKey": "awssm://selgeo-golive/policy/keys#selgeo_secret_key",
  "selgeo:aws": { region: "us-east-1", recoveryWindowDays: 0 },
  "selgeo:webhookEndpoints": {
    orders: {
      url: "https://hooks.merchant.example/selgeo",
      events: ["conversion.created", "commission.created", "conversion.fraud_detected", "participant.approved"],
    },
  },
  // No selgeo:stripe: the sandbox's Selgeo-provided Stripe URL is plain http on 127.0.0.1, which the
  // Stripe endpoint's own check refuses in live mode. Without Stripe a live program stays draft.
  "selgeo:program": { name: "Acme Partners", status: "draft" },
  "selgeo:commissionRules": {
    standard: { type: "percentage", percentage: 20, basis: "gross", holdPeriodDays: 30, autoApprove: true },
  },
  "selgeo:expectedTraffic": { clicksPerMinute: 600, conversionsPerMinute: 40, apiRequestsPerMinute: 100 },
});

const REAL_PROGRAM = (main: string) =>
  ["name: selgeo-golive", "runtime:", "  name: nodejs", "  options:", "    typescript: false", `main: ${JSON.stringify(main)}`, ""].join("\n");

async function preview(config: Record<string, unknown>): Promise<CliResult & { text: string }> {
  rig.ws.writeConfig(config);
  const r = await rig.ws.run(["preview", "--policy-pack", PACK]);
  return { ...r, text: r.stdout + r.stderr };
}

/** Declares resources of the go-live's types directly, past the config schema and the providers' checks. */
async function previewDirect(resources: Array<{ module: string; type: string; name: string; props: Record<string, unknown> }>) {
  const dir = path.join(rig.ws.projectDir, "direct");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "index.js"),
    [
      'const pulumi = require("@pulumi/pulumi");',
      "const accept = { async check(_o, n) { return { inputs: n }; }, async diff() { return {}; }, async create(i) { return { id: \"x\", outs: i }; } };",
      `for (const r of ${JSON.stringify(resources)}) new pulumi.dynamic.Resource(accept, r.name, r.props, {}, r.module, r.type);`,
      "",
    ].join("\n"),
  );
  writeFileSync(path.join(rig.ws.projectDir, "Pulumi.yaml"), REAL_PROGRAM("direct"));
  try {
    return await preview({ "selgeo:mode": "live" });
  } finally {
    writeFileSync(path.join(rig.ws.projectDir, "Pulumi.yaml"), REAL_PROGRAM(path.relative(rig.ws.projectDir, REPO_ROOT)));
  }
}

/** The preview failed because of this mandatory policy, with its message. */
function expectMandatory(r: CliResult & { text: string }, policy: string, message: RegExp) {
  expect(r.code, r.text).not.toBe(0);
  expect(r.text).toMatch(new RegExp(`\\[mandatory\\]\\s+${policy}\\b`));
  expect(r.text).toMatch(message);
}

describe("the go-live policy pack on a live stack (real CLI)", { timeout: 300_000 }, () => {
  it("a clean live config passes, with every policy run and no violation", async () => {
    const r = await preview(cleanConfig());
    expect(r.code, r.text).toBe(0);
    expect(r.text).toMatch(/selgeo-golive@v0\.1\.0/);
    expect(r.text).not.toMatch(/\[(mandatory|advisory)\]/);
  });

  it("hold period under 14 days with auto-approval fails the preview", async () => {
    const cfg = cleanConfig();
    cfg["selgeo:commissionRules"] = { fast: { type: "percentage", percentage: 20, holdPeriodDays: 7, autoApprove: true } };
    expectMandatory(await preview(cfg), "selgeo-commission-hold-period", /commission rule "fast": holdPeriodDays is 7 with autoApprove on, so commissions would be approved before most refunds arrive/);
  });

  it("net basis without a Stripe integration fails the preview; expected traffic over the limits too", async () => {
    const cfg = cleanConfig();
    cfg["selgeo:commissionRules"] = { standard: { type: "percentage", percentage: 20, basis: "net" } };
    cfg["selgeo:expectedTraffic"] = { clicksPerMinute: 600, conversionsPerMinute: 500 };
    const r = await preview(cfg);
    expectMandatory(r, "selgeo-commission-net-basis", /commission rule "standard" pays on the net basis .* no Stripe integration/);
    expectMandatory(r, "selgeo-expected-traffic", /selgeo:expectedTraffic\.conversionsPerMinute is 500 but Selgeo allows 120 conversions per minute per secret key/);
  });

  it("resources declared past the schema: each of the other mandatory policies fails the preview with its message", async () => {
    const live = { mode: "live" };
    const r = await previewDirect([
      { module: "selgeo", type: "WebhookEndpoint", name: "orders", props: { ...live, url: "http://hooks.merchant.example/selgeo", events: ["ping"], enabled: true } },
      { module: "selgeo", type: "Program", name: "program", props: { ...live, name: "Acme" } },
      { module: "stripe", type: "WebhookEndpoint", name: "stripe", props: { mode: "test", enabledEvents: ["checkout.session.completed", "invoice.paid"] } },
      { module: "selgeo", type: "CommissionRule", name: "big", props: { ...live, type: "percentage", percentage: 150 } },
      { module: "selgeo", type: "CommissionRule", name: "flat", props: { ...live, type: "flat", flatAmount: 500 } },
      { module: "selgeo", type: "ProgramStatus", name: "program", props: { programId: "prog_1", programName: "Acme", status: "active" } },
    ]);
    expectMandatory(r, "selgeo-key-modes", /the Stripe webhook endpoint "stripe" is in test mode but the program "program" is in live mode/);
    expectMandatory(r, "selgeo-live-webhook-urls", /webhook endpoint "orders" \(http:\/\/hooks\.merchant\.example\/selgeo\): Live-mode webhook URLs must use https/);
    expectMandatory(r, "selgeo-stripe-events", /the Stripe webhook endpoint does not send charge\.refunded to Selgeo/);
    expectMandatory(r, "selgeo-commission-amounts", /commission rule "big": percentage is 150; a percentage commission is 0–100/);
    expect(r.text).toMatch(/commission rule "flat": a flat amount needs its currency/);
    expectMandatory(r, "selgeo-program-activation", /the program is set to go active but the stack is missing a Stripe integration \(selgeo:stripe\)/);
    expect(r.text).toMatch(/\[advisory\]\s+selgeo-recommended-events/);
  });
});
