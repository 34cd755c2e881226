/**
 * extras/aws-secret-containers (SecretContainers) with Pulumi mocks: the AWS provider plugin cannot be downloaded here, so what the
 * component declares is checked at the registration boundary (every resource's type, name and
 * inputs as the engine would receive them). Mocks are right only for @pulumi/aws resources; the
 * dynamic Selgeo providers are covered elsewhere against the sandbox.
 *
 * Pulumi's docs ask for the mocks to be in place before the program's modules load, so the module
 * under test is imported dynamically after the first `setMocks`.
 *
 * The package is installed by tools/aws-extra.sh in a staging folder outside the repository (an
 * @pulumi/aws below the program's folder would make every preview ask for the AWS plugin), so the
 * test loads it, and the @pulumi/pulumi it uses, from there.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import type * as PulumiSdk from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";

/** The component's module; its types need @pulumi/aws, which the root tsconfig deliberately cannot see. */
type Module = any;
/** `SecretContainersArgs` of extras/aws-secret-containers. */
type SecretContainersArgs = Record<string, any> & { stack: string };

const REPO_ROOT = path.resolve(__dirname, "../../..");
let stage: string;
let pulumi: typeof PulumiSdk;

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";

/** One registration the mock monitor saw. */
interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  state: Record<string, any>;
}

let registered: Registered[] = [];
let calls: { token: string; inputs: Record<string, any> }[] = [];

// ARNs shaped like AWS's, so the component's ARN parsing (the region for kms:ViaService) is real.
const mocks: PulumiSdk.runtime.Mocks = {
  newResource(args) {
    const id = `${args.name}-id`;
    const state: Record<string, any> = { ...args.inputs };
    switch (args.type) {
      case "aws:kms/key:Key":
        state.keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
        state.arn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${state.keyId}`;
        break;
      case "aws:kms/alias:Alias":
        state.arn = `arn:aws:kms:${REGION}:${ACCOUNT}:${args.inputs.name}`;
        break;
      case "aws:secretsmanager/secret:Secret":
        // AWS appends "-" and six random characters to a secret's ARN.
        state.arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${args.inputs.name}-Ab12Cd`;
        break;
      case "aws:iam/policy:Policy":
        state.arn = `arn:aws:iam::${ACCOUNT}:policy/${args.name}`;
        break;
    }
    registered.push({ type: args.type, name: args.name, inputs: args.inputs, state });
    return { id, state };
  },
  call(args) {
    calls.push({ token: args.token, inputs: args.inputs });
    if (args.token === "aws:kms/getAlias:getAlias") {
      return {
        id: args.inputs.name,
        name: args.inputs.name,
        arn: `arn:aws:kms:${REGION}:${ACCOUNT}:${args.inputs.name}`,
        targetKeyId: "existing-key",
        targetKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/existing-key`,
      };
    }
    throw new Error(`unexpected invoke ${args.token}`);
  },
};

let mod: Module;

beforeAll(async () => {
  // Idempotent: installs once (npm ci from the cache), then only refreshes the staged sources.
  const out = execFileSync("bash", [path.join(REPO_ROOT, "tools", "aws-extra.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  stage = out.trim().split("\n").pop()!;
  pulumi = createRequire(path.join(stage, "index.ts"))("@pulumi/pulumi");
  await pulumi.runtime.setMocks(mocks, "selgeo-golive", "live", false);
  mod = await import(path.join(stage, "index.ts"));
}, 600_000);

function value<T>(o: PulumiSdk.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/**
 * Declares one component on a fresh mock monitor and returns what was registered once every
 * registration has finished (`disconnect` drains the runtime's RPC queue).
 */
async function declare(name: string, args: SecretContainersArgs) {
  registered = [];
  calls = [];
  await pulumi.runtime.setMocks(mocks, "selgeo-golive", args.stack, false);
  const c = new mod.SecretContainers(name, args);
  const outputs = {
    secretArns: await value<Record<string, string>>(c.secretArns),
    kmsKeyArn: await value<string | undefined>(c.kmsKeyArn),
    policyArn: await value<string | undefined>(c.policyArn),
  };
  await pulumi.runtime.disconnect();
  const of = (type: string) => registered.filter((r) => r.type === type);
  return {
    c,
    outputs,
    registered: [...registered],
    calls: [...calls],
    keys: of("aws:kms/key:Key"),
    aliases: of("aws:kms/alias:Alias"),
    secrets: of("aws:secretsmanager/secret:Secret"),
    policies: of("aws:iam/policy:Policy"),
    attachments: of("aws:iam/rolePolicyAttachment:RolePolicyAttachment"),
  };
}

const NAMES = [
  { kind: "webhook-endpoint", name: "orders" },
  { kind: "webhook-endpoint", name: "crm" },
  { kind: "stripe-webhook-endpoint", name: "stripe" },
];
const ROLES = [`arn:aws:iam::${ACCOUNT}:role/shop-api`, `arn:aws:iam::${ACCOUNT}:role/service-role/affiliate-worker`];

describe("SecretContainers (default: a new KMS key)", () => {
  let d: Awaited<ReturnType<typeof declare>>;
  beforeAll(async () => {
    d = await declare("golive", { stack: "live", names: NAMES, tags: { team: "growth" }, applicationRoleArns: ROLES });
  });

  it("declares only a key, its alias, the secrets, the policy and the attachments: no SecretVersion", () => {
    const types = new Set(d.registered.map((r) => r.type));
    expect(types).toEqual(
      new Set([
        "selgeo:aws:SecretContainers",
        "aws:kms/key:Key",
        "aws:kms/alias:Alias",
        "aws:secretsmanager/secret:Secret",
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      ]),
    );
    expect(d.registered.filter((r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion")).toEqual([]);
    // And no value sneaks in on the secret itself.
    for (const s of d.secrets) {
      expect(s.inputs).not.toHaveProperty("secretString");
      expect(s.inputs).not.toHaveProperty("secretBinary");
    }
  });

  it("names every secret selgeo-golive/<stack>/<kind>/<name>, as the providers write them", () => {
    expect(d.secrets.map((s) => s.inputs.name).sort()).toEqual([
      "selgeo-golive/live/stripe-webhook-endpoint/stripe",
      "selgeo-golive/live/webhook-endpoint/crm",
      "selgeo-golive/live/webhook-endpoint/orders",
    ]);
    expect(d.c.secretNames).toEqual({
      "webhook-endpoint/orders": "selgeo-golive/live/webhook-endpoint/orders",
      "webhook-endpoint/crm": "selgeo-golive/live/webhook-endpoint/crm",
      "stripe-webhook-endpoint/stripe": "selgeo-golive/live/stripe-webhook-endpoint/stripe",
    });
  });

  it("tags every secret (and the key and policy) with the given tags plus selgeo-golive:managed=true", () => {
    for (const r of [...d.secrets, ...d.keys, ...d.policies]) {
      expect(r.inputs.tags, r.name).toEqual({ team: "growth", "selgeo-golive:managed": "true" });
    }
  });

  it("a user tag cannot turn selgeo-golive:managed off", async () => {
    const o = await declare("override", { stack: "live", names: NAMES.slice(0, 1), tags: { "selgeo-golive:managed": "false" } });
    expect(o.secrets[0].inputs.tags).toEqual({ "selgeo-golive:managed": "true" });
  });

  it("creates a KMS key with rotation on, a deletion window, and an alias; the secrets use it", () => {
    expect(d.keys).toHaveLength(1);
    expect(d.keys[0].inputs.enableKeyRotation).toBe(true);
    expect(d.keys[0].inputs.deletionWindowInDays).toBe(30);
    // No key policy: AWS's default one delegates to IAM, which the read policy relies on.
    expect(d.keys[0].inputs.policy).toBeUndefined();
    expect(d.aliases).toHaveLength(1);
    expect(d.aliases[0].inputs.name).toBe("alias/selgeo-golive/live/secrets");
    expect(d.aliases[0].inputs.targetKeyId).toBe(d.keys[0].state.keyId);
    expect(d.outputs.kmsKeyArn).toBe(d.keys[0].state.arn);
    for (const s of d.secrets) expect(s.inputs.kmsKeyId).toBe(d.keys[0].state.arn);
  });

  it("uses a 30-day recovery window by default", () => {
    for (const s of d.secrets) expect(s.inputs.recoveryWindowInDays).toBe(30);
  });

  it("outputs every secret's ARN under <kind>/<name>", () => {
    expect(d.outputs.secretArns).toEqual(Object.fromEntries(d.secrets.map((s) => [`${s.inputs.name.split("/")[2]}/${s.inputs.name.split("/")[3]}`, s.state.arn])));
    expect(Object.keys(d.outputs.secretArns).sort()).toEqual(["stripe-webhook-endpoint/stripe", "webhook-endpoint/crm", "webhook-endpoint/orders"]);
  });

  it("the policy grants exactly GetSecretValue/DescribeSecret on exactly these secrets, and kms:Decrypt on the key via Secrets Manager only", () => {
    expect(d.policies).toHaveLength(1);
    expect(d.outputs.policyArn).toBe(d.policies[0].state.arn);
    const doc = JSON.parse(d.policies[0].inputs.policy);
    expect(doc.Version).toBe("2012-10-17");
    expect(doc.Statement).toHaveLength(2);
    const [read, decrypt] = doc.Statement;
    expect(read.Effect).toBe("Allow");
    expect([...read.Action].sort()).toEqual(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]);
    expect([...read.Resource].sort()).toEqual(d.secrets.map((s) => s.state.arn).sort());
    expect(read.Resource.some((r: string) => r.includes("*"))).toBe(false);
    expect(read.Condition).toBeUndefined();

    expect(decrypt.Effect).toBe("Allow");
    expect(decrypt.Action).toEqual(["kms:Decrypt"]);
    expect(decrypt.Resource).toEqual([d.keys[0].state.arn]);
    expect(decrypt.Condition).toEqual({ StringEquals: { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` } });

    // Nothing else anywhere in the document: no Deny, no NotAction, no other action.
    const actions = doc.Statement.flatMap((s: any) => s.Action);
    expect(actions.sort()).toEqual(["kms:Decrypt", "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]);
    for (const s of doc.Statement) expect(Object.keys(s).sort()).toEqual(s.Condition ? ["Action", "Condition", "Effect", "Resource", "Sid"] : ["Action", "Effect", "Resource", "Sid"]);
  });

  it("attaches the policy once per application role, by role name (paths dropped)", () => {
    expect(d.attachments).toHaveLength(2);
    expect(d.attachments.map((a) => a.inputs.role).sort()).toEqual(["affiliate-worker", "shop-api"]);
    for (const a of d.attachments) expect(a.inputs.policyArn).toBe(d.policies[0].state.arn);
  });

  it("parents every child to the component", () => {
    const children = d.registered.filter((r) => r.type !== "selgeo:aws:SecretContainers");
    expect(children.length).toBe(1 + 1 + 3 + 1 + 2);
    for (const r of children) expect(r.name.startsWith("golive-"), r.name).toBe(true);
  });
});

describe("SecretContainers options", () => {
  it("a custom recovery window applies to the secrets and the key's deletion window", async () => {
    const d = await declare("win", { stack: "live", names: NAMES.slice(0, 1), recoveryWindowInDays: 7 });
    expect(d.secrets[0].inputs.recoveryWindowInDays).toBe(7);
    expect(d.keys[0].inputs.deletionWindowInDays).toBe(7);
  });

  it.each([0, 6, 31, 7.5])("refuses a recovery window of %s days", (days) => {
    expect(() => new mod.SecretContainers(`bad-${days}`, { stack: "live", names: NAMES, recoveryWindowInDays: days })).toThrow(
      /recoveryWindowInDays must be a whole number from 7 to 30/,
    );
  });

  it("refuses the same kind/name twice and a role that is not a role ARN", () => {
    expect(() => new mod.SecretContainers("dup", { stack: "live", names: [NAMES[0], { ...NAMES[0] }] })).toThrow(/listed twice/);
    expect(
      () => new mod.SecretContainers("notrole", { stack: "live", names: NAMES, applicationRoleArns: [`arn:aws:iam::${ACCOUNT}:user/alice`] }),
    ).toThrow(/not an IAM role ARN/);
  });

  it("an existing key by alias: no key is created, the alias is resolved to the key's ARN for kmsKeyId and the policy", async () => {
    const d = await declare("byalias", { stack: "staging", names: NAMES.slice(0, 1), createKmsKey: false, kmsKeyAlias: "merchant-secrets", applicationRoleArns: ROLES.slice(0, 1) });
    expect(d.keys).toEqual([]);
    expect(d.aliases).toEqual([]);
    expect(d.calls).toEqual([{ token: "aws:kms/getAlias:getAlias", inputs: { name: "alias/merchant-secrets" } }]);
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/existing-key`;
    expect(d.outputs.kmsKeyArn).toBe(keyArn);
    expect(d.secrets[0].inputs.name).toBe("selgeo-golive/staging/webhook-endpoint/orders");
    expect(d.secrets[0].inputs.kmsKeyId).toBe(keyArn);
    const doc = JSON.parse(d.policies[0].inputs.policy);
    expect(doc.Statement[1].Resource).toEqual([keyArn]);
    expect(d.attachments).toHaveLength(1);
  });

  it("no key at all: the AWS-managed key, and the policy grants no KMS action", async () => {
    const d = await declare("awsmanaged", { stack: "live", names: NAMES.slice(0, 2), createKmsKey: false });
    expect(d.keys).toEqual([]);
    expect(d.calls).toEqual([]);
    expect(d.outputs.kmsKeyArn).toBeUndefined();
    for (const s of d.secrets) expect(s.inputs.kmsKeyId).toBeUndefined();
    const doc = JSON.parse(d.policies[0].inputs.policy);
    expect(doc.Statement).toHaveLength(1);
    expect(doc.Statement[0].Action.sort()).toEqual(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]);
    expect(d.attachments).toEqual([]);
  });

  it("no names: no secrets and no policy (an IAM policy with no resources is invalid)", async () => {
    const d = await declare("empty", { stack: "live", names: [] });
    expect(d.secrets).toEqual([]);
    expect(d.policies).toEqual([]);
    expect(d.outputs).toEqual({ secretArns: {}, kmsKeyArn: d.keys[0].state.arn, policyArn: undefined });
  });

  it("the same role listed twice gets one attachment", async () => {
    const d = await declare("tworoles", { stack: "live", names: NAMES.slice(0, 1), applicationRoleArns: [ROLES[0], ROLES[0]] });
    expect(d.attachments).toHaveLength(1);
  });
});

describe("helpers", () => {
  it("secretContainerNames lists one webhook-endpoint per endpoint and stripe-webhook-endpoint/stripe with selgeo:stripe", () => {
    expect(mod.secretContainerNames({ webhookEndpoints: { orders: {}, crm: {} }, stripe: {} })).toEqual([
      { kind: "webhook-endpoint", name: "crm" },
      { kind: "webhook-endpoint", name: "orders" },
      { kind: "stripe-webhook-endpoint", name: "stripe" },
    ]);
    expect(mod.secretContainerNames({})).toEqual([]);
  });

  it("secretsManagerViaService follows the key's region and partition", () => {
    expect(mod.secretsManagerViaService("arn:aws:kms:us-east-1:123456789012:key/k")).toBe("secretsmanager.us-east-1.amazonaws.com");
    expect(mod.secretsManagerViaService("arn:aws-cn:kms:cn-north-1:123456789012:key/k")).toBe("secretsmanager.cn-north-1.amazonaws.com.cn");
  });

  it("roleNameFromArn drops the path", () => {
    expect(mod.roleNameFromArn("arn:aws:iam::123456789012:role/a/b/app-role")).toBe("app-role");
  });
});
