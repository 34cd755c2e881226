/**
 * The KMS key a stack names for its signing secrets (`selgeo:aws.kmsKeyId: alias/…`), made in moto for
 * a dress rehearsal, so Secrets Manager writes with that key id as they will against AWS. KMS speaks
 * AWS's JSON protocol; moto takes the service from the credential scope and does not check the
 * signature, so two plain requests do (no KMS SDK dependency for a rehearsal-only need).
 */
import type { MotoServer } from "../sandbox/moto";

async function kmsCall<T>(moto: Pick<MotoServer, "url" | "credentials">, region: string, action: string, body: unknown): Promise<T> {
  const res = await fetch(`${moto.url}/`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `TrentService.${action}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=${moto.credentials.accessKeyId}/20260101/${region}/kms/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`moto KMS ${action} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text || "{}") as T;
}

/**
 * Creates a key and `alias` (e.g. `alias/selgeo-golive`) in moto; a key id or ARN (not an alias) is
 * left alone, since moto's Secrets Manager takes it as given. Resolves to a line for the output.
 */
export async function createKmsAlias(moto: Pick<MotoServer, "url" | "credentials">, kmsKeyId: string, region: string): Promise<string> {
  const alias = /^(?:arn:aws[a-z-]*:kms:[^:]+:\d{12}:)?(alias\/.+)$/.exec(kmsKeyId)?.[1];
  if (!alias) return `KMS key ${kmsKeyId} taken as given`;
  const key = await kmsCall<{ KeyMetadata: { KeyId: string } }>(moto, region, "CreateKey", { Description: "golive rehearsal (throw-away)" });
  await kmsCall(moto, region, "CreateAlias", { AliasName: alias, TargetKeyId: key.KeyMetadata.KeyId });
  return `KMS ${alias} created in moto (${region})`;
}
