/**
 * Resolves a Secrets Manager reference to the string it names, at run time (GetSecretValue).
 * Errors name the secret and the field, never the value.
 */
import { awsSecretsManager } from "../lazyModules";
import { clientFor, type SecretsCallOptions } from "./client";
import { awsErrorMessage, awsErrorName, isMarkedForDeletion, SecretsError } from "./errors";
import { formatSecretReference, parseSecretReference, type SecretReference } from "./references";

/** Options of `resolveSecretReference`. */
export interface ResolveOptions extends SecretsCallOptions {
  /** Where the reference came from (`selgeo:secretKey`); prefixes every error message. */
  configPath?: string;
}

/**
 * The secret string a reference names: the whole `SecretString` (or UTF-8 `SecretBinary`), or one
 * top-level field of it when it is JSON and the reference has `#field`. Accepts a parsed reference
 * or its config form (string or object).
 */
export async function resolveSecretReference(
  ref: SecretReference | string | Record<string, unknown>,
  opts: ResolveOptions = {},
): Promise<string> {
  const where = opts.configPath ? `${opts.configPath}: ` : "";
  // Parsing a parsed reference returns it unchanged; parsing always means nothing unchecked reaches AWS.
  const parsed = parseSecretReference(ref, opts.configPath ?? "secret reference");
  const label = formatSecretReference(parsed);
  const client = clientFor({ ...opts, region: parsed.region ?? opts.region });

  let secret: string;
  try {
    const out = await client.send(new (awsSecretsManager().GetSecretValueCommand)({ SecretId: parsed.secretId }));
    if (out.SecretString !== undefined) secret = out.SecretString;
    else if (out.SecretBinary !== undefined) secret = Buffer.from(out.SecretBinary).toString("utf8");
    else throw new SecretsError("no_value", `${where}secret "${parsed.secretId}" has no value yet: put one with \`aws secretsmanager put-secret-value\``);
  } catch (err) {
    if (err instanceof SecretsError) throw err;
    throw describeAwsFailure(err, parsed.secretId, where);
  }

  if (parsed.field === undefined) return secret;
  let doc: unknown;
  try {
    doc = JSON.parse(secret);
  } catch {
    // JSON.parse's own message quotes the input: never pass it on.
    throw new SecretsError(
      "not_json",
      `${where}${label}: secret "${parsed.secretId}" is not a JSON object, so it has no field "${parsed.field}" (drop "#${parsed.field}" to use the whole secret)`,
    );
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new SecretsError("not_json", `${where}${label}: secret "${parsed.secretId}" is JSON but not an object, so it has no field "${parsed.field}"`);
  }
  const fields = Object.keys(doc);
  if (!Object.prototype.hasOwnProperty.call(doc, parsed.field)) {
    throw new SecretsError(
      "field_missing",
      `${where}${label}: secret "${parsed.secretId}" has no field "${parsed.field}"` +
        (fields.length ? ` (its fields: ${fields.map((f) => `"${f}"`).join(", ")})` : " (it is an empty object)"),
    );
  }
  const value = (doc as Record<string, unknown>)[parsed.field];
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new SecretsError("field_not_string", `${where}${label}: field "${parsed.field}" of secret "${parsed.secretId}" is not a string`);
}

/** A `SecretsError` for an AWS failure, naming the secret and saying what to check. */
export function describeAwsFailure(err: unknown, secretId: string, where = ""): SecretsError {
  const name = awsErrorName(err);
  if (name === "ResourceNotFoundException") {
    return new SecretsError("not_found", `${where}secret "${secretId}" was not found in Secrets Manager (check its name, region and account)`, {
      awsErrorName: name,
    });
  }
  if (isMarkedForDeletion(err)) {
    return new SecretsError(
      "deleted",
      `${where}secret "${secretId}" is scheduled for deletion: restore it (\`aws secretsmanager restore-secret --secret-id ${secretId}\`) or point the config at another secret`,
      { awsErrorName: name },
    );
  }
  return new SecretsError("aws_error", `${where}secret "${secretId}": ${name ?? "error"}: ${awsErrorMessage(err)}`, { awsErrorName: name });
}
