/**
 * Runs the real Pulumi CLI offline: the binaries built by tools/build-pulumi.sh, a private
 * PULUMI_HOME, a `file://` backend, and a project folder of its own whose `main` points at this
 * repository's program, so stack files and state never land in the working tree.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** The repository root (where Pulumi.yaml and index.ts live). */
export const REPO_ROOT = path.resolve(__dirname, "..");
/** Where tools/build-pulumi.sh puts `pulumi` and `pulumi-language-nodejs`. */
export const TOOLS_BIN = path.join(REPO_ROOT, ".tools", "bin");
export const PULUMI_BIN = path.join(TOOLS_BIN, "pulumi");

/** The result of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
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
      PATH: `${TOOLS_BIN}${path.delimiter}${process.env.PATH ?? ""}`,
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
    if (!existsSync(PULUMI_BIN)) {
      throw new Error(`the Pulumi CLI is not built: run \`npm run setup\` (looked for ${PULUMI_BIN})`);
    }
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
        "    typescript: true",
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
    const child = spawn(PULUMI_BIN, fullArgs, {
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
