/**
 * Reference parsing, secret names, request tokens and fingerprints: the pure half of the Secrets
 * Manager layer (no server needed).
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fingerprint as webhookFingerprint } from "../../../../runtime/src/resources/webhookEndpoint";
import {
  clientRequestTokenFor,
  fingerprint,
  formatSecretReference,
  isSecretReference,
  parseSecretReference,
  SecretReferenceSchema,
  secretNameFor,
  SecretsError,
  secretsEndpointFromEnv,
  secretsRegion,
} from "../../../../runtime/src/secrets";
import { fakeSecretKey } from "./helpers";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:selgeo-golive/live/selgeo-AbCdEf";

describe("parseSecretReference", () => {
  it.each([
    ["awssm://selgeo-golive/live/selgeo", { secretId: "selgeo-golive/live/selgeo" }],
    ["awssm://selgeo-golive/live/selgeo#secret_key", { secretId: "selgeo-golive/live/selgeo", field: "secret_key" }],
    [`awssm://${ARN}#secret_key`, { secretId: ARN, field: "secret_key", region: "eu-west-1" }],
    [{ secretId: "a/b" }, { secretId: "a/b" }],
    [{ secretId: "a/b", field: "k", region: "ap-southeast-2" }, { secretId: "a/b", field: "k", region: "ap-southeast-2" }],
    [{ secretId: ARN }, { secretId: ARN, region: "eu-west-1" }],
    ['{"secretId":"a/b","field":"k"}', { secretId: "a/b", field: "k" }],
  ])("%j", (input, expected) => {
    expect(parseSecretReference(input, "selgeo:secretKey")).toEqual(expected);
    expect(SecretReferenceSchema.parse(input)).toEqual(expected);
  });

  it.each([
    ["a literal key", () => fakeSecretKey("live"), "selgeo:secretKey: is not a Secrets Manager reference"],
    ["no secret", () => "awssm://", "selgeo:secretKey: names no secret"],
    ["empty field", () => "awssm://a/b#", 'selgeo:secretKey: has an empty #field'],
    ["bad characters", () => "awssm://a b", "selgeo:secretKey: the secret id after awssm:// is not a secret name"],
    ["a malformed ARN", () => "awssm://arn:aws:secretsmanager:nowhere:1:secret:x", "is not a secret name"],
    ["unknown keys", () => ({ secretId: "a", key: "x" }), 'selgeo:secretKey: unknown key(s) "key"; allowed: secretId, field, region'],
    ["no secretId", () => ({ field: "x" }), "selgeo:secretKey.secretId: secretId is required"],
    ["bad region", () => ({ secretId: "a", region: "Europe" }), "selgeo:secretKey.region: region must be an AWS region"],
    ["contradicting region", () => ({ secretId: ARN, region: "us-east-1" }), 'selgeo:secretKey.region: region "us-east-1" contradicts'],
    ["a number", () => 42, "selgeo:secretKey: must be a Secrets Manager reference"],
    ["null", () => null, "selgeo:secretKey: must be a Secrets Manager reference"],
    ["an array", () => ["awssm://a"], "selgeo:secretKey: must be a Secrets Manager reference"],
    ["broken JSON", () => '{"secretId": ', "selgeo:secretKey: is not valid JSON"],
  ])("rejects %s with a message naming the config path", (_name, make, message) => {
    const input = make();
    let caught: unknown;
    try {
      parseSecretReference(input, "selgeo:secretKey");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SecretsError);
    expect((caught as SecretsError).code).toBe("invalid_reference");
    expect((caught as Error).message).toContain(message);
    if (_name === "a literal key") expect((caught as Error).message).not.toContain((input as string).slice(8));
  });

  it("tells references from literal values", () => {
    expect(isSecretReference("awssm://a")).toBe(true);
    expect(isSecretReference({ secretId: "a" })).toBe(true);
    expect(isSecretReference(fakeSecretKey("test"))).toBe(false);
    expect(isSecretReference(undefined)).toBe(false);
  });

  it("formats back to the string form", () => {
    expect(formatSecretReference({ secretId: "a/b", field: "k" })).toBe("awssm://a/b#k");
    expect(formatSecretReference({ secretId: "a/b", region: "eu-west-1" })).toBe("awssm://a/b");
  });
});

describe("client settings from the environment", () => {
  it("prefers SELGEO_AWS_ENDPOINT_URL, then the AWS SDK variables", () => {
    expect(secretsEndpointFromEnv({})).toBeUndefined();
    expect(secretsEndpointFromEnv({ AWS_ENDPOINT_URL: "http://c" })).toBe("http://c");
    expect(secretsEndpointFromEnv({ AWS_ENDPOINT_URL: "http://c", AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://b" })).toBe("http://b");
    expect(secretsEndpointFromEnv({ AWS_ENDPOINT_URL: "http://c", AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://b", SELGEO_AWS_ENDPOINT_URL: "http://a" })).toBe("http://a");
  });
  it("takes the region from the reference, else AWS_REGION, else us-east-1", () => {
    expect(secretsRegion("eu-west-1", { AWS_REGION: "us-west-2" })).toBe("eu-west-1");
    expect(secretsRegion(undefined, { AWS_REGION: "us-west-2" })).toBe("us-west-2");
    expect(secretsRegion(undefined, { AWS_DEFAULT_REGION: "ca-central-1" })).toBe("ca-central-1");
    expect(secretsRegion(undefined, {})).toBe("us-east-1");
  });
});

describe("secretNameFor", () => {
  it("builds selgeo-golive/<stack>/<kind>/<name>", () => {
    expect(secretNameFor({ stack: "live", kind: "webhook-endpoint", name: "orders" })).toBe("selgeo-golive/live/webhook-endpoint/orders");
    expect(secretNameFor({ project: "acme-shop", stack: "live", kind: "stripe-webhook", name: "main" })).toBe("acme-shop/live/stripe-webhook/main");
  });
  it("sanitises parts and keeps four levels", () => {
    expect(secretNameFor({ stack: "dev stack", kind: "webhook endpoint", name: "a/b:c" })).toBe("selgeo-golive/dev-stack/webhook-endpoint/a-b-c");
  });
  it("avoids names that look like an ARN suffix", () => {
    expect(secretNameFor({ stack: "live", kind: "k", name: "my-orders" })).toBe("selgeo-golive/live/k/my-orders_");
  });
  it("rejects empty parts", () => {
    expect(() => secretNameFor({ stack: "", kind: "k", name: "n" })).toThrow(/stack must not be empty/);
  });
});

describe("clientRequestTokenFor", () => {
  it("is a deterministic, UUID-shaped token of 36 characters", () => {
    const t = clientRequestTokenFor("golive-0123456789abcdef0123456789abcdef");
    expect(t).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(t).toHaveLength(36);
    expect(clientRequestTokenFor("golive-0123456789abcdef0123456789abcdef")).toBe(t);
    expect(clientRequestTokenFor("golive-0123456789abcdef0123456789abcdee")).not.toBe(t);
    expect(clientRequestTokenFor("x")).toHaveLength(36);
  });
});

describe("fingerprint", () => {
  it("is sha256: + 12 hex and equals the WebhookEndpoint provider's", () => {
    for (const v of ["whsec" + "_" + "abc", "", "Café ☕"]) {
      expect(fingerprint(v)).toBe("sha256:" + createHash("sha256").update(v).digest("hex").slice(0, 12));
      expect(fingerprint(v)).toBe(webhookFingerprint(v));
    }
  });
});
