/**
 * What the post-deploy commands (`verify`, `checklist`, `cleanup-test`) share: a deployed stack's
 * outputs and config read through the real Pulumi CLI (`pulumi stack output --json`,
 * `pulumi config --json`), the Selgeo key resolved the way the providers resolve it (config value,
 * SELGEO_SECRET_KEY, or an `awssm://` reference), and a SelgeoClient for it.
 */
import path from "node:path";
import type Stripe from "stripe";
import {
  configureFromStack,
  listAll as listAllPages,
  rawSettings,
  resolvedSecretKey,
  selgeoClient,
  settingsProblems,
  stripeClient,
  type Mode,
  type SelgeoClient,
} from "@selgeo-golive/runtime";
import { readSharedDeclaration, withSharedDeclaration } from "../config/declaration";
import { checkpointHint } from "./checkpointHealth";
import { pulumiPath, resolvePulumi, runProcess, type CliResult } from "./pulumiCli";
import { passphraseProblem } from "./stackErrors";
import { assertStackFileLoadable } from "./stackFile";

/** Flags every stack command takes. */
export interface StackArgs {
  stack: string;
  /** The Pulumi project folder (default: the current directory). */
  cwd: string;
  backendUrl?: string;
  json: boolean;
  /** Every other `--flag [value]` seen, for the command's own options. */
  flags: Map<string, string | true>;
}

/** Parses `--stack NAME [--cwd DIR] [--backend-url URL] [--json]` and the command's own flags. */
export function parseStackArgs(argv: string[], booleanFlags: string[] = []): StackArgs {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const eq = a.indexOf("=");
    if (eq > 0) {
      flags.set(a.slice(2, eq), a.slice(eq + 1));
    } else if (a === "--json" || booleanFlags.includes(a.slice(2)) || i + 1 >= argv.length || argv[i + 1].startsWith("--")) {
      flags.set(a.slice(2), true);
    } else {
      flags.set(a.slice(2), argv[++i]);
    }
  }
  const str = (k: string) => (typeof flags.get(k) === "string" ? (flags.get(k) as string) : undefined);
  const stack = str("stack");
  if (!stack) throw new Error("--stack NAME is required");
  return {
    stack,
    cwd: path.resolve(str("cwd") ?? process.cwd()),
    backendUrl: str("backend-url") ?? process.env.PULUMI_BACKEND_URL,
    json: flags.get("json") === true,
    flags,
  };
}

/** Where the Selgeo key came from (never the key itself). */
export type KeySource = "config" | "config (secret)" | "env SELGEO_SECRET_KEY" | "awssm reference";

/** A deployed stack, ready to be checked. */
export interface StackContext {
  args: StackArgs;
  outputs: Record<string, unknown>;
  /** `selgeo:*` and other config values: objects parsed, secrets decrypted (keep them out of output). */
  config: Record<string, unknown>;
  /** Which config keys are Pulumi secrets. */
  secretConfig: Set<string>;
  mode: Mode;
  apiUrl: string;
  stripeApiUrl: string;
  keySource: KeySource;
  stripeKeySource?: KeySource;
  /** The resolved Selgeo secret key (sk_…). Never print it. */
  secretKey: string;
  client: SelgeoClient;
  /** The official Stripe SDK for the stack's Stripe key, when one is configured. */
  stripe(): Promise<Stripe>;
  /** AWS options for Secrets Manager reads (region from `selgeo:aws`; endpoint from the environment). */
  aws: { region?: string };
}

/** Runs the chosen Pulumi CLI (`resolvePulumi`) with the same environment conventions as PulumiWorkspace. */
export function runPulumi(args: string[], a: Pick<StackArgs, "stack" | "cwd" | "backendUrl">): Promise<CliResult> {
  const cli = resolvePulumi();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: pulumiPath(process.env.PATH, cli),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    NO_COLOR: "1",
    ...(a.backendUrl ? { PULUMI_BACKEND_URL: a.backendUrl } : {}),
  };
  return runProcess(cli.bin, [...args, "--stack", a.stack, "--non-interactive"], { cwd: a.cwd, env });
}

async function pulumiJson(args: string[], a: StackArgs): Promise<unknown> {
  const r = await runPulumi(args, a);
  // No passphrase is ever assumed: a passphrase stack without one gets the line saying how to set it.
  const passphrase = r.code !== 0 ? passphraseProblem(r.stderr + r.stdout, a.stack) : undefined;
  if (passphrase) throw new Error(passphrase);
  if (r.code !== 0) {
    const text = (r.stderr || r.stdout).trim();
    const hint = checkpointHint(text, a.backendUrl, a.stack);
    throw new Error(`pulumi ${args.join(" ")} --stack ${a.stack} failed (exit ${r.code}): ${text}${hint ? `\n${hint}` : ""}`);
  }
  return JSON.parse(r.stdout || "{}");
}

function sourceOf(raw: string | undefined, secret: boolean, envName: string): KeySource {
  if (raw === undefined) return `env ${envName}` as KeySource;
  if (raw.startsWith("awssm://") || raw.trim().startsWith("{")) return "awssm reference";
  return secret ? "config (secret)" : "config";
}

/** Reads a deployed stack's outputs and config and builds its Selgeo client. */
export async function loadStackContext(args: StackArgs): Promise<StackContext> {
  // A value the Pulumi CLI cannot load fails every command without naming its key: say it first.
  assertStackFileLoadable(args.cwd, args.stack);
  const [outputs, rawConfig] = await Promise.all([
    pulumiJson(["stack", "output", "--json", "--show-secrets"], args),
    pulumiJson(["config", "--json", "--show-secrets"], args),
  ]);
  const strings = new Map<string, string>();
  const own: Record<string, unknown> = {};
  const secretConfig = new Set<string>();
  for (const [k, v] of Object.entries(rawConfig as Record<string, { value?: string; objectValue?: unknown; secret?: boolean }>)) {
    if (v.secret) secretConfig.add(k);
    if (v.value !== undefined) strings.set(k, v.value);
    own[k] = v.objectValue ?? v.value;
  }
  // Pulumi hands over a stack's own map whole; the program merges the shared declaration under it,
  // and so do the commands (the providers' settings, in `strings`, are never shared).
  const config = withSharedDeclaration(readSharedDeclaration(args.cwd), own);
  configureFromStack({ get: (k) => strings.get(k) });
  const problems = await settingsProblems();
  if (problems.length > 0) throw new Error(`stack ${args.stack}: ${problems.join("; ")}`);
  const s = rawSettings()!;
  const client = await selgeoClient();
  const secretKey = await resolvedSecretKey();
  const awsCfg = config["selgeo:aws"] as { region?: string } | undefined;
  return {
    args,
    outputs: outputs as Record<string, unknown>,
    config,
    secretConfig,
    mode: s.mode,
    apiUrl: s.apiUrl,
    stripeApiUrl: s.stripeApiUrl,
    keySource: sourceOf(strings.get("selgeo:secretKey"), secretConfig.has("selgeo:secretKey"), "SELGEO_SECRET_KEY"),
    stripeKeySource: s.stripeSecretKey
      ? sourceOf(strings.get("selgeo:stripeSecretKey"), secretConfig.has("selgeo:stripeSecretKey"), "STRIPE_SECRET_KEY")
      : undefined,
    secretKey,
    client,
    stripe: () => stripeClient(),
    aws: { region: awsCfg?.region },
  };
}

/** True when `stripeApiUrl` is the sandbox's Stripe emulator (it answers `/_stripe/info`). */
export async function isStripeEmulator(stripeApiUrl: string): Promise<boolean> {
  if (/^https:\/\/api\.stripe\.com\/?$/.test(stripeApiUrl)) return false;
  try {
    const res = await fetch(new URL("/_stripe/info", stripeApiUrl), { signal: AbortSignal.timeout(5000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Every page of a list route (`limit` 100, `starting_after` = `cursor(item)`), at most `max` items: the client's loop. */
export function listAll<T>(
  fetchPage: (startingAfter?: string) => Promise<{ data: T[]; has_more: boolean }>,
  cursor?: (item: T) => string,
  max = 10_000,
): Promise<T[]> {
  return listAllPages(fetchPage, { cursor, max });
}

/** One check's outcome, as every stack command prints it. */
export type CheckStatus = "passed" | "failed" | "needs_attention" | "skipped";

/** A compact human table: status mark, title, evidence. */
export function renderRows(rows: Array<{ label: string; status: CheckStatus; evidence: string }>): string {
  const mark: Record<CheckStatus, string> = { passed: "✔ passed", failed: "✘ failed", needs_attention: "! needs attention", skipped: "- skipped" };
  const w = Math.max(...rows.map((r) => r.label.length), 4);
  const sw = Math.max(...rows.map((r) => mark[r.status].length));
  return rows.map((r) => `${r.label.padEnd(w)}  ${mark[r.status].padEnd(sw)}  ${r.evidence}`).join("\n") + "\n";
}

/** How a stack report (`golive verify`, `golive checklist`) builds and prints its rows. */
export interface StackReport<T extends { status: CheckStatus; evidence: string }> {
  /** The command's name, for the header line. */
  command: string;
  /** Builds the rows on the loaded stack. */
  build(ctx: StackContext): Promise<T[]>;
  /** What --json prints. */
  json(rows: T[], failed: T[], args: StackArgs, ctx: StackContext): unknown;
  /** A row's label in the table. */
  label(row: T): string;
  /** The line under the table. */
  summary(rows: T[], failed: T[]): string;
}

/**
 * Runs a stack report on the stack `argv` names: JSON with --json, else a header, the table and the
 * summary line. Resolves to the exit code: 1 when a row failed.
 */
export async function runStackReport<T extends { status: CheckStatus; evidence: string }>(argv: string[], report: StackReport<T>): Promise<number> {
  const args = parseStackArgs(argv);
  const ctx = await loadStackContext(args);
  const rows = await report.build(ctx);
  const failed = rows.filter((r) => r.status === "failed");
  if (args.json) {
    process.stdout.write(JSON.stringify(report.json(rows, failed, args, ctx), null, 2) + "\n");
  } else {
    process.stdout.write(`golive ${report.command}: stack ${args.stack} (${ctx.mode} mode)\n`);
    process.stdout.write(renderRows(rows.map((r) => ({ label: report.label(r), status: r.status, evidence: r.evidence }))));
    process.stdout.write(report.summary(rows, failed));
  }
  return failed.length ? 1 : 0;
}
