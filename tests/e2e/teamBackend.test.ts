/**
 * The team setup of docs/team-backend.md, rehearsed against moto with the real Pulumi CLI v3.248.0:
 * state in an S3 bucket (the DIY backend, `pulumi login s3://…`) and stack secrets encrypted by a
 * KMS key (`--secrets-provider awskms://alias/…`).
 *
 * The bucket and the key are made over moto's AWS API with signed requests (`fetch` +
 * `@smithy/signature-v4`, which the Secrets Manager client already brings): the project does not
 * depend on `@aws-sdk/client-s3` or `@aws-sdk/client-kms`, and this test adds neither.
 *
 * Two ways of pointing the CLI at moto are shown:
 * - production URLs in the stack files (`awskms://alias/selgeo-golive?region=us-east-1`) with the
 *   endpoint in the environment (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_KMS`, read by the AWS SDK
 *   for Go v2 that gocloud.dev v0.46 uses); only `use_path_style=true` is added to the S3 URL,
 *   because a bucket cannot be a subdomain of 127.0.0.1;
 * - the endpoint in the URLs themselves (`endpoint=http://…`, and the SDK-v1-era
 *   `endpoint=host:port&disableSSL=true&s3ForcePathStyle=true` that v3.248.0 still translates).
 */
import { spawn } from "node:child_process";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMoto, type MotoServer } from "../../sandbox/moto";
import { REPO_ROOT, pulumiPath, resolvePulumi } from "../../cli/pulumiCli";

const PROJECT = "selgeo-golive-team";
const STACK = "team";
const ALIAS = "alias/selgeo-golive";
const REGION = "us-east-1";

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array =>
  typeof d === "string" ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** node:crypto behind the hash interface SignatureV4 expects (an HMAC when given a secret). */
class Sha256 {
  private readonly h;
  constructor(secret?: SourceData) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

let moto: MotoServer;
let root: string;
let projectDir: string;
let bucket: string;
let keyArn: string;
/** Made up while the test runs, so no key-shaped literal sits in the tree. */
const plainToken = ["sk", "test", randomBytes(12).toString("hex")].join("_");

/** A signed request to moto, as an AWS SDK would send it. */
async function aws(
  service: "s3" | "kms",
  req: { method: string; path?: string; query?: Record<string, string>; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; text: string }> {
  const u = new URL(moto.url);
  const signer = new SignatureV4({ service, region: REGION, credentials: moto.credentials, sha256: Sha256, uriEscapePath: service !== "s3" });
  const signed = await signer.sign({
    method: req.method,
    protocol: u.protocol,
    hostname: u.hostname,
    port: Number(u.port),
    path: req.path ?? "/",
    query: req.query ?? {},
    headers: { host: u.host, ...(req.headers ?? {}) },
    body: req.body,
  });
  const qs = new URLSearchParams(req.query ?? {}).toString();
  const headers = { ...signed.headers };
  delete headers.host; // fetch derives it from the URL (the same value that was signed)
  const res = await fetch(`${moto.url}${req.path ?? "/"}${qs ? `?${qs}` : ""}`, { method: req.method, headers, body: req.body });
  return { status: res.status, text: await res.text() };
}

async function kms(action: string, body: Record<string, unknown>): Promise<any> {
  const r = await aws("kms", {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `TrentService.${action}` },
    body: JSON.stringify(body),
  });
  if (r.status !== 200) throw new Error(`KMS ${action}: ${r.status} ${r.text}`);
  return JSON.parse(r.text);
}

async function s3(method: string, key: string, query: Record<string, string> = {}, body?: string): Promise<string> {
  const r = await aws("s3", { method, path: `/${bucket}${key ? `/${key}` : ""}`, query, body });
  if (r.status >= 300) throw new Error(`S3 ${method} /${bucket}/${key}: ${r.status} ${r.text}`);
  return r.text;
}

const xmlAll = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))].map((m) => m[1]);

/** Every object key in the bucket under `prefix` (ListObjectsV2, one page is plenty here). */
async function listKeys(prefix = ""): Promise<string[]> {
  return xmlAll(await s3("GET", "", { "list-type": "2", prefix }), "Key");
}

/** The CLI's environment: moto's fake credentials, no ambient AWS profile, offline Pulumi. */
function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^(AWS_|PULUMI_)/.test(k)) delete env[k];
  return {
    ...env,
    PATH: pulumiPath(),
    PULUMI_HOME: home,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    NO_COLOR: "1",
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    AWS_REGION: REGION,
    // Nothing from the machine's own AWS setup may leak in.
    AWS_CONFIG_FILE: path.join(root, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(root, "no-aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

interface Run {
  code: number;
  out: string;
}

function pulumi(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(resolvePulumi().bin, [...args, "--non-interactive"], { cwd: projectDir, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

async function mustPulumi(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await pulumi(args, env);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}:\n${r.out}`);
  return r.out;
}

beforeAll(async () => {
  moto = await startMoto({ port: 0 });
  root = mkdtempSync(path.join(tmpdir(), "golive-team-"));
  bucket = `selgeo-golive-state-${randomBytes(4).toString("hex")}`;

  // The bucket, versioned so every state write keeps the previous one.
  await s3("PUT", "");
  await s3(
    "PUT",
    "",
    { versioning: "" },
    '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>',
  );
  // The key and its alias.
  const key = await kms("CreateKey", { Description: "selgeo-golive Pulumi state secrets", KeyUsage: "ENCRYPT_DECRYPT" });
  keyArn = key.KeyMetadata.Arn;
  await kms("CreateAlias", { AliasName: ALIAS, TargetKeyId: key.KeyMetadata.KeyId });

  // A tiny program: one secret config value, exported as an output.
  projectDir = path.join(root, "project");
  mkdirSync(projectDir);
  writeFileSync(path.join(projectDir, "Pulumi.yaml"), `name: ${PROJECT}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`);
  writeFileSync(path.join(projectDir, "package.json"), JSON.stringify({ name: PROJECT, private: true }) + "\n");
  writeFileSync(
    path.join(projectDir, "index.ts"),
    'import * as pulumi from "@pulumi/pulumi";\nexport const token = new pulumi.Config("demo").requireSecret("token");\nexport const plain = "not a secret";\n',
  );
  // The language host resolves @pulumi/pulumi and ts-node from the program's folder.
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(projectDir, "node_modules"), "dir");
});

afterAll(async () => {
  await moto?.close();
});

describe("S3 state backend and awskms:// secrets provider against moto", () => {
  // Production URLs; moto only through the environment.
  const backendUrl = () => `s3://${bucket}?region=${REGION}&use_path_style=true`;
  const secretsProvider = `awskms://${ALIAS}?region=${REGION}`;
  const envViaEndpointVars = () =>
    cliEnv(path.join(root, "home-team"), { AWS_ENDPOINT_URL_S3: moto.url, AWS_ENDPOINT_URL_KMS: moto.url });

  it("logs in to the bucket, creates the stack with a KMS-wrapped data key, sets a secret and runs up", async () => {
    const env = envViaEndpointVars();
    const login = await mustPulumi(["login", backendUrl()], env);
    expect(login).toContain(`Logged in to`);
    expect(login).toContain(`(s3://${bucket}?`);

    await mustPulumi(["stack", "init", STACK, "--secrets-provider", secretsProvider], env);
    const stackFile = () => readFileSync(path.join(projectDir, `Pulumi.${STACK}.yaml`), "utf8");
    expect(stackFile()).toMatch(new RegExp(`^secretsprovider: ${secretsProvider.replace(/[?.]/g, "\\$&")}$`, "m"));
    const encryptedKey = /^encryptedkey: (\S+)$/m.exec(stackFile())?.[1];
    expect(encryptedKey).toBeTruthy();
    // The stack's data key is a KMS ciphertext of our key: KMS itself unwraps it to 32 bytes.
    const unwrapped = await kms("Decrypt", { CiphertextBlob: encryptedKey });
    expect(unwrapped.KeyId).toBe(keyArn);
    expect(Buffer.from(unwrapped.Plaintext, "base64")).toHaveLength(32);

    await mustPulumi(["config", "set", "--secret", "demo:token", plainToken, "--stack", STACK], env);
    expect(stackFile()).toMatch(/demo:token:\n\s+secure: v1:/);
    expect(stackFile()).not.toContain(plainToken);

    const up = await mustPulumi(["up", "--yes", "--skip-preview", "--stack", STACK], env);
    expect(up).toMatch(/token: \[secret\]/);
    expect(up).not.toContain(plainToken);
  }, 180_000);

  it("keeps the state in the bucket (under .pulumi/stacks/), versioned, with the secret only as ciphertext", async () => {
    const stateKey = `.pulumi/stacks/${PROJECT}/${STACK}.json`;
    expect(await listKeys(".pulumi/stacks/")).toContain(stateKey);
    const state = JSON.parse(await s3("GET", stateKey));
    expect(state.checkpoint.latest.secrets_providers).toEqual({
      type: "cloud",
      state: { url: secretsProvider, encryptedkey: expect.any(String) },
    });
    const stackResource = state.checkpoint.latest.resources.find((r: any) => r.type === "pulumi:pulumi:Stack");
    expect(stackResource.outputs.plain).toBe("not a secret");
    expect(stackResource.outputs.token).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      ciphertext: expect.stringMatching(/^v1:/),
    });
    // Not one object in the bucket (state, backups, history) holds the value in plain text.
    const all = await listKeys();
    expect(all.length).toBeGreaterThan(3);
    for (const k of all) expect(await s3("GET", k), k).not.toContain(plainToken);
    // Versioning keeps every write of the state file (stack init, then up).
    const versions = xmlAll(await s3("GET", "", { versions: "", prefix: stateKey }), "VersionId");
    expect(versions.length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it("stack export shows ciphertext only; stack output --show-secrets decrypts through KMS", async () => {
    const env = envViaEndpointVars();
    const exported = await mustPulumi(["stack", "export", "--stack", STACK], env);
    expect(exported).not.toContain(plainToken);
    expect(exported).toContain('"ciphertext": "v1:');
    expect(exported).toContain(`"url": "${secretsProvider.replace("&", "\\u0026")}"`);

    expect(JSON.parse(await mustPulumi(["stack", "output", "--json", "--stack", STACK], env))).toEqual({
      plain: "not a secret",
      token: "[secret]",
    });
    const shown = JSON.parse(await mustPulumi(["stack", "output", "--json", "--show-secrets", "--stack", STACK], env));
    expect(shown.token).toBe(plainToken);
  }, 60_000);

  it("cannot decrypt without KMS: with the KMS endpoint unreachable, --show-secrets fails", async () => {
    const env = cliEnv(path.join(root, "home-team"), { AWS_ENDPOINT_URL_S3: moto.url, AWS_ENDPOINT_URL_KMS: "http://127.0.0.1:9" });
    const r = await pulumi(["stack", "output", "--json", "--show-secrets", "--stack", STACK], env);
    expect(r.code).not.toBe(0);
    expect(r.out).not.toContain(plainToken);
    // e.g. `constructing secrets manager of type "cloud": … operation error KMS: Decrypt, … connection refused`
    expect(r.out).toMatch(/secrets manager of type "cloud"[\s\S]*KMS: Decrypt/);
  }, 90_000);

  it("explicit endpoints in the URLs work too: the SDK-v2 form, the legacy v1 form, and awskms ?endpoint=", async () => {
    const host = new URL(moto.url).host;
    const urls = [
      `s3://${bucket}?endpoint=${encodeURIComponent(moto.url)}&use_path_style=true&region=${REGION}`,
      // gocloud.dev v0.46 itself rejects disableSSL; Pulumi v3.248.0 rewrites it to disable_https.
      `s3://${bucket}?endpoint=${host}&disableSSL=true&s3ForcePathStyle=true&region=${REGION}`,
    ];
    for (const [i, url] of urls.entries()) {
      // No AWS_ENDPOINT_URL_* at all: everything the CLI needs is in the URLs.
      const env = cliEnv(path.join(root, `home-explicit-${i}`));
      await mustPulumi(["login", url], env);
      const stacks = JSON.parse(await mustPulumi(["stack", "ls", "--json"], env));
      expect(stacks.map((s: any) => s.name), url).toContain(STACK);
    }

    const env = cliEnv(path.join(root, "home-explicit-1"));
    const explicitProvider = `awskms://${ALIAS}?region=${REGION}&endpoint=${encodeURIComponent(moto.url)}`;
    await mustPulumi(["stack", "init", "team-explicit", "--secrets-provider", explicitProvider], env);
    const file = readFileSync(path.join(projectDir, "Pulumi.team-explicit.yaml"), "utf8");
    expect(file).toContain(`secretsprovider: ${explicitProvider}`);
    expect(file).toMatch(/^encryptedkey: \S+$/m);
    await mustPulumi(["config", "set", "--secret", "demo:token", plainToken, "--stack", "team-explicit"], env);
    expect(readFileSync(path.join(projectDir, "Pulumi.team-explicit.yaml"), "utf8")).not.toContain(plainToken);
    // `config get` decrypts with the stack's data key, itself unwrapped by KMS at the URL's endpoint.
    expect((await mustPulumi(["config", "get", "demo:token", "--stack", "team-explicit"], env)).trim()).toBe(plainToken);
    expect(await listKeys(`.pulumi/stacks/${PROJECT}/`)).toContain(`.pulumi/stacks/${PROJECT}/team-explicit.json`);
  }, 120_000);
});
