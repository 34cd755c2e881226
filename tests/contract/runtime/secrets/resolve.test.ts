/**
 * Resolving stack-config references against a real moto server, through the same path a provider
 * process takes: the endpoint and credentials come from the environment (SELGEO_AWS_ENDPOINT_URL,
 * AWS_*), the client from the shared per-process cache.
 */
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetSecretsClients, resolveSecretReference, SecretsError, secretsManagerClient } from "../../../../runtime/src/secrets";
import { fakeSecretKey, uniqueName, useMoto } from "./helpers";

const moto = useMoto();
const savedEnv: Record<string, string | undefined> = {};

let plainName: string;
let plainValue: string;
let jsonName: string;
let jsonArn: string;
let jsonDoc: Record<string, unknown>;

beforeAll(async () => {
  // This worker process now looks like a provider process pointed at moto.
  for (const [k, v] of Object.entries(moto.env)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  resetSecretsClients();

  plainName = uniqueName("plain");
  plainValue = fakeSecretKey("live");
  await moto.client.send(new CreateSecretCommand({ Name: plainName, SecretString: plainValue }));

  jsonName = uniqueName("json");
  jsonDoc = { secret_key: fakeSecretKey("live"), stripe_secret_key: fakeSecretKey("live"), retries: 3, nested: { a: 1 } };
  jsonArn = (await moto.client.send(new CreateSecretCommand({ Name: jsonName, SecretString: JSON.stringify(jsonDoc) }))).ARN!;
});

afterAll(async () => {
  resetSecretsClients();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** Asserts that no secret value used in this file appears in `text`. */
function expectNoValues(text: string): void {
  for (const v of [plainValue, jsonDoc.secret_key as string, jsonDoc.stripe_secret_key as string]) {
    expect(text).not.toContain(v);
    expect(text).not.toContain(v.slice(8));
  }
}

describe("resolveSecretReference", () => {
  it("resolves a plain secret by name (string form)", async () => {
    expect(await resolveSecretReference(`awssm://${plainName}`)).toBe(plainValue);
  });

  it("resolves a JSON field by name and by ARN (string and object forms)", async () => {
    expect(await resolveSecretReference(`awssm://${jsonName}#secret_key`)).toBe(jsonDoc.secret_key);
    expect(await resolveSecretReference({ secretId: jsonArn, field: "stripe_secret_key" })).toBe(jsonDoc.stripe_secret_key);
    expect(await resolveSecretReference(`awssm://${jsonArn}#secret_key`)).toBe(jsonDoc.secret_key);
    expect(await resolveSecretReference({ secretId: jsonName, field: "retries", region: "us-east-1" })).toBe("3");
  });

  it("uses one shared client per region and endpoint", () => {
    expect(secretsManagerClient()).toBe(secretsManagerClient({ region: "us-east-1" }));
    expect(secretsManagerClient({ region: "eu-west-1" })).not.toBe(secretsManagerClient());
    expect(secretsManagerClient({ endpoint: "http://127.0.0.1:1" })).not.toBe(secretsManagerClient());
  });

  it("a missing field names the secret, the field and the fields there are, never a value", async () => {
    const err = await resolveSecretReference(`awssm://${jsonName}#secretKey`, { configPath: "selgeo:secretKey" }).catch((e) => e);
    expect(err).toBeInstanceOf(SecretsError);
    expect(err.code).toBe("field_missing");
    expect(err.message).toContain("selgeo:secretKey");
    expect(err.message).toContain(jsonName);
    expect(err.message).toContain('"secretKey"');
    expect(err.message).toContain('"secret_key"');
    expectNoValues(err.message);
    expectNoValues(String(err.stack));
  });

  it("a field of a secret that is not JSON is an error that does not quote the secret", async () => {
    const err = await resolveSecretReference(`awssm://${plainName}#secret_key`, { configPath: "selgeo:secretKey" }).catch((e) => e);
    expect(err.code).toBe("not_json");
    expect(err.message).toContain(plainName);
    expectNoValues(err.message);
  });

  it("a field holding an object is refused", async () => {
    await expect(resolveSecretReference(`awssm://${jsonName}#nested`)).rejects.toMatchObject({ code: "field_not_string" });
  });

  it("a missing secret names the secret and the config path", async () => {
    const name = uniqueName("absent");
    const err = await resolveSecretReference(`awssm://${name}`, { configPath: "stripe:secretKey" }).catch((e) => e);
    expect(err.code).toBe("not_found");
    expect(err.message).toMatch(new RegExp(`^stripe:secretKey: secret "${name.replace(/\//g, "\\/")}" was not found`));
  });

  it("a secret scheduled for deletion says how to restore it", async () => {
    const name = uniqueName("deleted");
    await moto.client.send(new CreateSecretCommand({ Name: name, SecretString: fakeSecretKey("live") }));
    await moto.client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    const err = await resolveSecretReference(`awssm://${name}`).catch((e) => e);
    expect(err.code).toBe("deleted");
    expect(err.message).toContain("restore-secret");
  });

  it("an invalid reference fails before any request, naming the config path", async () => {
    const key = fakeSecretKey("live");
    const err = await resolveSecretReference(key, { configPath: "selgeo:secretKey" }).catch((e) => e);
    expect(err.code).toBe("invalid_reference");
    expect(err.message).toMatch(/^selgeo:secretKey: is not a Secrets Manager reference/);
    expect(err.message).not.toContain(key.slice(8));
  });

  it("an explicit client and endpoint override win over the environment", async () => {
    expect(await resolveSecretReference(`awssm://${plainName}`, { client: moto.client })).toBe(plainValue);
    const err = await resolveSecretReference(`awssm://${plainName}`, {
      endpoint: "http://127.0.0.1:9",
      credentials: moto.credentials,
      configPath: "selgeo:secretKey",
    }).catch((e) => e);
    expect(err).toBeInstanceOf(SecretsError);
    expect(err.code).toBe("aws_error");
    expect(err.message).toContain(plainName);
  }, 60_000);
});
