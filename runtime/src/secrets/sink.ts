/**
 * Generated secrets (an endpoint's `whsec_`, the Stripe endpoint's signing secret) written to AWS
 * Secrets Manager. State keeps only what these functions return: the ARN, the version id and a
 * fingerprint, enough to read the value back and to notice drift, never the value itself.
 *
 * Writes are idempotent under retries: the caller's idempotency key becomes the version's
 * ClientRequestToken (hence its VersionId), and Secrets Manager ignores a repeated request with the
 * same token and value. The same token with a different value is refused (`idempotency_conflict`).
 */
import { awsSecretsManager } from "../lazyModules";
import { createHash } from "node:crypto";
import { clientFor, type SecretsCallOptions } from "./client";
import { awsErrorMessage, awsErrorName, isMarkedForDeletion, SecretsError } from "./errors";
import { fingerprint } from "./fingerprint";
import { describeAwsFailure } from "./resolve";

/** Tag put on every secret this module creates, so a merchant can tell them apart. */
export const MANAGED_TAG_KEY = "selgeo-golive:managed";

/**
 * The ClientRequestToken for an idempotency key: a UUID-shaped (36 characters, version-5 layout)
 * digest of it, so any key (`golive-<hex>`, a URN, ...) yields a token AWS accepts (32-64
 * characters) and the same key always yields the same token.
 */
export function clientRequestTokenFor(idempotencyKey: string): string {
  if (!idempotencyKey) throw new SecretsError("invalid_argument", "an idempotency key is required to write a secret");
  const h = createHash("sha256").update("selgeo-golive/secretsmanager-token/v1\0" + idempotencyKey).digest("hex");
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What to write. */
export interface WriteGeneratedSecretArgs extends SecretsCallOptions {
  /** The secret's name (see `secretNameFor`) or the ARN of an existing one. */
  name: string;
  value: string;
  /** Used when the secret is created; an existing secret keeps its own. */
  description?: string;
  /** Used when the secret is created; an existing secret keeps its own. */
  tags?: Record<string, string>;
  /** Used when the secret is created; default: the account's `aws/secretsmanager` key. */
  kmsKeyId?: string;
  /**
   * The caller's idempotency key for this write (e.g. derived from the URN and the endpoint id):
   * any non-empty string; the token sent to AWS is `clientRequestTokenFor(it)`.
   */
  clientRequestToken: string;
}

/** What state keeps about a generated secret. */
export interface GeneratedSecretRef {
  arn: string;
  versionId: string;
  fingerprint: string;
}

/** The result of a write: what state keeps. */
export type WriteGeneratedSecretResult = GeneratedSecretRef;

/**
 * Writes `value` as the current version of secret `name`: CreateSecret when it does not exist,
 * else PutSecretValue (restoring a secret scheduled for deletion first). Safe to repeat with the
 * same `clientRequestToken` and value: the second call changes nothing and returns the same version.
 */
export async function writeGeneratedSecret(args: WriteGeneratedSecretArgs): Promise<WriteGeneratedSecretResult> {
  if (!args.name) throw new SecretsError("invalid_argument", "writeGeneratedSecret: name is required");
  if (typeof args.value !== "string" || args.value.length === 0) {
    throw new SecretsError("invalid_argument", `writeGeneratedSecret: the value for secret "${args.name}" is empty`);
  }
  const client = clientFor(args);
  const token = clientRequestTokenFor(args.clientRequestToken);
  const fp = fingerprint(args.value);

  const tags = { ...(args.tags ?? {}), [MANAGED_TAG_KEY]: "true" };
  try {
    const out = await client.send(
      new (awsSecretsManager().CreateSecretCommand)({
        Name: args.name,
        SecretString: args.value,
        ClientRequestToken: token,
        ...(args.description !== undefined ? { Description: args.description } : {}),
        ...(args.kmsKeyId ? { KmsKeyId: args.kmsKeyId } : {}),
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    // A replay of our own create answers like the create did; the version is always the token.
    return { arn: requireArn(out.ARN, args.name), versionId: token, fingerprint: fp };
  } catch (err) {
    const name = awsErrorName(err);
    if (name === "ResourceExistsException" && isTokenConflict(err)) throw conflict(args.name);
    if (name !== "ResourceExistsException" && !isMarkedForDeletion(err)) throw describeAwsFailure(err, args.name);
  }

  // The secret exists: bring it back if it was deleted, then add a version.
  try {
    const described = await client.send(new (awsSecretsManager().DescribeSecretCommand)({ SecretId: args.name }));
    if (described.DeletedDate) await client.send(new (awsSecretsManager().RestoreSecretCommand)({ SecretId: args.name }));
    const out = await client.send(
      new (awsSecretsManager().PutSecretValueCommand)({ SecretId: args.name, SecretString: args.value, ClientRequestToken: token }),
    );
    return { arn: requireArn(out.ARN ?? described.ARN, args.name), versionId: out.VersionId ?? token, fingerprint: fp };
  } catch (err) {
    if (awsErrorName(err) === "ResourceExistsException" && isTokenConflict(err)) throw conflict(args.name);
    throw describeAwsFailure(err, args.name);
  }
}

function isTokenConflict(err: unknown): boolean {
  return /ClientRequestToken|version.*(exists|in use)|can'?t modify an existing version/i.test(awsErrorMessage(err));
}

function conflict(name: string): SecretsError {
  return new SecretsError(
    "idempotency_conflict",
    `secret "${name}": this idempotency key was already used to write a different value (a version, once written, cannot change); use a new key for a new value`,
    { awsErrorName: "ResourceExistsException" },
  );
}

function requireArn(arn: string | undefined, name: string): string {
  if (!arn) throw new SecretsError("aws_error", `secret "${name}": Secrets Manager returned no ARN`);
  return arn;
}

/** What a read returns. */
export interface ReadGeneratedSecretResult {
  value: string;
  versionId: string;
  fingerprint: string;
}

/** Reads a version of a generated secret (default: the current one). */
export async function readGeneratedSecret(
  args: { arn: string; versionId?: string } & SecretsCallOptions,
): Promise<ReadGeneratedSecretResult> {
  const client = clientFor(args);
  try {
    const out = await client.send(
      new (awsSecretsManager().GetSecretValueCommand)({ SecretId: args.arn, ...(args.versionId ? { VersionId: args.versionId } : {}) }),
    );
    const value = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString("utf8") : undefined);
    if (value === undefined) throw new SecretsError("no_value", `secret "${args.arn}" has no value`);
    return { value, versionId: out.VersionId ?? args.versionId ?? "", fingerprint: fingerprint(value) };
  } catch (err) {
    if (err instanceof SecretsError) throw err;
    const e = describeAwsFailure(err, args.arn);
    if (args.versionId && e.code === "not_found") {
      throw new SecretsError("not_found", `secret "${args.arn}" has no version "${args.versionId}" (or the secret is gone)`, {
        awsErrorName: e.awsErrorName,
      });
    }
    throw e;
  }
}

/** What Secrets Manager says about a generated secret now. */
export interface GeneratedSecretDescription {
  /** False when the secret is gone for good (never created, or deleted without recovery / past its window). */
  exists: boolean;
  /** Scheduled for deletion (still restorable). */
  deleted: boolean;
  /** The version labelled AWSCURRENT. */
  currentVersionId?: string;
  arn?: string;
  name?: string;
  /** When a deleted secret will be purged. */
  deletionDate?: Date;
}

/** DescribeSecret, reduced to what drift detection needs. Never reads the value. */
export async function describeGeneratedSecret(arn: string, opts: SecretsCallOptions = {}): Promise<GeneratedSecretDescription> {
  const client = clientFor(opts);
  try {
    const out = await client.send(new (awsSecretsManager().DescribeSecretCommand)({ SecretId: arn }));
    const current = Object.entries(out.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes("AWSCURRENT"))?.[0];
    return {
      exists: true,
      deleted: !!out.DeletedDate,
      ...(current ? { currentVersionId: current } : {}),
      ...(out.ARN ? { arn: out.ARN } : {}),
      ...(out.Name ? { name: out.Name } : {}),
      ...(out.DeletedDate ? { deletionDate: new Date(out.DeletedDate) } : {}),
    };
  } catch (err) {
    if (awsErrorName(err) === "ResourceNotFoundException") return { exists: false, deleted: true };
    throw describeAwsFailure(err, arn);
  }
}

/** How a generated secret compares with what state recorded. */
export interface GeneratedSecretDrift {
  /**
   * `in_sync`: the current value is the recorded one; `changed`: someone put another value;
   * `deleted`: scheduled for deletion; `missing`: gone.
   */
  status: "in_sync" | "changed" | "deleted" | "missing";
  currentVersionId?: string;
  /** Fingerprint of the current value (only read when the version differs from the recorded one). */
  currentFingerprint?: string;
}

/**
 * Compares the secret in Secrets Manager with the recorded `{arn, versionId, fingerprint}`. The
 * value is only read when the current version is not the recorded one (a version's value never
 * changes), and then only its fingerprint is returned: a value put back unchanged is `in_sync`.
 */
export async function checkGeneratedSecretDrift(
  recorded: GeneratedSecretRef,
  opts: SecretsCallOptions = {},
): Promise<GeneratedSecretDrift> {
  const d = await describeGeneratedSecret(recorded.arn, opts);
  if (!d.exists) return { status: "missing" };
  if (d.deleted) return { status: "deleted", ...(d.currentVersionId ? { currentVersionId: d.currentVersionId } : {}) };
  if (d.currentVersionId === recorded.versionId) {
    return { status: "in_sync", currentVersionId: d.currentVersionId, currentFingerprint: recorded.fingerprint };
  }
  const current = await readGeneratedSecret({ ...opts, arn: recorded.arn });
  return {
    status: current.fingerprint === recorded.fingerprint ? "in_sync" : "changed",
    currentVersionId: current.versionId,
    currentFingerprint: current.fingerprint,
  };
}

/** Options of a delete: 0 deletes at once (no recovery), 7-30 schedules the deletion. */
export interface DeleteGeneratedSecretOptions extends SecretsCallOptions {
  recoveryWindowDays: number;
}

/**
 * Deletes a generated secret. Idempotent: a secret already gone, or already scheduled for deletion,
 * is not an error. Returns when it will be purged (now for a window of 0).
 */
export async function deleteGeneratedSecret(
  arn: string,
  opts: DeleteGeneratedSecretOptions,
): Promise<{ deletionDate?: Date; alreadyDeleted: boolean }> {
  const days = opts.recoveryWindowDays;
  if (!Number.isInteger(days) || (days !== 0 && (days < 7 || days > 30))) {
    throw new SecretsError("invalid_argument", `recoveryWindowDays must be 0 (delete at once) or 7-30 days, not ${days}`);
  }
  const client = clientFor(opts);
  try {
    const out = await client.send(
      new (awsSecretsManager().DeleteSecretCommand)(days === 0 ? { SecretId: arn, ForceDeleteWithoutRecovery: true } : { SecretId: arn, RecoveryWindowInDays: days }),
    );
    return { alreadyDeleted: false, ...(out.DeletionDate ? { deletionDate: new Date(out.DeletionDate) } : {}) };
  } catch (err) {
    if (awsErrorName(err) === "ResourceNotFoundException" || isMarkedForDeletion(err)) return { alreadyDeleted: true };
    throw describeAwsFailure(err, arn);
  }
}
