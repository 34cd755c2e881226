/**
 * `golive sandbox [--port N] [--stripe-port N] [--aws-port N] [--data-dir DIR] [--stack-file FILE]
 * [--no-aws] [--no-receiver]`: runs the sandbox in the foreground, with moto (the local AWS Secrets
 * Manager endpoint, from .venv/) beside it unless `--no-aws` is given, and a signature-verifying
 * webhook receiver at each loopback URL of the sandbox stack file, so a stack made by hand from
 * Pulumi.sandbox.yaml works as written.
 *
 * The ports are the stack file's (`selgeo:apiUrl`, `selgeo:stripeApiUrl`; moto on 4012) unless
 * given; `--port 0` runs a throw-away sandbox on free ports with no receivers. Everything lives in
 * the data dir and survives a restart: Selgeo's SQLite database (keys included), moto's secrets
 * (recorded and replayed with a fixed random seed, so every ARN and version id comes back the same),
 * the Pulumi state folder, and `env.sh`, the environment to `source` before running `pulumi`.
 *
 * stdout carries exactly one line, the SandboxInfo JSON (with `aws_url` when moto runs, and
 * `env_file`), so a parent process can read the first line and parse it without heuristics; every
 * log line goes to stderr.
 * Runnable directly too: `node -r ts-node/register sandbox/main.ts --port 0`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { secrets as runtimeSecrets, type SandboxInfo } from "@selgeo-golive/runtime";
import { MotoNotInstalledError, MOTO_SERVER_BIN, startMoto, type MotoCredentials, type MotoServer, type StartMotoOptions } from "./moto";
import { VerifyingReceiver } from "./receiver";
import { TOOLS_BIN } from "./repoPaths";
import { startSandbox, type RunningSandbox, type SandboxOptions } from "./server";
import { DEFAULT_AWS_PORT, DEFAULT_SELGEO_PORT, DEFAULT_STRIPE_PORT, readSandboxStackFile, type LocalReceiverRoute, type SandboxStackFile } from "./stackFile";

/** Default port of `golive sandbox` (when no stack file says otherwise). */
export const DEFAULT_SANDBOX_PORT = DEFAULT_SELGEO_PORT;
/** Default data dir, relative to the working directory. */
export const DEFAULT_SANDBOX_DATA_DIR = ".sandbox-data";
/** The stack file whose ports and receiver URLs the sandbox follows, relative to the working directory. */
export const DEFAULT_STACK_FILE = "Pulumi.sandbox.yaml";
/**
 * The passphrase of the sandbox stack's secrets provider, written to env.sh and printed. Fixed, not
 * generated: the stack holds no secret (keys come from the environment), its state sits beside
 * env.sh anyway, and a fixed one keeps the `encryptionsalt` Pulumi writes into the stack file valid
 * after the data dir is deleted.
 */
export const SANDBOX_PASSPHRASE = "selgeo-sandbox-rehearsal";
/** moto's random seed: replaying the recorded requests with it recreates the same ARNs and version ids. */
export const MOTO_SEED = 4012;

/** Parsed command line. */
export interface SandboxCommandArgs {
  /** `--port`; absent = the stack file's, else 4010. 0 = free ports for everything, no receivers. */
  port?: number;
  dataDir: string;
  /** Stripe emulator port (`--stripe-port`); absent = the stack file's, else 4011. */
  stripePort?: number;
  /** moto's port (`--aws-port`); absent = 4012. */
  awsPort?: number;
  /** `--stack-file`; absent = Pulumi.sandbox.yaml when it exists. */
  stackFile?: string;
  /** `--no-aws`: do not start moto (absent = start it). */
  noAws?: true;
  /** `--no-receiver`: do not start the stack file's receivers. */
  noReceiver?: true;
}

/** A bad command line; the message ends with the usage line. */
export class SandboxUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SandboxUsageError";
  }
}

const USAGE = "usage: golive sandbox [--port N] [--stripe-port N] [--aws-port N] [--data-dir DIR] [--stack-file FILE] [--no-aws] [--no-receiver]";

/**
 * Parses `--port N` / `--port=N`, `--stripe-port N`, `--aws-port N`, `--data-dir DIR`,
 * `--stack-file FILE`, `--no-aws` and `--no-receiver`. Throws a SandboxUsageError with a usage hint.
 */
export function parseSandboxArgs(argv: readonly string[]): SandboxCommandArgs {
  const out: SandboxCommandArgs = { dataDir: DEFAULT_SANDBOX_DATA_DIR };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new SandboxUsageError(`${name} needs a value\n${USAGE}`);
      return v;
    };
    const port = (): number => {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new SandboxUsageError(`${name} must be an integer from 0 to 65535 (0 = any free port); got '${v}'\n${USAGE}`);
      return Number(v);
    };
    if (name === "--port") out.port = port();
    else if (name === "--stripe-port") out.stripePort = port();
    else if (name === "--aws-port") out.awsPort = port();
    else if (name === "--data-dir" || name === "--stack-file") {
      const v = value();
      if (v === "") throw new SandboxUsageError(`${name} must not be empty\n${USAGE}`);
      if (name === "--data-dir") out.dataDir = v;
      else out.stackFile = v;
    } else if (arg === "--no-aws") out.noAws = true;
    else if (arg === "--no-receiver") out.noReceiver = true;
    else if (name === "--help" || name === "-h") throw new SandboxUsageError(USAGE);
    else throw new SandboxUsageError(`unknown argument '${arg}'\n${USAGE}`);
  }
  return out;
}

/** The message of a `golive sandbox` whose moto is not installed: how to install it, or skip it. */
export function motoMissingMessage(): string {
  return (
    `${new MotoNotInstalledError().message}.\n` +
    "Run `npm run setup` to install it, or start the sandbox without the AWS endpoint: `golive sandbox --no-aws`."
  );
}

/** Shell lines (`export K=V`) that point the AWS SDK / Pulumi at a moto server. */
export function awsEnvLines(moto: Pick<MotoServer, "env">): string[] {
  return Object.entries(moto.env).map(([k, v]) => `export ${k}=${v}`);
}

/** The ports and receivers one run uses, after the command line and the stack file. */
export interface SandboxPlan {
  port: number;
  stripePort: number;
  awsPort: number;
  receivers: LocalReceiverRoute[];
  stackFile?: SandboxStackFile;
  /** Lines worth telling the user (a port that differs from the stack file's, skipped URLs). */
  notes: string[];
}

/** Decides ports and receivers: command line first, then the stack file, then 4010/4011/4012. */
export function planSandbox(args: SandboxCommandArgs, cwd = process.cwd()): SandboxPlan {
  const explicit = args.stackFile !== undefined;
  const file = path.resolve(cwd, args.stackFile ?? DEFAULT_STACK_FILE);
  const sf = readSandboxStackFile(file);
  if (explicit && !sf) throw new SandboxUsageError(`--stack-file ${args.stackFile}: no such file\n${USAGE}`);
  const notes: string[] = [];
  if (!sf && args.port !== 0) notes.push(`no ${DEFAULT_STACK_FILE} here: ports ${DEFAULT_SELGEO_PORT}/${DEFAULT_STRIPE_PORT}/${DEFAULT_AWS_PORT} and no webhook receiver (run it in the project folder, or pass --stack-file)`);
  // --port 0: a throw-away sandbox on free ports; the stack file's fixed URLs cannot match it.
  const throwAway = args.port === 0;
  const port = args.port ?? sf?.selgeoPort ?? DEFAULT_SELGEO_PORT;
  const stripePort = args.stripePort ?? (throwAway ? 0 : sf?.stripePort ?? DEFAULT_STRIPE_PORT);
  const awsPort = args.awsPort ?? (throwAway ? 0 : DEFAULT_AWS_PORT);
  const rel = sf ? path.relative(cwd, sf.file) || sf.file : "";
  if (sf && !throwAway) {
    if (sf.selgeoPort !== undefined && sf.selgeoPort !== port) notes.push(`${rel} points selgeo:apiUrl at port ${sf.selgeoPort}, not ${port}`);
    if (sf.stripePort !== undefined && sf.stripePort !== stripePort) notes.push(`${rel} points selgeo:stripeApiUrl at port ${sf.stripePort}, not ${stripePort}`);
    for (const url of sf.skipped) notes.push(`${rel}: no local receiver for ${url} (only http URLs on 127.0.0.1/localhost are served here)`);
  }
  const receivers = sf && !throwAway && !args.noReceiver && !args.noAws ? sf.receivers : [];
  if (sf && sf.receivers.length > 0 && !throwAway && args.noAws && !args.noReceiver) {
    notes.push("no receivers with --no-aws: they read the signing secrets from Secrets Manager (moto)");
  }
  return { port, stripePort, awsPort, receivers, stackFile: sf, notes };
}

/** The environment file's lines: keys, AWS, PATH, backend, passphrase (shell-quoted). */
export function envFileText(p: {
  sandbox: Pick<RunningSandbox, "url" | "stripeUrl" | "info">;
  moto?: Pick<MotoServer, "env" | "url">;
  backendDir: string;
  toolsBin: string;
  now?: Date;
}): string {
  const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const keys = p.sandbox.info.keys.test;
  const stripe = p.sandbox.info.stripe_keys?.test;
  const lines = [
    `# Written by \`golive sandbox\` (${(p.now ?? new Date()).toISOString()}) for the sandbox at ${p.sandbox.url}.`,
    "# Source it in each shell you rehearse from:  source <this file>",
    "",
    "# Test-mode keys this sandbox made up (fake; they stay the same while its data dir lives).",
    `export SELGEO_SECRET_KEY=${q(keys.sk)}`,
    `export SELGEO_PUBLISHABLE_KEY=${q(keys.pk)}`,
    ...(stripe ? [`export STRIPE_SECRET_KEY=${q(stripe.secret_key)}`] : []),
  ];
  if (p.moto) {
    lines.push("", `# AWS Secrets Manager is moto at ${p.moto.url}; its credentials are fake (moto accepts any).`);
    for (const [k, v] of Object.entries(p.moto.env)) lines.push(`export ${k}=${q(v)}`);
  }
  lines.push(
    "# The AWS SDK's notice about Node.js versions is not about this rehearsal.",
    "export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true",
    "",
    "# The Pulumi CLI built by `npm run setup` (with its language host), first on PATH.",
    `case ":$PATH:" in *:${q(p.toolsBin)}:*) ;; *) export PATH=${q(p.toolsBin)}":$PATH" ;; esac`,
    "# State on a local file backend inside the data dir (the folder exists): `pulumi login` uses it.",
    `export PULUMI_BACKEND_URL=${q(`file://${p.backendDir}`)}`,
    "# The sandbox stack's passphrase (its config holds no secret: the keys above come from here).",
    `export PULUMI_CONFIG_PASSPHRASE=${q(SANDBOX_PASSPHRASE)}`,
    "export PULUMI_SKIP_UPDATE_CHECK=true",
    "",
  );
  return lines.join("\n");
}

/** What runSandboxCommand starts; tests swap these out. */
export interface SandboxCommandDeps {
  startSandbox(opts: SandboxOptions): Promise<RunningSandbox>;
  startMoto(opts: StartMotoOptions): Promise<MotoServer>;
  /** Whether moto is installed (checked before anything starts). */
  motoInstalled(): boolean;
}

const DEFAULT_DEPS: SandboxCommandDeps = {
  startSandbox,
  startMoto,
  motoInstalled: () => existsSync(MOTO_SERVER_BIN),
};

/** Fake AWS credentials kept in the data dir, so env.sh is the same after a restart. */
function motoCredentials(dir: string): MotoCredentials | undefined {
  const file = path.join(dir, "credentials.json");
  try {
    const c = JSON.parse(readFileSync(file, "utf8")) as MotoCredentials;
    if (typeof c.accessKeyId === "string" && typeof c.secretAccessKey === "string") return c;
  } catch {
    // absent or unreadable: startMoto makes new ones, saved below
  }
  return undefined;
}

/** Starts one receiver per port; a port already taken is reported, not fatal (the user's own receiver may be there). */
async function startReceivers(
  routes: LocalReceiverRoute[],
  stack: string,
  moto: MotoServer,
  log: (line: string) => void,
): Promise<VerifyingReceiver[]> {
  const byPort = new Map<number, LocalReceiverRoute[]>();
  for (const r of routes) byPort.set(r.port, [...(byPort.get(r.port) ?? []), r]);
  const started: VerifyingReceiver[] = [];
  for (const [port, rs] of byPort) {
    const receiver = new VerifyingReceiver(
      async (p) => {
        const route = rs.find((r) => r.path === p);
        if (!route) return undefined;
        const id = runtimeSecrets.secretNameFor({ stack, kind: "webhook-endpoint", name: route.name });
        return (await runtimeSecrets.readGeneratedSecret({ arn: id, ...moto.clientConfig })).value;
      },
      { port, log: (line) => log(`receiver :${port} ${line}`) },
    );
    try {
      await receiver.start();
      started.push(receiver);
      log(`webhook receiver for ${rs.map((r) => `${r.name} (${r.url})`).join(", ")}: accepts only deliveries signed with the secret in Secrets Manager`);
    } catch (e) {
      log(`no receiver on port ${port} (${(e as Error).message}): is your own receiver there? ${rs.map((r) => r.url).join(", ")} left to it`);
    }
  }
  return started;
}

/**
 * Starts the sandbox (and moto, unless `--no-aws`, and the stack file's receivers), writes env.sh,
 * prints the SandboxInfo as the first stdout line, and resolves once everything has shut down after
 * SIGINT or SIGTERM.
 *
 * Rejects, having printed nothing on stdout and left nothing running, when the sandbox or moto
 * fails to start (moto not installed: the message says to run `npm run setup` or pass `--no-aws`).
 */
export async function runSandboxCommand(argv: string[], deps: Partial<SandboxCommandDeps> = {}): Promise<void> {
  const d: SandboxCommandDeps = { ...DEFAULT_DEPS, ...deps };
  const args = parseSandboxArgs(argv);
  const plan = planSandbox(args);
  const log = (line: string) => process.stderr.write(`[selgeo-sandbox] ${line}\n`);
  const dataDir = path.resolve(args.dataDir);
  const withAws = !args.noAws;
  if (withAws && !d.motoInstalled()) throw new Error(motoMissingMessage());
  const motoDir = path.join(dataDir, "moto");

  // Signals are handled from the start, so one that arrives while things start up still shuts
  // everything down cleanly. The handlers stay registered until the end: moto.ts's own signal hook
  // re-raises the signal when it is the only listener, which would kill this process mid-shutdown.
  let signalled: NodeJS.Signals | undefined;
  let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
  const signalledPromise = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        log(`${signal} again: still shutting down`);
        return;
      }
      signalled = signal;
      resolve(signal);
    };
  });
  process.on("SIGINT", onSignal!);
  process.on("SIGTERM", onSignal!);
  let receivers: VerifyingReceiver[] = [];
  try {
    if (withAws) mkdirSync(motoDir, { recursive: true });
    // moto (a Python start-up) and the sandbox start side by side.
    const [sandboxResult, motoResult] = await Promise.allSettled([
      d.startSandbox({ port: plan.port, dataDir, log, stripePort: plan.stripePort }),
      withAws
        ? d.startMoto({ port: plan.awsPort, persistDir: motoDir, seed: MOTO_SEED, credentials: motoCredentials(motoDir) })
        : Promise.resolve(undefined),
    ]);
    const sandbox = sandboxResult.status === "fulfilled" ? sandboxResult.value : undefined;
    const moto = motoResult.status === "fulfilled" ? motoResult.value : undefined;
    if (!sandbox || (withAws && !moto)) {
      // Whatever did start is stopped again before the error goes out.
      await Promise.allSettled([sandbox?.close(), moto?.close()]);
      const failure = sandboxResult.status === "rejected" ? sandboxResult.reason : (motoResult as PromiseRejectedResult).reason;
      if (failure instanceof MotoNotInstalledError) throw new Error(motoMissingMessage());
      const what = sandboxResult.status === "rejected" ? "the sandbox" : "moto (the AWS endpoint; `--no-aws` skips it)";
      throw new Error(`could not start ${what}: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
    if (moto) writeFileSync(path.join(motoDir, "credentials.json"), JSON.stringify(moto.credentials) + "\n", { mode: 0o600 });
    if (moto && !signalled) receivers = await startReceivers(plan.receivers, plan.stackFile?.stack ?? "sandbox", moto, log);

    const backendDir = path.join(dataDir, "pulumi-state");
    mkdirSync(backendDir, { recursive: true });
    const envFile = path.join(dataDir, "env.sh");
    writeFileSync(envFile, envFileText({ sandbox, moto, backendDir, toolsBin: TOOLS_BIN }), { mode: 0o600 });

    if (!signalled) {
      const info: SandboxInfo & { env_file: string } = { ...(moto ? { ...sandbox.info, aws_url: moto.url } : sandbox.info), env_file: envFile };
      process.stdout.write(JSON.stringify(info) + "\n");
      log(`listening on ${sandbox.url} (data dir ${dataDir}); Ctrl-C to stop`);
      log(`Stripe emulator on ${sandbox.stripeUrl} (keys under "stripe_keys" in the first stdout line)`);
      if (moto) {
        log(`AWS Secrets Manager (moto) on ${moto.url}; its secrets are kept in ${motoDir} and come back, with the same ARNs, after a restart`);
        log("To point the AWS SDK or Pulumi (@pulumi/aws) at it, set (the credentials are fake; moto accepts any):");
        process.stderr.write(awsEnvLines(moto).map((l) => `  ${l}\n`).join(""));
      } else {
        log("AWS endpoint (moto) not started (--no-aws)");
      }
      for (const n of plan.notes) log(`note: ${n}`);
      log(`environment for pulumi and golive (keys, AWS, PATH, PULUMI_BACKEND_URL=file://${backendDir}): source ${path.relative(process.cwd(), envFile) || envFile}`);
      log(`the sandbox stack's passphrase is "${SANDBOX_PASSPHRASE}" (PULUMI_CONFIG_PASSPHRASE in that file)`);
    }

    const signal = await signalledPromise;
    log(`${signal}: shutting down`);
    const results = await Promise.allSettled([...receivers.map((r) => r.close()), sandbox.close(), moto?.close()]);
    for (const r of results) {
      if (r.status === "rejected") {
        log(`error while shutting down: ${String(r.reason)}`);
        process.exitCode = 1;
      }
    }
    log("stopped");
  } finally {
    process.off("SIGINT", onSignal!);
    process.off("SIGTERM", onSignal!);
  }
}

if (require.main === module) {
  runSandboxCommand(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof SandboxUsageError ? 2 : 1);
  });
}
