/**
 * What a dress rehearsal needs to know about a stack file before anything starts: the hosts it
 * names (Selgeo's API, Stripe's, each webhook receiver's), the Secrets Manager references its keys
 * are read from, the KMS key its signing secrets are written with (from the effective declaration:
 * Pulumi.yaml's shared part merged with the stack file); and the throw-away copy of the
 * project the rehearsal runs `pulumi` in, with the stack file as written.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { secrets } from "@selgeo-golive/runtime";
import { readEffectiveDeclaration } from "../config/declaration";
import { REPO_ROOT } from "./pulumiCli";

/** One webhook endpoint of the stack, as the rehearsal's receivers serve it. */
export interface PlannedEndpoint {
  name: string;
  url: string;
}

/** A key the stack reads from Secrets Manager: which config key, and where. */
export interface PlannedKey {
  configKey: "selgeo:secretKey" | "selgeo:stripeSecretKey";
  ref: secrets.SecretReference;
}

/** The stack file, read for a rehearsal. */
export interface RehearsalPlan {
  stack: string;
  /** The stack file's path. */
  file: string;
  mode: "test" | "live";
  apiUrl: string;
  stripeApiUrl: string;
  endpoints: PlannedEndpoint[];
  keys: PlannedKey[];
  region?: string;
  kmsKeyId?: string;
  /** Whether the stack declares the Stripe endpoint (`selgeo:stripe`). */
  stripe: boolean;
}

/** A stack file the rehearsal cannot run; the message names the config path and what to do. */
export class RehearsalPlanError extends Error {}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Reads `Pulumi.<stack>.yaml` in `projectDir`. */
export function readRehearsalPlan(projectDir: string, stack: string): RehearsalPlan {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) throw new RehearsalPlanError(`${file}: no such stack file; run \`golive rehearse\` in the project folder (or --cwd DIR)`);
  let config: Record<string, unknown>;
  try {
    // What the program sees: Pulumi.yaml's shared declaration merged with the stack file.
    config = readEffectiveDeclaration(projectDir, stack).values as Record<string, unknown>;
  } catch (e) {
    throw new RehearsalPlanError((e as Error).message.replace(/\s*\n\s*/g, " "));
  }
  const rel = path.basename(file);
  const mode = str(config["selgeo:mode"]) ?? "test";
  if (mode !== "test" && mode !== "live") throw new RehearsalPlanError(`${rel}: selgeo:mode must be test or live; got ${JSON.stringify(mode)}`);
  const apiUrl = str(config["selgeo:apiUrl"]);
  if (!apiUrl) throw new RehearsalPlanError(`${rel}: selgeo:apiUrl is not set; a rehearsal serves Selgeo at the URL the stack names`);
  const urls: Array<[string, string]> = [["selgeo:apiUrl", apiUrl]];
  const stripeApiUrl = str(config["selgeo:stripeApiUrl"]) ?? "https://api.stripe.com";
  urls.push(["selgeo:stripeApiUrl", stripeApiUrl]);
  const endpoints: PlannedEndpoint[] = [];
  const declared = (config["selgeo:webhookEndpoints"] ?? {}) as Record<string, { url?: unknown }>;
  for (const [name, ep] of Object.entries(declared)) {
    const url = str(ep?.url);
    if (!url) throw new RehearsalPlanError(`${rel}: selgeo:webhookEndpoints.${name}.url is not set`);
    urls.push([`selgeo:webhookEndpoints.${name}.url`, url]);
    endpoints.push({ name, url });
  }
  for (const [key, url] of urls) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new RehearsalPlanError(`${rel}: ${key}: ${JSON.stringify(url)} is not an absolute URL`);
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new RehearsalPlanError(`${rel}: ${key}: ${url} is not an http(s) URL`);
  }
  const keys: PlannedKey[] = [];
  for (const configKey of ["selgeo:secretKey", "selgeo:stripeSecretKey"] as const) {
    const raw = config[configKey];
    if (raw === undefined) continue;
    if (typeof raw === "object" && raw !== null && "secure" in raw) {
      throw new RehearsalPlanError(`${rel}: ${configKey} is an encrypted value; a rehearsal puts fake keys behind awssm:// references only (a live stack takes references only anyway)`);
    }
    if (typeof raw === "string" && !raw.startsWith("awssm://")) {
      throw new RehearsalPlanError(`${rel}: ${configKey} is a plain key; use an awssm:// reference (README, "The stack config")`);
    }
    try {
      keys.push({ configKey, ref: secrets.parseSecretReference(raw, configKey) });
    } catch (e) {
      throw new RehearsalPlanError(`${rel}: ${(e as Error).message}`);
    }
  }
  const aws = (config["selgeo:aws"] ?? {}) as { region?: unknown; kmsKeyId?: unknown };
  return {
    stack,
    file,
    mode,
    apiUrl,
    stripeApiUrl,
    endpoints,
    keys,
    region: str(aws.region),
    kmsKeyId: str(aws.kmsKeyId),
    stripe: config["selgeo:stripe"] !== undefined,
  };
}

/** `host:port` of a URL (the default port made explicit), lower-case. */
export function hostPortOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname.replace(/^\[|\]$/g, "").toLowerCase()}:${u.port || (u.protocol === "https:" ? 443 : 80)}`;
}

// Lines `pulumi stack init --secrets-provider awskms://…` adds: the copy uses a passphrase instead.
const SECRETS_PROVIDER_LINE = /^(secretsprovider|encryptedkey|encryptionsalt):.*\n?/gm;

/** The throw-away project folder: what it holds, and what was left out of the stack file. */
export interface ProjectCopy {
  dir: string;
  /** The stack file lines left out (`secretsprovider:` …), each as `key:` only. */
  stripped: string[];
}

/**
 * Copies the project into `dir`: Pulumi.yaml (its `main` pointing at the original program) and the
 * stack file as written, less its secrets-provider lines; node_modules linked (the dynamic
 * providers load the runtime from the project folder).
 */
export function copyProject(projectDir: string, plan: RehearsalPlan, dir: string): ProjectCopy {
  mkdirSync(dir, { recursive: true });
  const projectFile = readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8");
  const doc = load(projectFile) as { main?: unknown } | null;
  const main = path.resolve(projectDir, typeof doc?.main === "string" ? doc.main : ".");
  const withoutMain = projectFile.replace(/^main:.*\n?/m, "");
  writeFileSync(path.join(dir, "Pulumi.yaml"), `${withoutMain.replace(/\n?$/, "\n")}main: ${JSON.stringify(main)}\n`);
  const text = readFileSync(plan.file, "utf8");
  const stripped = [...text.matchAll(SECRETS_PROVIDER_LINE)].map((m) => m[1] + ":");
  writeFileSync(path.join(dir, path.basename(plan.file)), text.replace(SECRETS_PROVIDER_LINE, ""));
  const modules = existsSync(path.join(main, "node_modules")) ? path.join(main, "node_modules") : path.join(REPO_ROOT, "node_modules");
  symlinkSync(modules, path.join(dir, "node_modules"), "dir");
  return { dir, stripped };
}
