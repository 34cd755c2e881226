/**
 * The committed Pulumi.live.yaml is what a merchant starts from: it must validate as a live config,
 * and hold references only.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../../config/schema";

describe("Pulumi.live.yaml", () => {
  const file = readFileSync(path.resolve(__dirname, "../../../Pulumi.live.yaml"), "utf8");
  const cfg = (load(file) as { config: Record<string, unknown> }).config;

  it("is a valid live config", () => {
    const parsed = parseStackConfig(
      {
        mode: cfg["selgeo:mode"],
        apiUrl: cfg["selgeo:apiUrl"],
        secretKey: cfg["selgeo:secretKey"] as string,
        stripeSecretKey: cfg["selgeo:stripeSecretKey"] as string,
        webhookEndpoints: cfg["selgeo:webhookEndpoints"],
        stripe: cfg["selgeo:stripe"],
        program: cfg["selgeo:program"],
        commissionRules: cfg["selgeo:commissionRules"],
        aws: cfg["selgeo:aws"],
      },
      {},
    );
    expect(parsed.mode).toBe("live");
    expect(parsed.program?.status).toBe("active");
  });

  it("holds references, never a key or a signing secret", () => {
    expect(cfg["selgeo:secretKey"]).toMatch(/^awssm:\/\//);
    expect(cfg["selgeo:stripeSecretKey"]).toMatch(/^awssm:\/\//);
    expect(file).not.toMatch(/(sk|rk|pk)_(test|live)_[A-Za-z0-9]{8,}|whsec_[A-Za-z0-9]{8,}/);
  });
});

describe("Pulumi.sandbox.yaml", () => {
  const file = readFileSync(path.resolve(__dirname, "../../../Pulumi.sandbox.yaml"), "utf8");
  const cfg = (load(file) as { config: Record<string, unknown> }).config;

  it("is a valid test config once the sandbox's key is in the environment, and holds no key", () => {
    const parsed = parseStackConfig(
      {
        mode: cfg["selgeo:mode"],
        apiUrl: cfg["selgeo:apiUrl"],
        webhookEndpoints: cfg["selgeo:webhookEndpoints"],
        stripe: cfg["selgeo:stripe"],
        program: cfg["selgeo:program"],
        commissionRules: cfg["selgeo:commissionRules"],
        aws: cfg["selgeo:aws"],
      },
      { SELGEO_SECRET_KEY: "sk_test_" + "fake".repeat(6), STRIPE_SECRET_KEY: "sk_test_" + "fake".repeat(6) },
    );
    expect(parsed.mode).toBe("test");
    expect(file).not.toMatch(/(sk|rk|pk)_(test|live)_[A-Za-z0-9]{8,}|whsec_[A-Za-z0-9]{8,}/);
  });
});
