/**
 * Optional `@pulumi/aws` side of the secrets story (signing secrets live in Secrets Manager, not in state): the Secrets Manager *containers* for
 * the secrets the dynamic providers generate (each webhook endpoint's `whsec_`, the Stripe
 * endpoint's signing secret), encrypted with a customer-managed KMS key, plus an IAM policy that
 * lets the merchant's application roles read exactly those secrets and nothing else.
 *
 * Why containers only: the values are written by the providers at run time
 * (`secrets.writeGeneratedSecret` creates the secret, or adds a version when it already exists), so
 * a value never passes through Pulumi and never lands in state. Declaring the containers up front
 * lets a merchant choose the KMS key, tags, recovery window and read access in code review before
 * the first secret exists. This component therefore declares **no** `aws.secretsmanager.SecretVersion`.
 *
 * Why a package of its own: the Node.js language host asks the engine for the provider plugin of
 * every provider package installed below the program's folder. As a dependency of the go-live
 * program it would make every preview fetch the AWS plugin; here, only a program that adds this
 * package (`npm install <repo>/extras/aws-secret-containers`) pulls @pulumi/aws and its plugin in.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { secrets } from "@selgeo-golive/runtime";

/** The Pulumi type token of the component. */
export const SECRET_CONTAINERS_TYPE = "selgeo:aws:SecretContainers";

/** `kind` of a webhook endpoint's signing secret (`selgeo-golive/<stack>/webhook-endpoint/<name>`). */
export const WEBHOOK_ENDPOINT_SECRET_KIND = "webhook-endpoint";
/** `kind` of the Stripe webhook endpoint's signing secret (`…/stripe-webhook-endpoint/stripe`). */
export const STRIPE_WEBHOOK_ENDPOINT_SECRET_KIND = "stripe-webhook-endpoint";
/** The one `name` under the Stripe kind: a stack has at most one Stripe webhook endpoint. */
export const STRIPE_WEBHOOK_ENDPOINT_SECRET_NAME = "stripe";

/** Secrets Manager's own bounds for a scheduled deletion (0 = force delete is deliberately not offered). */
const MIN_RECOVERY_WINDOW_DAYS = 7;
const MAX_RECOVERY_WINDOW_DAYS = 30;

/** One generated secret the providers will write. */
export interface SecretContainerName {
  /** What the secret is: `webhook-endpoint` or `stripe-webhook-endpoint`. */
  kind: string;
  /** Which one: the endpoint's config name, or `stripe`. */
  name: string;
}

/** Arguments of {@link SecretContainers}. */
export interface SecretContainersArgs {
  /** The Pulumi stack the secrets belong to: the second segment of every secret name. */
  stack: string;
  /** The generated secrets to declare, one container each; `kind/name` pairs must be unique. */
  names: SecretContainerName[];
  /**
   * With `createKmsKey` (the default): the alias to give the new key, default
   * `alias/selgeo-golive/<stack>/secrets`. Without it: an existing key's alias to encrypt with.
   * The `alias/` prefix is added when missing.
   */
  kmsKeyAlias?: string;
  /**
   * Create a customer-managed KMS key (rotation on) for these secrets; default true. With false and
   * no `kmsKeyAlias`, the account's AWS-managed `aws/secretsmanager` key is used, whose key policy
   * already allows decryption through Secrets Manager, so the IAM policy grants no KMS action.
   */
  createKmsKey?: boolean;
  /** Days a deleted secret stays restorable (7–30, default 30). Also the KMS key's deletion window. */
  recoveryWindowInDays?: number;
  /** Tags for every resource; `selgeo-golive:managed=true` is always added and cannot be overridden. */
  tags?: Record<string, string>;
  /** IAM roles (full ARNs) of the applications that read the secrets; each gets the policy attached. */
  applicationRoleArns?: string[];
}

/**
 * The names a stack's config implies: one `webhook-endpoint/<name>` per declared webhook endpoint and
 * `stripe-webhook-endpoint/stripe` when `selgeo:stripe` is set. Takes only the two fields it reads so
 * it does not depend on the config schema's other details.
 */
export function secretContainerNames(config: {
  webhookEndpoints?: Record<string, unknown> | undefined;
  stripe?: unknown;
}): SecretContainerName[] {
  const names: SecretContainerName[] = Object.keys(config.webhookEndpoints ?? {})
    .sort()
    .map((name) => ({ kind: WEBHOOK_ENDPOINT_SECRET_KIND, name }));
  if (config.stripe !== undefined && config.stripe !== null) {
    names.push({ kind: STRIPE_WEBHOOK_ENDPOINT_SECRET_KIND, name: STRIPE_WEBHOOK_ENDPOINT_SECRET_NAME });
  }
  return names;
}

/** The map key of `secretArns` for one name: `<kind>/<name>` (names alone may repeat across kinds). */
export function secretContainerKey(n: SecretContainerName): string {
  return `${n.kind}/${n.name}`;
}

/** `alias/x` for `x` or `alias/x`. */
function normaliseAlias(alias: string): string {
  const a = alias.trim();
  if (!a || a === "alias/") throw new Error("SecretContainers: kmsKeyAlias must not be empty");
  return a.startsWith("alias/") ? a : `alias/${a}`;
}

/**
 * The role name in a role ARN (`arn:<partition>:iam::<account>:role/<path/>name`):
 * `RolePolicyAttachment` takes a name, and a path is not part of it.
 */
export function roleNameFromArn(arn: string): string {
  const m = /^arn:[a-z-]+:iam::\d{12}:role\/(?:[^/]+\/)*([\w+=,.@-]{1,64})$/.exec(arn.trim());
  if (!m) throw new Error(`SecretContainers: "${arn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  return m[1];
}

/**
 * The `kms:ViaService` value for Secrets Manager in the key's region. Derived from the key's ARN
 * (`arn:<partition>:kms:<region>:…`) rather than a `getRegion` call: Secrets Manager can only use a
 * key of its own region, so the key's region is the one that matters, and no extra invoke is needed.
 */
export function secretsManagerViaService(kmsKeyArn: string): string {
  const [, partition, , region] = kmsKeyArn.split(":");
  if (!region) throw new Error(`SecretContainers: cannot read the region of KMS key "${kmsKeyArn}"`);
  const suffix = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
  return `secretsmanager.${region}.${suffix}`;
}

/**
 * The read policy's document: GetSecretValue and DescribeSecret on exactly `secretArns`, and
 * kms:Decrypt on `kmsKeyArn` only when Secrets Manager asks for it. Exported so its shape can be
 * reviewed and tested without a provider.
 */
export function readPolicyDocument(secretArns: string[], kmsKeyArn: string | undefined): Record<string, unknown> {
  const statements: Record<string, unknown>[] = [
    {
      Sid: "ReadGeneratedSecrets",
      Effect: "Allow",
      // No ListSecrets / PutSecretValue: applications read, the providers write.
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      // Exact ARNs, not a `selgeo-golive/<stack>/*` wildcard: a secret added later must be granted
      // in review, not inherited silently.
      Resource: [...secretArns].sort(),
    },
  ];
  if (kmsKeyArn) {
    statements.push({
      Sid: "DecryptThroughSecretsManager",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [kmsKeyArn],
      // Only when Secrets Manager decrypts on the caller's behalf: the role cannot use the key
      // directly on arbitrary ciphertext.
      Condition: { StringEquals: { "kms:ViaService": secretsManagerViaService(kmsKeyArn) } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** The recovery window, checked against Secrets Manager's 7–30 days (default 30). */
function validatedRecoveryWindow(days: number | undefined): number {
  const d = days ?? MAX_RECOVERY_WINDOW_DAYS;
  if (!Number.isInteger(d) || d < MIN_RECOVERY_WINDOW_DAYS || d > MAX_RECOVERY_WINDOW_DAYS) {
    throw new Error(
      `SecretContainers: recoveryWindowInDays must be a whole number from ${MIN_RECOVERY_WINDOW_DAYS} to ${MAX_RECOVERY_WINDOW_DAYS}, got ${days}`,
    );
  }
  return d;
}

/** Each name's map key and Secrets Manager name; a repeated `kind/name` is an error. */
function plannedSecrets(args: SecretContainersArgs): { key: string; secretName: string; n: SecretContainerName }[] {
  const seen = new Set<string>();
  return args.names.map((n) => {
    const key = secretContainerKey(n);
    if (seen.has(key)) throw new Error(`SecretContainers: "${key}" is listed twice in names`);
    seen.add(key);
    return { key, secretName: secrets.secretNameFor({ stack: args.stack, kind: n.kind, name: n.name }), n };
  });
}

/**
 * Secrets Manager containers (no values) for the secrets the providers generate, their KMS key,
 * and a least-privilege read policy attached to the application roles.
 *
 * Secret names follow `secrets.secretNameFor`: `selgeo-golive/<stack>/<kind>/<name>`, the same
 * names the providers write to, so the providers' first write adds a version to the container
 * declared here instead of creating a secret of their own.
 *
 * Deleting the component schedules the secrets for deletion after `recoveryWindowInDays`; the names
 * stay reserved until then, so re-creating them early fails (restore them instead).
 */
export class SecretContainers extends pulumi.ComponentResource {
  /** `<kind>/<name>` → the secret's ARN. */
  readonly secretArns: pulumi.Output<Record<string, string>>;
  /** `<kind>/<name>` → the secret's name in Secrets Manager. */
  readonly secretNames: Record<string, string>;
  /** The KMS key encrypting the secrets; undefined with the AWS-managed `aws/secretsmanager` key. */
  readonly kmsKeyArn: pulumi.Output<string | undefined>;
  /** The read policy; undefined when there are no secrets (an empty Resource list is invalid IAM). */
  readonly policyArn: pulumi.Output<string | undefined>;

  /**
   * @param name logical name of the component (prefix of its children's names)
   * @param args what to declare; validated eagerly so a bad value fails the preview
   * @param opts component options (e.g. `protect`, inherited by the children)
   */
  constructor(name: string, args: SecretContainersArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything, so a bad argument fails the preview without leaving a
    // half-registered component behind.
    const recoveryWindowInDays = validatedRecoveryWindow(args.recoveryWindowInDays);
    const planned = plannedSecrets(args);
    const roleNames = [...new Set((args.applicationRoleArns ?? []).map(roleNameFromArn))];
    const alias = args.kmsKeyAlias !== undefined ? normaliseAlias(args.kmsKeyAlias) : undefined;
    super(SECRET_CONTAINERS_TYPE, name, {}, opts);

    // User tags first, so nobody can mark these resources as unmanaged by accident.
    const tags = { ...(args.tags ?? {}), [secrets.MANAGED_TAG_KEY]: "true" };
    const childOpts: pulumi.CustomResourceOptions = { parent: this };

    // The key. A new key gets AWS's default key policy (the account root may use it), which is
    // what lets the IAM policy below grant kms:Decrypt at all.
    let kmsKeyArn: pulumi.Output<string> | undefined;
    if (args.createKmsKey ?? true) {
      const key = new aws.kms.Key(
        `${name}-key`,
        {
          description: `selgeo-golive: generated secrets of stack ${args.stack}`,
          enableKeyRotation: true,
          // A key scheduled for deletion must outlive every secret it encrypts.
          deletionWindowInDays: recoveryWindowInDays,
          tags,
        },
        childOpts,
      );
      new aws.kms.Alias(
        `${name}-key-alias`,
        {
          name: alias ?? `alias/selgeo-golive/${args.stack}/secrets`,
          targetKeyId: key.keyId,
        },
        childOpts,
      );
      kmsKeyArn = key.arn;
    } else if (alias) {
      // Resolve the alias to the key's ARN: the policy must name a key, not an alias, because
      // kms:Decrypt is authorised against the key's ARN.
      kmsKeyArn = aws.kms.getAliasOutput({ name: alias }, { parent: this }).targetKeyArn;
    }

    const secretNames: Record<string, string> = {};
    const arnEntries: pulumi.Output<[string, string]>[] = [];
    for (const { key, secretName, n } of planned) {
      secretNames[key] = secretName;
      const secret = new aws.secretsmanager.Secret(
        // The full name, "/" made safe: unique per stack, and stable when the list is reordered.
        `${name}-${secretName.replace(/\//g, "-")}`,
        {
          // An exact name, not auto-naming: the providers write to this very name.
          name: secretName,
          description: `selgeo-golive: ${n.kind} "${n.name}" of stack ${args.stack}; the value is written by the provider, never by Pulumi`,
          ...(kmsKeyArn ? { kmsKeyId: kmsKeyArn } : {}),
          recoveryWindowInDays,
          tags,
        },
        childOpts,
      );
      arnEntries.push(secret.arn.apply((arn): [string, string] => [key, arn]));
    }
    this.secretNames = secretNames;
    this.secretArns = pulumi.all(arnEntries).apply((entries) => Object.fromEntries(entries));
    this.kmsKeyArn = kmsKeyArn ? kmsKeyArn : pulumi.output<string | undefined>(undefined);

    if (args.names.length === 0) {
      if (roleNames.length > 0) {
        pulumi.log.warn("SecretContainers: no secrets declared, so no read policy is attached to applicationRoleArns", this);
      }
      this.policyArn = pulumi.output<string | undefined>(undefined);
    } else {
      const document = pulumi
        .all([this.secretArns, this.kmsKeyArn])
        .apply(([arns, keyArn]) => JSON.stringify(readPolicyDocument(Object.values(arns), keyArn)));
      const policy = new aws.iam.Policy(
        `${name}-read`,
        {
          description: `selgeo-golive: read the generated secrets of stack ${args.stack}`,
          policy: document,
          tags,
        },
        childOpts,
      );
      // One attachment per distinct role: the same role listed twice needs only one.
      for (const roleName of roleNames) {
        new aws.iam.RolePolicyAttachment(`${name}-read-${roleName}`, { role: roleName, policyArn: policy.arn }, childOpts);
      }
      this.policyArn = policy.arn;
    }

    this.registerOutputs({
      secretArns: this.secretArns,
      kmsKeyArn: this.kmsKeyArn,
      policyArn: this.policyArn,
    });
  }
}
