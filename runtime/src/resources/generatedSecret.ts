/**
 * What the providers do with a signing secret they are handed (a Selgeo or Stripe `whsec_`): write
 * it to AWS Secrets Manager at once and keep only `{arn, versionId, fingerprint}` in state, then, on
 * refresh, tell whether Selgeo/Stripe or Secrets Manager changed behind Pulumi's back.
 */
import { awsSettings } from "../providerSettings";
import { checkGeneratedSecretDrift, deleteGeneratedSecret, describeGeneratedSecret, fingerprint as fingerprintOf, secretNameFor, writeGeneratedSecret } from "../secrets";

/** What state keeps about a signing secret. */
export interface StoredSecret {
  /** Secrets Manager ARN of the `whsec_` (the value itself never enters state); empty when the secret is not known (an adopted object). */
  secretArn: string;
  secretVersionId: string;
  /** `sha256:<12 hex>` of the value. */
  secretFingerprint: string;
}

/**
 * How the secret compares with what state recorded:
 * - `in_sync`: Secrets Manager holds the value the API signs with;
 * - `adopted`: an adopted object whose secret was never revealed to us (nothing stored);
 * - `rotated_outside_pulumi`: the API signs with a secret we never saw;
 * - `changed_in_secrets_manager` / `deleted_from_secrets_manager` / `missing_from_secrets_manager`.
 * Anything but `in_sync`/`adopted` is drift; `pulumi up` repairs it by rotating to a fresh secret.
 */
export type SecretState =
  | "in_sync"
  | "adopted"
  | "rotated_outside_pulumi"
  | "changed_in_secrets_manager"
  | "deleted_from_secrets_manager"
  | "missing_from_secrets_manager";

/** `<project>/<stack>/<name>` → the Secrets Manager name for one kind of secret. */
export function secretNameForResource(resourceKey: string, kind: string): string {
  const [project, stack, ...rest] = resourceKey.split("/");
  return secretNameFor({ project, stack: stack ?? "stack", kind, name: rest.join("-") || "default" });
}

/**
 * Writes a freshly revealed secret. The write is keyed on the owning object and the value, so a
 * rerun after a crash rewrites the same version instead of adding one.
 */
export async function storeSecret(resourceKey: string, kind: string, ownerId: string, value: string): Promise<StoredSecret> {
  const aws = awsSettings();
  const written = await writeGeneratedSecret({
    name: secretNameForResource(resourceKey, kind),
    value,
    description: `Signing secret of ${kind} ${ownerId}, written by selgeo-golive (${resourceKey}). Do not edit by hand.`,
    tags: { "selgeo-golive:resource": resourceKey, "selgeo-golive:owner": ownerId },
    kmsKeyId: aws.kmsKeyId,
    region: aws.region,
    clientRequestToken: `${kind}:${ownerId}:${fingerprintOf(value)}`,
  });
  return { secretArn: written.arn, secretVersionId: written.versionId, secretFingerprint: written.fingerprint };
}

/** The Secrets Manager side of drift: the recorded version still current and unchanged? */
export async function secretsManagerState(stored: Partial<StoredSecret>): Promise<SecretState> {
  if (!stored.secretArn) return "adopted";
  const drift = await checkGeneratedSecretDrift(
    { arn: stored.secretArn, versionId: stored.secretVersionId ?? "", fingerprint: stored.secretFingerprint ?? "" },
    { region: awsSettings().region },
  );
  switch (drift.status) {
    case "in_sync":
      return "in_sync";
    case "changed":
      return "changed_in_secrets_manager";
    case "deleted":
      return "deleted_from_secrets_manager";
    default:
      return "missing_from_secrets_manager";
  }
}

/**
 * Deletes the stored secret with the configured recovery window; a missing one is fine. A secret
 * whose current version is not the recorded one is left alone: a replacement (the repair of a lost
 * Stripe secret) shares the name and has already written its own secret there.
 */
export async function forgetSecret(stored: Partial<StoredSecret>): Promise<void> {
  if (!stored.secretArn) return;
  const aws = awsSettings();
  const now = await describeGeneratedSecret(stored.secretArn, { region: aws.region });
  if (!now.exists) return;
  if (!now.deleted && stored.secretVersionId && now.currentVersionId && now.currentVersionId !== stored.secretVersionId) return;
  await deleteGeneratedSecret(stored.secretArn, { recoveryWindowDays: aws.recoveryWindowDays, region: aws.region });
}
