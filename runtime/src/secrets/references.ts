/**
 * References to AWS Secrets Manager secrets as they appear in stack config:
 *
 *   selgeo:secretKey: awssm://selgeo-golive/live/selgeo#secret_key
 *   selgeo:secretKey: { secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf", field: "secret_key" }
 *
 * The string form is `awssm://<secret name or ARN>[#<JSON field>]`; `#` can never be part of a
 * secret name, so it is unambiguous. The region comes from the object form, else from an ARN, else
 * from the environment (see client.ts).
 */
import { z } from "zod";
import { SecretsError } from "./errors";

export const SECRET_REFERENCE_SCHEME = "awssm://";

/** A parsed reference. */
export interface SecretReference {
  /** A secret name (`selgeo-golive/live/selgeo`) or full ARN. */
  secretId: string;
  /** Read this top-level field of a JSON secret instead of the whole string. */
  field?: string;
  /** The region the secret lives in; default: the ARN's, else AWS_REGION, else us-east-1. */
  region?: string;
}

// Secret names: 1-512 of letters, digits and /_+=.@- (AWS's rule).
const NAME_RE = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const ARN_RE = /^arn:aws[a-z-]*:secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const REGION_RE = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

const SECRET_ID_HELP = "a secret name (letters, digits and /_+=.@-) or a Secrets Manager ARN";

/** The region named in a Secrets Manager ARN, if `secretId` is one. */
export function regionOfArn(secretId: string): string | undefined {
  return ARN_RE.exec(secretId)?.[1];
}

function validSecretId(id: string): boolean {
  return id.startsWith("arn:") ? ARN_RE.test(id) : NAME_RE.test(id);
}

const SecretReferenceObject = z
  .object({
    secretId: z
      .string({ error: `secretId is required: ${SECRET_ID_HELP}` })
      .min(1, `secretId is required: ${SECRET_ID_HELP}`)
      .refine(validSecretId, { message: `secretId must be ${SECRET_ID_HELP}` }),
    field: z.string().min(1, "field must not be empty (leave it out to use the whole secret)").optional(),
    region: z.string().regex(REGION_RE, "region must be an AWS region such as us-east-1").optional(),
  })
  .strict();

const SecretReferenceString = z.string().transform((s, ctx): SecretReference => {
  if (!s.startsWith(SECRET_REFERENCE_SCHEME)) {
    ctx.addIssue({
      code: "custom",
      // Never echo the string: a misplaced key would land in the message.
      message: `is not a Secrets Manager reference: write awssm://<secret name or ARN>[#<json field>] (or {secretId, field?, region?})`,
    });
    return z.NEVER;
  }
  const rest = s.slice(SECRET_REFERENCE_SCHEME.length);
  const hash = rest.indexOf("#");
  const secretId = hash < 0 ? rest : rest.slice(0, hash);
  const field = hash < 0 ? undefined : rest.slice(hash + 1);
  if (!secretId) {
    ctx.addIssue({ code: "custom", message: `names no secret: write awssm://<secret name or ARN>[#<json field>]` });
    return z.NEVER;
  }
  if (!validSecretId(secretId)) {
    ctx.addIssue({ code: "custom", message: `the secret id after awssm:// is not ${SECRET_ID_HELP}` });
    return z.NEVER;
  }
  if (field !== undefined && field === "") {
    ctx.addIssue({ code: "custom", message: `has an empty #field: leave out the "#" to use the whole secret` });
    return z.NEVER;
  }
  return field === undefined ? { secretId } : { secretId, field };
});

const REFERENCE_HELP = "awssm://<secret name or ARN>[#<json field>] or {secretId, field?, region?}";

/**
 * The zod schema of a reference in stack config (string or object form), normalised to
 * `SecretReference`. Embed it in a config schema; issues carry no secret material.
 */
export const SecretReferenceSchema = z.unknown().transform((value, ctx): SecretReference => {
  let ref: SecretReference;
  // Structured stack config reaches a provider as a JSON string: accept the object form that way too.
  if (typeof value === "string" && value.trim().startsWith("{")) {
    try {
      value = JSON.parse(value);
    } catch {
      ctx.addIssue({ code: "custom", message: `is not valid JSON (expected {"secretId": "...", "field": "..."})` });
      return z.NEVER;
    }
  }
  if (typeof value === "string") {
    const r = SecretReferenceString.safeParse(value);
    if (!r.success) {
      for (const issue of r.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path as PropertyKey[] });
      return z.NEVER;
    }
    ref = r.data;
  } else if (value && typeof value === "object" && !Array.isArray(value)) {
    const r = SecretReferenceObject.safeParse(value);
    if (!r.success) {
      for (const issue of r.error.issues) {
        const message =
          issue.code === "unrecognized_keys"
            ? `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}; allowed: secretId, field, region`
            : issue.message;
        ctx.addIssue({ code: "custom", message, path: issue.path as PropertyKey[] });
      }
      return z.NEVER;
    }
    ref = r.data;
  } else {
    ctx.addIssue({ code: "custom", message: `must be a Secrets Manager reference: ${REFERENCE_HELP}` });
    return z.NEVER;
  }
  const arnRegion = regionOfArn(ref.secretId);
  if (ref.region && arnRegion && ref.region !== arnRegion) {
    ctx.addIssue({ code: "custom", message: `region "${ref.region}" contradicts the ARN's region "${arnRegion}"`, path: ["region"] });
    return z.NEVER;
  }
  const out: SecretReference = { secretId: ref.secretId };
  if (ref.field !== undefined) out.field = ref.field;
  const region = ref.region ?? arnRegion;
  if (region) out.region = region;
  return out;
});

/** Whether a config value is meant as a reference (so a caller can tell it from a literal key). */
export function isSecretReference(value: unknown): boolean {
  if (typeof value === "string") return value.startsWith(SECRET_REFERENCE_SCHEME);
  return !!value && typeof value === "object" && !Array.isArray(value) && "secretId" in value;
}

/**
 * Parses a reference (string form, object form, or the object form as a JSON string, which is how
 * structured config reaches a dynamic provider). Throws `SecretsError("invalid_reference")` whose message starts with
 * `configPath` and says how to write it.
 */
export function parseSecretReference(value: unknown, configPath: string): SecretReference {
  const result = SecretReferenceSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? `${configPath}.${i.path.join(".")}` : configPath}: ${i.message}`);
  throw new SecretsError("invalid_reference", problems.join("; "));
}

/** The canonical string form (`awssm://id#field`); the region, if any, is not part of it. */
export function formatSecretReference(ref: SecretReference): string {
  return `${SECRET_REFERENCE_SCHEME}${ref.secretId}${ref.field !== undefined ? `#${ref.field}` : ""}`;
}
