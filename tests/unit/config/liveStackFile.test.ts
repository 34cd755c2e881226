/**
 * The committed Pulumi.live.yaml is what a merchant starts from: merged with the shared declaration
 * in Pulumi.yaml it must validate as a live config, and hold references only.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { readEffectiveDeclaration } from "../../../config/declaration";
import { parseStackConfig, type RawStackConfig } from "../../../config/schema";
import { withDefaults } from "../../../config/stackDiff";

const ROOT = path.resolve(__dirname, "../../..");

/** A stack's effective declaration as the program hands it to parseStackConfig: every `selgeo:<field>` under its field, every key in configKeys. */
function rawStackConfig(values: Record<string, unknown>): RawStackConfig {
  const raw: Record<string, unknown> = { configKeys: Object.keys(values) };
  for (const [key, value] of Object.entries(values)) raw[key.slice("selgeo:".length)] = value;
  return raw;
}

describe("Pulumi.live.yaml", () => {
  const file = readFileSync(path.resolve(__dirname, "../../../Pulumi.live.yaml"), "utf8");
  const cfg = readEffectiveDeclaration(ROOT, "live").values;

  it("is a valid live config", () => {
    const parsed = parseStackConfig(rawStackConfig(cfg), {});
    expect(parsed.mode).toBe("live");
    expect(parsed.program?.status).toBe("active");
  });

  it("holds references, never a key or a signing secret", () => {
    const own = (load(file) as { config: Record<string, unknown> }).config;
    expect(own["selgeo:secretKey"]).toMatch(/^awssm:\/\//);
    expect(cfg["selgeo:secretKey"]).toMatch(/^awssm:\/\//);
    expect(cfg["selgeo:stripeSecretKey"]).toMatch(/^awssm:\/\//);
    expect(file).not.toMatch(/(sk|rk|pk)_(test|live)_[A-Za-z0-9]{8,}|whsec_[A-Za-z0-9]{8,}/);
  });
});

describe("Pulumi.sandbox.yaml", () => {
  const file = readFileSync(path.resolve(__dirname, "../../../Pulumi.sandbox.yaml"), "utf8");
  const cfg = readEffectiveDeclaration(ROOT, "sandbox").values;

  it("is a valid test config once the sandbox's key is in the environment, and holds no key", () => {
    const parsed = parseStackConfig(rawStackConfig(cfg), { SELGEO_SECRET_KEY: "sk_test_" + "fake".repeat(6), STRIPE_SECRET_KEY: "sk_test_" + "fake".repeat(6) });
    expect(parsed.mode).toBe("test");
    expect(file).not.toMatch(/(sk|rk|pk)_(test|live)_[A-Za-z0-9]{8,}|whsec_[A-Za-z0-9]{8,}/);
  });
});

/**
 * What each stack file declared on its own before the shared declaration moved to Pulumi.yaml: the
 * merge must give every stack exactly that (defaults filled in, which is what its resources get).
 */
const BEFORE_THE_SPLIT: Record<string, Record<string, unknown>> = {
  live: {
    "selgeo:mode": "live",
    "selgeo:apiUrl": "https://api.selgeo.example",
    "selgeo:secretKey": "awssm://selgeo-golive/live/keys#selgeo_secret_key",
    "selgeo:stripeSecretKey": "awssm://selgeo-golive/live/keys#stripe_secret_key",
    "selgeo:aws": { region: "us-east-1", kmsKeyId: "alias/selgeo-golive", recoveryWindowDays: 30 },
    "selgeo:webhookEndpoints": {
      orders: {
        url: "https://hooks.merchant.example/selgeo",
        description: "order system",
        events: ["conversion.created", "commission.created", "conversion.fraud_detected", "participant.approved"],
        secretRotation: 0,
        rotationOverlapHours: 24,
      },
      finance: {
        url: "https://finance.merchant.example/selgeo/webhooks",
        description: "commission ledger",
        events: ["commission.created", "commission.approved", "commission.refunded"],
      },
    },
    "selgeo:stripe": {},
    "selgeo:commissionRules": {
      standard: { type: "percentage", percentage: 20, basis: "gross", holdPeriodDays: 30, autoApprove: false, recurringMonths: 12 },
    },
    "selgeo:program": { name: "Acme Partners", description: "Earn 20% of every subscription you refer, for a year.", status: "active" },
  },
  sandbox: {
    "selgeo:mode": "test",
    "selgeo:apiUrl": "http://127.0.0.1:4010",
    "selgeo:stripeApiUrl": "http://127.0.0.1:4011",
    "selgeo:aws": { region: "us-east-1", recoveryWindowDays: 0 },
    "selgeo:webhookEndpoints": {
      orders: {
        url: "http://127.0.0.1:4040/selgeo/webhooks",
        description: "order system (rehearsal)",
        events: ["conversion.created", "commission.created", "commission.refunded", "conversion.fraud_detected", "participant.approved"],
      },
    },
    "selgeo:stripe": {},
    "selgeo:commissionRules": { standard: { type: "percentage", percentage: 20, holdPeriodDays: 30, recurringMonths: 12 } },
    "selgeo:program": { name: "Acme Partners (rehearsal)", status: "active" },
  },
};

describe("the stacks' effective declarations", () => {
  it.each(Object.keys(BEFORE_THE_SPLIT))("%s: Pulumi.yaml merged with its stack file declares what the stack file alone did", (stack) => {
    expect(withDefaults(readEffectiveDeclaration(ROOT, stack).values)).toEqual(withDefaults(BEFORE_THE_SPLIT[stack]));
  });
});
