/**
 * Runs the real Pulumi CLI offline: the one `resolvePulumi` picks (an explicit `PULUMI_CLI` /
 * `--pulumi`, a new enough `pulumi` on PATH, or the one tools/build-pulumi.sh built), a private
 * PULUMI_HOME, a `file://` backend, and a project folder of its own whose `main` points at this
 * repository's program, so stack files and state never land in the working tree.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT, TOOLS_BIN } from "../sandbox/repoPaths";

export { REPO_ROOT, TOOLS_BIN };
/** The CLI tools/build-pulumi.sh builds (used only when no `pulumi` on PATH is new enough). */
export const PULUMI_BIN = path.join(TOOLS_BIN, "pulumi");
/** Where @pulumi/pulumi ships `pulumi-resource-pulumi-nodejs`, the dynamic-provider launcher. */
export const SDK_ROOT = path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi");

/**
 * The oldest Pulumi CLI the project runs with: the version of the `@pulumi/pulumi` it pins. An engine
 * older than the SDK may lack features the SDK asks for; a newer one is supported by Pulumi. Keep it
 * equal to `min=` in tools/build-pulumi.sh (a unit test compares them).
 */
export const MIN_PULUMI_VERSION = "3.248.0";

/** How the CLI in use was chosen. */
export type PulumiSource = "--pulumi" | "PULUMI_CLI" | "PATH" | "built";

/** The Pulumi CLI every golive command and test runs, and why that one. */
export interface ResolvedPulumi {
  bin: string;
  /** As `pulumi version` prints it, e.g. `v3.248.0`. */
  version: string;
  source: PulumiSource;
  /** One line for `golive doctor` and setup: which CLI and why. */
  why: string;
  /** Folders to put first on the engine's PATH: the CLI's own folder (its language host and launcher), then fallbacks. */
  pathPrefix: string[];
  /** Where the engine will find the Node.js language host, or undefined when there is none. */
  languageHost?: string;
  /** Where the engine will find the dynamic-provider launcher, or undefined when there is none. */
  launcher?: string;
}

/** A Pulumi CLI that cannot be used; the message is one line saying what to do. */
export class PulumiCliError extends Error {}

let flagOverride: string | undefined;
/** `--pulumi PATH` on a golive command line: wins over PULUMI_CLI and PATH. */
export function setPulumiOverride(bin: string | undefined): void {
  flagOverride = bin;
  resolved = undefined;
  // golive commands started from this one (the demo runs `golive checklist`) pick the same CLI.
  if (bin) process.env.PULUMI_CLI = path.resolve(bin);
}

/** Parses `v3.248.0`, `3.248.0-dev.0` or `pulumi version v3.250.1`; undefined when it is not a version. */
export function parsePulumiVersion(text: string): [number, number, number] | undefined {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** True when `version` (as `pulumi version` prints it) is at least MIN_PULUMI_VERSION. */
export function isNewEnough(version: string, min = MIN_PULUMI_VERSION): boolean {
  const v = parsePulumiVersion(version);
  const m = parsePulumiVersion(min)!;
  if (!v) return false;
  for (let i = 0; i < 3; i++) if (v[i] !== m[i]) return v[i] > m[i];
  return true;
}

function isExecutable(file: string): boolean {
  try {
    return statSync(file).isFile() && (accessSync(file, constants.X_OK), true);
  } catch {
    return false;
  }
}

/** The first executable `name` on a PATH string. */
export function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function cliVersion(bin: string): string | undefined {
  try {
    const out = execFileSync(bin, ["version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 30_000,
      env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
    }).trim();
    return parsePulumiVersion(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

function withHelpers(bin: string, version: string, source: PulumiSource, why: string): ResolvedPulumi {
  // The engine looks beside its real executable (a packaged CLI is often a symlink into its folder).
  const dir = path.dirname(realpathSync(bin));
  // The engine prefers a language host and launcher on PATH over the ones beside the CLI, so the CLI's
  // own folder goes first; the SDK's launcher and our built host are fallbacks for a bare `pulumi`.
  const pathPrefix = [dir];
  let languageHost: string | undefined = path.join(dir, "pulumi-language-nodejs");
  if (!isExecutable(languageHost)) {
    languageHost = isExecutable(path.join(TOOLS_BIN, "pulumi-language-nodejs")) ? path.join(TOOLS_BIN, "pulumi-language-nodejs") : undefined;
    if (languageHost) pathPrefix.push(TOOLS_BIN);
    else languageHost = findOnPath("pulumi-language-nodejs", process.env.PATH);
  }
  let launcher: string | undefined = path.join(dir, "pulumi-resource-pulumi-nodejs");
  if (!isExecutable(launcher)) {
    launcher = path.join(SDK_ROOT, "pulumi-resource-pulumi-nodejs");
    if (existsSync(launcher)) pathPrefix.push(SDK_ROOT);
    else launcher = undefined;
  }
  return { bin, version, source, why, pathPrefix: [...new Set(pathPrefix)], languageHost, launcher };
}

let resolved: ResolvedPulumi | undefined;

/**
 * Picks the Pulumi CLI: `--pulumi PATH`, else `PULUMI_CLI`, else the first `pulumi` on PATH when it is
 * at least MIN_PULUMI_VERSION, else the one tools/build-pulumi.sh built. An explicit pick that is
 * missing or too old is an error, never silently replaced.
 */
export function resolvePulumi(opts: { fresh?: boolean; env?: NodeJS.ProcessEnv } = {}): ResolvedPulumi {
  if (resolved && !opts.fresh && !opts.env) return resolved;
  const env = opts.env ?? process.env;
  const explicit: [PulumiSource, string] | undefined = flagOverride
    ? ["--pulumi", flagOverride]
    : env.PULUMI_CLI
      ? ["PULUMI_CLI", env.PULUMI_CLI]
      : undefined;
  let result: ResolvedPulumi;
  if (explicit) {
    const [source, given] = explicit;
    const bin = path.resolve(given);
    if (!isExecutable(bin)) throw new PulumiCliError(`${source} ${given}: no executable Pulumi CLI there; point it at a \`pulumi\` binary (v${MIN_PULUMI_VERSION} or newer) or unset it`);
    const version = cliVersion(bin);
    if (!version) throw new PulumiCliError(`${source} ${given}: \`${given} version\` did not print a version; point it at a Pulumi CLI (v${MIN_PULUMI_VERSION} or newer)`);
    if (!isNewEnough(version)) throw new PulumiCliError(`${source} ${given}: Pulumi CLI ${version} is older than v${MIN_PULUMI_VERSION}; upgrade it or unset ${source}`);
    result = withHelpers(bin, version, source, `${source} picks ${bin}`);
  } else {
    let onPath = findOnPath("pulumi", env.PATH);
    // Our own build on PATH (README suggests .tools/bin there) is the built one, not a user's CLI.
    if (onPath && path.resolve(onPath) === PULUMI_BIN) onPath = undefined;
    const pathVersion = onPath ? cliVersion(onPath) : undefined;
    if (onPath && pathVersion && isNewEnough(pathVersion)) {
      result = withHelpers(onPath, pathVersion, "PATH", `the first pulumi on PATH; v${MIN_PULUMI_VERSION}+ needed`);
    } else {
      const pathNote = onPath ? `the pulumi on PATH (${onPath}) is ${pathVersion ?? "unusable"}, older than v${MIN_PULUMI_VERSION}` : "no pulumi on PATH";
      const builtVersion = isExecutable(PULUMI_BIN) ? cliVersion(PULUMI_BIN) : undefined;
      if (!builtVersion) {
        throw new PulumiCliError(`no usable Pulumi CLI (${pathNote}, none built in ${TOOLS_BIN}): install pulumi v${MIN_PULUMI_VERSION}+ on PATH, set PULUMI_CLI, or run \`npm run setup\` with Go 1.26+`);
      }
      result = withHelpers(PULUMI_BIN, builtVersion, "built", `${pathNote}: using the one built by npm run setup`);
    }
  }
  if (!opts.env) resolved = result;
  return result;
}

/** PATH for a pulumi run: the chosen CLI's folders first, then the caller's PATH. */
export function pulumiPath(base: string | undefined = process.env.PATH, cli: ResolvedPulumi = resolvePulumi()): string {
  return [...cli.pathPrefix, ...(base ? [base] : [])].join(path.delimiter);
}

/** The result of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args` without a terminal (stdin closed) and collects its output; a process killed by a signal exits 1. */
export function runProcess(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Options for a throwaway (or kept) stack workspace. */
export interface WorkspaceOptions {
  stack: string;
  /** `selgeo:*` and other config, written as plain values into Pulumi.<stack>.yaml. */
  config: Record<string, unknown>;
  /** Extra environment for every CLI run (e.g. SELGEO_SECRET_KEY). */
  env?: Record<string, string>;
  /** Parent folder; default: a fresh temp dir. */
  dir?: string;
  /** Echo CLI output to this process's stderr as it arrives. */
  echo?: boolean;
}

/** A Pulumi project folder with one stack on a local file backend. */
export class PulumiWorkspace {
  readonly projectDir: string;
  readonly stateDir: string;
  readonly homeDir: string;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(readonly opts: WorkspaceOptions, root: string) {
    this.projectDir = path.join(root, "project");
    this.stateDir = path.join(root, "state");
    this.homeDir = path.join(root, "home");
    for (const d of [this.projectDir, this.stateDir, this.homeDir]) mkdirSync(d, { recursive: true });
    this.env = {
      ...process.env,
      PATH: pulumiPath(),
      PULUMI_HOME: this.homeDir,
      PULUMI_BACKEND_URL: `file://${this.stateDir}`,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      NO_COLOR: "1",
      // `npm run typecheck` (run before the tests) type-checks the program once; every CLI run
      // only transpiles, which saves seconds per preview/up/refresh.
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      ...opts.env,
    };
  }

  /** Creates the project folder, logs in to the file backend and initialises the stack. */
  static async create(opts: WorkspaceOptions): Promise<PulumiWorkspace> {
    resolvePulumi();
    const root = opts.dir ?? mkdtempSync(path.join(tmpdir(), "golive-"));
    mkdirSync(root, { recursive: true });
    const ws = new PulumiWorkspace(opts, root);
    const main = path.relative(ws.projectDir, REPO_ROOT);
    writeFileSync(
      path.join(ws.projectDir, "Pulumi.yaml"),
      [
        "name: selgeo-golive",
        "runtime:",
        "  name: nodejs",
        "  options:",
        // program.js runs the compiled program (or transpiles it): Pulumi.yaml says why.
        "    typescript: false",
        `main: ${JSON.stringify(main)}`,
        "",
      ].join("\n"),
    );
    // Dynamic providers resolve `require("@selgeo-golive/runtime")` from the project folder.
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(ws.projectDir, "node_modules"), "dir");
    await ws.mustRun(["stack", "init", opts.stack, "--secrets-provider", "passphrase"]);
    ws.writeConfig(opts.config);
    return ws;
  }

  /** Replaces the stack's config file (plain values; secrets belong in the environment or Secrets Manager). */
  writeConfig(config: Record<string, unknown>): void {
    const file = path.join(this.projectDir, `Pulumi.${this.opts.stack}.yaml`);
    const existing = existsSync(file) ? readFileSync(file, "utf8") : "";
    const salt = /^encryptionsalt:.*$/m.exec(existing)?.[0];
    // A JSON object is valid YAML flow syntax: no YAML library needed.
    writeFileSync(file, (salt ? salt + "\n" : "") + `config: ${JSON.stringify(config)}\n`);
  }

  /** Runs `pulumi <args>` in the project folder with the stack selected. */
  run(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    return this.start(args, extraEnv).done;
  }

  /** The environment every CLI run gets (backend, home, tools on PATH, the caller's extras). */
  cliEnv(): NodeJS.ProcessEnv {
    return { ...this.env };
  }

  /** Starts `pulumi <args>` and hands back the process (to signal it) and its result. */
  start(args: string[], extraEnv: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliResult> } {
    const fullArgs = [...args, "--stack", this.opts.stack, "--non-interactive"];
    if (args[0] === "stack" && args[1] === "init") fullArgs.splice(fullArgs.indexOf("--stack"), 2);
    const child = spawn(resolvePulumi().bin, fullArgs, {
      cwd: this.projectDir,
      env: { ...this.env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const done = new Promise<CliResult>((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (d: Buffer) => {
        stdout += d;
        if (this.opts.echo) process.stderr.write(d);
      });
      child.stderr!.on("data", (d: Buffer) => {
        stderr += d;
        if (this.opts.echo) process.stderr.write(d);
      });
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 137 : 1), stdout, stderr }));
    });
    return { child, done };
  }

  /** Like run, but throws with the CLI's output when it fails. */
  async mustRun(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    const r = await this.run(args, extraEnv);
    if (r.code !== 0) {
      throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    }
    return r;
  }

  /** `pulumi stack output --json`. */
  async outputs(showSecrets = false): Promise<Record<string, unknown>> {
    const r = await this.mustRun(["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : [])]);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  /** The file backend's state file for this stack. */
  stateFile(): string {
    return path.join(this.stateDir, ".pulumi", "stacks", "selgeo-golive", `${this.opts.stack}.json`);
  }
}
