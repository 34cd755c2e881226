/**
 * The review diff a merchant reads before going live: `pulumi preview --diff` of a realistic live
 * config, compared with a golden file (ids, ports, paths and times normalised). Regenerate with
 * UPDATE_GOLDEN=1 after an intended change, and read the diff of the golden file in review.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { expect, it } from "vitest";
import { useRehearsal } from "./helpers/rehearsal";

const GOLDEN = path.join(__dirname, "__golden__", "live-preview.txt");

const rig = useRehearsal(
  {
    before: async ({ moto, sandbox }) => {
      await new SecretsManagerClient(moto.clientConfig).send(
        new CreateSecretCommand({ Name: "selgeo-golive/live/keys", SecretString: JSON.stringify({ selgeo_secret_key: sandbox.info.keys.live.sk }) }),
      );
    },
  },
  120_000,
);

/**
 * Everything that changes between runs but not between reviews: ports, times, and the order in
 * which the engine finished checking resources (parallel), so resource blocks are sorted by URN.
 */
function normalise(text: string): string {
  const lines = text
    .replace(/http:\/\/127\.0\.0\.1:\d+/g, "http://127.0.0.1:<port>")
    .replace(/Duration: .*$/gm, "Duration: <t>")
    // The CLI's heartbeat while a slow preview runs: present or not depending on the machine's load.
    .replace(/^@ previewing update\.*[ \t]*\n/gm, "")
    .replace(/[ \t]+$/gm, "")
    .trim()
    .split("\n");
  const isResource = (l: string) => /^ {4}[+~-] pulumi-nodejs:/.test(l);
  const first = lines.findIndex(isResource);
  const end = lines.findIndex((l, i) => i > first && /^ {4}--outputs:--|^Resources:/.test(l));
  if (first < 0 || end < 0) return lines.join("\n");
  const blocks: string[][] = [];
  for (const l of lines.slice(first, end)) {
    if (isResource(l)) blocks.push([l]);
    else blocks[blocks.length - 1].push(l);
  }
  blocks.sort((a, b) => (a[1] ?? "").localeCompare(b[1] ?? ""));
  return [...lines.slice(0, first), ...blocks.flat(), ...lines.slice(end)].join("\n");
}

it("the live preview reads as a review diff", { timeout: 180_000 }, async () => {
  const ws = await rig.workspace(
    "live",
    {
      "selgeo:mode": "live",
      "selgeo:apiUrl": rig.sandbox.url,
      "selgeo:secretKey": "awssm://selgeo-golive/live/keys#selgeo_secret_key",
      "selgeo:publishableKey": "pk_live_" + "X".repeat(24),
      "selgeo:aws": { region: "us-east-1", recoveryWindowDays: 30 },
      "selgeo:webhookEndpoints": {
        orders: {
          url: "https://hooks.merchant.example/selgeo",
          description: "order system",
          events: ["conversion.created", "commission.created", "conversion.fraud_detected", "participant.approved"],
        },
        finance: {
          url: "https://finance.merchant.example/selgeo/webhooks",
          description: "commission ledger",
          events: ["commission.created", "commission.approved", "commission.refunded"],
        },
      },
      "selgeo:commissionRules": {
        standard: { type: "percentage", percentage: 20, basis: "gross", holdPeriodDays: 30, recurringMonths: 12 },
        launch: { type: "flat", flatAmount: 1500, currency: "usd", appliesTo: ["checkout.session.completed"] },
      },
      "selgeo:program": { name: "Acme Partners", description: "Earn 20% for a year", status: "draft" },
    },
    { keys: [] },
  );
  const r = await ws.mustRun(["preview", "--diff"]);
  const got = normalise(r.stdout);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(path.dirname(GOLDEN), { recursive: true });
    writeFileSync(GOLDEN, got + "\n");
  }
  expect(got).toBe(readFileSync(GOLDEN, "utf8").trim());
  // What a reviewer must be able to see in it.
  for (const s of ["selgeo:WebhookEndpoint: (create)", "https://hooks.merchant.example/selgeo", "percentage", "selgeo:ProgramStatus: (create)", "selgeo:GoLiveVerification: (create)"]) {
    expect(got).toContain(s);
  }
  expect(got).not.toMatch(/sk_live_|whsec_/);
});
