/**
 * Generated secrets against a real moto server: idempotent writes, new versions, read-back, drift
 * detection and deletion.
 */
import { ListSecretVersionIdsCommand, PutSecretValueCommand, DescribeSecretCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkGeneratedSecretDrift,
  clientRequestTokenFor,
  deleteGeneratedSecret,
  describeGeneratedSecret,
  fingerprint,
  MANAGED_TAG_KEY,
  readGeneratedSecret,
  SecretsError,
  writeGeneratedSecret,
} from "../../../../runtime/src/secrets";
import { fakeWhsec, uniqueName, useMoto } from "./helpers";

const moto = useMoto();
let client: SecretsManagerClient;
beforeAll(() => {
  client = moto.client;
});

async function versionIds(arn: string): Promise<string[]> {
  const out = await client.send(new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }));
  return (out.Versions ?? []).map((v) => v.VersionId!).sort();
}

describe("writeGeneratedSecret", () => {
  it("creates the secret once: a retry with the same token adds no version", async () => {
    const name = uniqueName("same-token");
    const value = fakeWhsec();
    const first = await writeGeneratedSecret({ client, name, value, clientRequestToken: "golive-abc123", description: "signing secret", tags: { stack: "contract" } });
    const again = await writeGeneratedSecret({ client, name, value, clientRequestToken: "golive-abc123", description: "signing secret", tags: { stack: "contract" } });
    expect(again).toEqual(first);
    expect(first.arn).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:selgeo-golive\/contract\/same-token\//);
    expect(first.versionId).toBe(clientRequestTokenFor("golive-abc123"));
    expect(first.fingerprint).toBe(fingerprint(value));
    expect(await versionIds(first.arn)).toEqual([first.versionId]);

    const d = await client.send(new DescribeSecretCommand({ SecretId: first.arn }));
    expect(d.Description).toBe("signing secret");
    expect(Object.fromEntries((d.Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual({ stack: "contract", [MANAGED_TAG_KEY]: "true" });
  });

  it("a new token writes a new current version; both read back by version", async () => {
    const name = uniqueName("new-token");
    const v1 = fakeWhsec();
    const v2 = fakeWhsec();
    const w1 = await writeGeneratedSecret({ client, name, value: v1, clientRequestToken: "key-1" });
    const w2 = await writeGeneratedSecret({ client, name, value: v2, clientRequestToken: "key-2" });
    expect(w2.arn).toBe(w1.arn);
    expect(w2.versionId).not.toBe(w1.versionId);
    expect(await versionIds(w1.arn)).toEqual([w1.versionId, w2.versionId].sort());
    // A retry of the second write changes nothing either.
    expect(await writeGeneratedSecret({ client, name, value: v2, clientRequestToken: "key-2" })).toEqual(w2);
    expect(await versionIds(w1.arn)).toHaveLength(2);

    expect(await readGeneratedSecret({ client, arn: w1.arn })).toEqual({ value: v2, versionId: w2.versionId, fingerprint: fingerprint(v2) });
    expect(await readGeneratedSecret({ client, arn: w1.arn, versionId: w1.versionId })).toEqual({
      value: v1,
      versionId: w1.versionId,
      fingerprint: fingerprint(v1),
    });
    expect((await describeGeneratedSecret(w1.arn, { client })).currentVersionId).toBe(w2.versionId);
  });

  it("refuses the same token with a different value, without echoing either value", async () => {
    const name = uniqueName("conflict");
    const v1 = fakeWhsec();
    const v2 = fakeWhsec();
    await writeGeneratedSecret({ client, name, value: v1, clientRequestToken: "key-x" });
    const err = await writeGeneratedSecret({ client, name, value: v2, clientRequestToken: "key-x" }).catch((e) => e);
    expect(err).toBeInstanceOf(SecretsError);
    expect(err.code).toBe("idempotency_conflict");
    expect(err.message).toContain(name);
    expect(err.message).not.toContain(v1.slice(6));
    expect(err.message).not.toContain(v2.slice(6));
  });

  it("restores a secret scheduled for deletion and writes the new version", async () => {
    const name = uniqueName("restore");
    const w1 = await writeGeneratedSecret({ client, name, value: fakeWhsec(), clientRequestToken: "k1" });
    await deleteGeneratedSecret(w1.arn, { client, recoveryWindowDays: 7 });
    const v2 = fakeWhsec();
    const w2 = await writeGeneratedSecret({ client, name, value: v2, clientRequestToken: "k2" });
    expect(w2.arn).toBe(w1.arn);
    const d = await describeGeneratedSecret(w2.arn, { client });
    expect(d).toMatchObject({ exists: true, deleted: false, currentVersionId: w2.versionId });
    expect((await readGeneratedSecret({ client, arn: w2.arn })).value).toBe(v2);
  });

  it("rejects an empty value and an empty idempotency key", async () => {
    await expect(writeGeneratedSecret({ client, name: uniqueName("empty"), value: "", clientRequestToken: "k" })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    await expect(writeGeneratedSecret({ client, name: uniqueName("empty"), value: fakeWhsec(), clientRequestToken: "" })).rejects.toMatchObject({
      code: "invalid_argument",
    });
  });
});

describe("drift detection and deletion", () => {
  it("describes a live secret, notices a value changed outside, and a value put back unchanged", async () => {
    const name = uniqueName("drift");
    const value = fakeWhsec();
    const w = await writeGeneratedSecret({ client, name, value, clientRequestToken: "drift-1" });
    expect(await describeGeneratedSecret(w.arn, { client })).toMatchObject({ exists: true, deleted: false, currentVersionId: w.versionId, arn: w.arn, name });
    expect(await checkGeneratedSecretDrift(w, { client })).toEqual({ status: "in_sync", currentVersionId: w.versionId, currentFingerprint: w.fingerprint });

    // Someone rotates it in the console.
    const other = fakeWhsec();
    const put = await client.send(new PutSecretValueCommand({ SecretId: w.arn, SecretString: other }));
    expect(await checkGeneratedSecretDrift(w, { client })).toEqual({ status: "changed", currentVersionId: put.VersionId, currentFingerprint: fingerprint(other) });

    // ... and puts the original back: a new version, the same value.
    const back = await client.send(new PutSecretValueCommand({ SecretId: w.arn, SecretString: value }));
    expect(await checkGeneratedSecretDrift(w, { client })).toEqual({ status: "in_sync", currentVersionId: back.VersionId, currentFingerprint: w.fingerprint });
  });

  it("a deleted secret shows as deleted, then missing once purged; deleting again is not an error", async () => {
    const name = uniqueName("delete");
    const w = await writeGeneratedSecret({ client, name, value: fakeWhsec(), clientRequestToken: "del-1" });
    const scheduled = await deleteGeneratedSecret(w.arn, { client, recoveryWindowDays: 7 });
    expect(scheduled.alreadyDeleted).toBe(false);
    expect(scheduled.deletionDate!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const d = await describeGeneratedSecret(w.arn, { client });
    expect(d).toMatchObject({ exists: true, deleted: true });
    expect(d.deletionDate).toBeInstanceOf(Date);
    expect(await checkGeneratedSecretDrift(w, { client })).toMatchObject({ status: "deleted" });
    // Reading a deleted secret says so, without a value.
    await expect(readGeneratedSecret({ client, arn: w.arn })).rejects.toMatchObject({ code: "deleted" });
    expect(await deleteGeneratedSecret(w.arn, { client, recoveryWindowDays: 7 })).toEqual({ alreadyDeleted: true });

    await deleteGeneratedSecret(w.arn, { client, recoveryWindowDays: 0 });
    expect(await describeGeneratedSecret(w.arn, { client })).toEqual({ exists: false, deleted: true });
    expect(await checkGeneratedSecretDrift(w, { client })).toEqual({ status: "missing" });
    expect(await deleteGeneratedSecret(w.arn, { client, recoveryWindowDays: 0 })).toMatchObject({ alreadyDeleted: expect.any(Boolean) });
    await expect(readGeneratedSecret({ client, arn: w.arn })).rejects.toMatchObject({ code: "not_found" });
  });

  it("validates the recovery window", async () => {
    for (const days of [1, 6, 31, -1, 2.5]) {
      await expect(deleteGeneratedSecret("arn:whatever", { client, recoveryWindowDays: days })).rejects.toMatchObject({ code: "invalid_argument" });
    }
  });

  it("describes a secret that never existed as missing", async () => {
    expect(await describeGeneratedSecret(uniqueName("never"), { client })).toEqual({ exists: false, deleted: true });
  });
});
