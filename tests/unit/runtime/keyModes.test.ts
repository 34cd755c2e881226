import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { assertKeyMode, checkKeyMode, classifyKey, KeyModeError, maskKey, type KeyClass } from "../../../runtime/src/keyModes";

// Key-shaped values are assembled at run time: the repository never holds one (golive scan-keys).
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function randomAlnum(n: number): string {
  return Array.from(randomBytes(n), (b) => ALNUM[b % ALNUM.length]).join("");
}
const key = (kind: string, mode: string, body = randomAlnum(24)) => `${kind}_${mode}_${body}`;
const whsec = () => "whsec" + "_" + randomAlnum(32);
// Stripe's account-scoped keys: `51` + account and key material, 100+ characters in all.
const stripeLong = (kind: string, mode: string) => key(kind, mode, "51" + randomAlnum(97));

describe("classifyKey", () => {
  const cases: Array<[string, () => string, Omit<KeyClass, "prefix"> | undefined, { provider?: "selgeo" | "stripe" }?]> = [
    ["Selgeo publishable test", () => key("pk", "test"), { provider: "selgeo", kind: "publishable", mode: "test" }],
    ["Selgeo publishable live", () => key("pk", "live"), { provider: "selgeo", kind: "publishable", mode: "live" }],
    ["Selgeo secret test", () => key("sk", "test"), { provider: "selgeo", kind: "secret", mode: "test" }],
    ["Selgeo secret live", () => key("sk", "live"), { provider: "selgeo", kind: "secret", mode: "live" }],
    ["restricted test is Stripe's", () => key("rk", "test"), { provider: "stripe", kind: "restricted", mode: "test" }],
    ["restricted live is Stripe's", () => key("rk", "live"), { provider: "stripe", kind: "restricted", mode: "live" }],
    ["Stripe-shaped secret live", () => stripeLong("sk", "live"), { provider: "stripe", kind: "secret", mode: "live" }],
    ["Stripe-shaped publishable test", () => stripeLong("pk", "test"), { provider: "stripe", kind: "publishable", mode: "test" }],
    ["hinted Stripe secret test", () => key("sk", "test"), { provider: "stripe", kind: "secret", mode: "test" }, { provider: "stripe" }],
    ["webhook secret", () => whsec(), { provider: "selgeo", kind: "webhook_secret" }],
    ["Selgeo base64url webhook secret", () => "whsec" + "_" + randomBytes(32).toString("base64url"), { provider: "selgeo", kind: "webhook_secret" }],
    ["hinted Stripe webhook secret", () => whsec(), { provider: "stripe", kind: "webhook_secret" }, { provider: "stripe" }],
    ["empty", () => "", undefined],
    ["unknown prefix", () => key("xk", "test"), undefined],
    ["unknown mode", () => key("sk", "prod"), undefined],
    ["prefix only", () => key("sk", "test", ""), undefined],
    ["leading space", () => " " + key("sk", "live"), undefined],
    ["trailing newline", () => key("sk", "live") + "\n", undefined],
    ["a Secrets Manager reference", () => "awssm://selgeo-golive/live/selgeo#secret_key", undefined],
  ];
  it.each(cases)("%s", (_name, make, expected, opts) => {
    const value = make();
    const c = classifyKey(value, opts);
    if (!expected) {
      expect(c).toBeUndefined();
      return;
    }
    expect(c).toMatchObject(expected);
    if (!("mode" in expected)) expect(c!.mode).toBeUndefined();
    expect(value.startsWith(c!.prefix)).toBe(true);
    expect(c!.prefix.length).toBeLessThanOrEqual(8);
  });
});

describe("maskKey", () => {
  it.each([
    ["sk", "test"],
    ["sk", "live"],
    ["pk", "live"],
    ["rk", "test"],
  ])("%s_%s shows the prefix only", (kind, mode) => {
    expect(maskKey(key(kind, mode))).toBe(`${kind}_${mode}_…`);
  });
  it("shows nothing of a non-key", () => {
    expect(maskKey("hunter2-password")).toBe("(not a recognised key)");
  });
});

describe("checkKeyMode", () => {
  type Case = {
    name: string;
    value: () => string;
    expectedMode: "test" | "live";
    provider?: "selgeo" | "stripe";
    expectedKinds?: ("publishable" | "secret" | "restricted" | "webhook_secret")[];
    ok: boolean;
    mentions?: string[];
  };
  /** The check a live stack's Stripe secret key gets: a secret or restricted Stripe key. */
  const STRIPE_LIVE_SECRET: Pick<Case, "expectedMode" | "provider" | "expectedKinds"> = { expectedMode: "live", provider: "stripe", expectedKinds: ["secret", "restricted"] };
  const cases: Case[] = [
    { name: "live secret on live", value: () => key("sk", "live"), expectedMode: "live", ok: true },
    { name: "test secret on test", value: () => key("sk", "test"), expectedMode: "test", ok: true },
    { name: "live publishable on live", value: () => key("pk", "live"), expectedMode: "live", ok: true },
    {
      name: "test secret on live",
      value: () => key("sk", "test"),
      expectedMode: "live",
      ok: false,
      mentions: ["selgeo:secretKey", "sk_test_…", "sk_live_…", "test-mode", "the stack's mode is live", "Selgeo dashboard"],
    },
    {
      name: "test publishable on live",
      value: () => key("pk", "test"),
      expectedMode: "live",
      ok: false,
      mentions: ["pk_test_…", "pk_live_…"],
    },
    {
      name: "live secret on test suggests both fixes",
      value: () => key("sk", "live"),
      expectedMode: "test",
      ok: false,
      mentions: ["sk_test_…", "set the stack's mode to live"],
    },
    {
      name: "Stripe test key on live",
      value: () => stripeLong("sk", "test"),
      ...STRIPE_LIVE_SECRET,
      ok: false,
      mentions: ["Stripe", "Stripe dashboard", "sk_test_…", "sk_live_…"],
    },
    {
      name: "Stripe restricted live on live",
      value: () => key("rk", "live"),
      ...STRIPE_LIVE_SECRET,
      ok: true,
    },
    {
      name: "publishable key where a secret key belongs",
      value: () => key("pk", "live"),
      expectedMode: "live",
      expectedKinds: ["secret"],
      ok: false,
      mentions: ["publishable key", "pk_live_…", "needs sk_live_…"],
    },
    { name: "webhook secret fits either mode", value: () => whsec(), expectedMode: "live", expectedKinds: ["webhook_secret"], ok: true },
    { name: "not a key", value: () => "correct horse battery staple", expectedMode: "live", ok: false, mentions: ["is not a Selgeo key", "not shown"] },
    { name: "empty", value: () => "", expectedMode: "test", expectedKinds: ["secret"], ok: false, mentions: ["sk_test_…"] },
  ];
  it.each(cases)("$name", (c) => {
    const value = c.value();
    const configPath = c.provider === "stripe" ? "stripe:secretKey" : "selgeo:secretKey";
    const problem = checkKeyMode({ value, expectedMode: c.expectedMode, configPath, provider: c.provider, expectedKinds: c.expectedKinds });
    if (c.ok) {
      expect(problem).toBeUndefined();
      return;
    }
    expect(problem).toBeDefined();
    expect(problem!.startsWith(`${configPath}: `)).toBe(true);
    for (const m of c.mentions ?? []) expect(problem).toContain(m);
    // Never the key: no more of it than its prefix (at most 8 characters).
    if (value.length > 8) expect(problem).not.toContain(value.slice(0, 9));
    if (value) expect(problem).not.toContain(value.slice(-6));
  });

  it("assertKeyMode throws a KeyModeError carrying the config path", () => {
    const value = key("sk", "test");
    let caught: unknown;
    try {
      assertKeyMode({ value, expectedMode: "live", configPath: "selgeo:secretKey" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(KeyModeError);
    expect((caught as KeyModeError).configPath).toBe("selgeo:secretKey");
    expect(String((caught as Error).message)).not.toContain(value.slice(8));
    expect(() => assertKeyMode({ value: key("sk", "live"), expectedMode: "live", configPath: "x" })).not.toThrow();
  });
});
