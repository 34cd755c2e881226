/**
 * `golive sandbox [--port N] [--data-dir DIR] [--stripe-port N] [--no-aws]`: runs the sandbox in
 * the foreground, with moto (the local AWS Secrets Manager endpoint, from .venv/) beside it unless
 * `--no-aws` is given.
 *
 * stdout carries exactly one line, the SandboxInfo JSON (with `aws_url` when moto runs), so a
 * parent process can read the first line and parse it without heuristics; every log line, and the
 * environment that points the AWS SDK or Pulumi at moto, goes to stderr.
 * Runnable directly too: `node -r ts-node/register sandbox/main.ts --port 0`.
 */
import { existsSync } from "fs";
import * as path from "path";
import { MotoNotInstalledError, MOTO_SERVER_BIN, startMoto, type MotoServer, type StartMotoOptions } from "../cli/moto";
import type { SandboxInfo } from "../runtime/src/schemas";
import { startSandbox, type RunningSandbox, type SandboxOptions } from "./server";

/** Default port of `golive sandbox`. */
export const DEFAULT_SANDBOX_PORT = 4010;
/** Default data dir, relative to the working directory. */
export const DEFAULT_SANDBOX_DATA_DIR = ".sandbox-data";

/** Parsed command line. */
export interface SandboxCommandArgs {
  port: number;
  dataDir: string;
  /** Stripe emulator port (`--stripe-port`); absent = any free port. */
  stripePort?: number;
  /** `--no-aws`: do not start moto (absent = start it). */
  noAws?: true;
}

/** A bad command line; the message ends with the usage line. */
export class SandboxUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SandboxUsageError";
  }
}

/**
 * Parses `--port N` / `--port=N`, `--data-dir DIR` / `--data-dir=DIR`, `--stripe-port N` and
 * `--no-aws`. Throws a SandboxUsageError with a usage hint.
 */
export function parseSandboxArgs(argv: readonly string[]): SandboxCommandArgs {
  const out: SandboxCommandArgs = { port: DEFAULT_SANDBOX_PORT, dataDir: DEFAULT_SANDBOX_DATA_DIR };
  const usage = "usage: golive sandbox [--port N] [--data-dir DIR] [--stripe-port N] [--no-aws]";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new SandboxUsageError(`${name} needs a value\n${usage}`);
      return v;
    };
    if (name === "--port") {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new SandboxUsageError(`--port must be an integer from 0 to 65535 (0 = any free port); got '${v}'\n${usage}`);
      out.port = Number(v);
    } else if (name === "--stripe-port") {
      // Stripe emulator hook-up.
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new SandboxUsageError(`--stripe-port must be an integer from 0 to 65535 (0 = any free port); got '${v}'\n${usage}`);
      out.stripePort = Number(v);
    } else if (name === "--data-dir") {
      const v = value();
      if (v === "") throw new SandboxUsageError(`--data-dir must not be empty\n${usage}`);
      out.dataDir = v;
    } else if (arg === "--no-aws") {
      out.noAws = true;
    } else if (name === "--help" || name === "-h") {
      throw new SandboxUsageError(usage);
    } else {
      throw new SandboxUsageError(`unknown argument '${arg}'\n${usage}`);
    }
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

/**
 * Starts the sandbox (and moto, unless `--no-aws`), prints its SandboxInfo as the first stdout
 * line, and resolves once both have shut down after SIGINT or SIGTERM.
 *
 * Rejects, having printed nothing on stdout and left nothing running, when either fails to start
 * (moto not installed: the message says to run `npm run setup` or pass `--no-aws`).
 */
export async function runSandboxCommand(argv: string[], deps: Partial<SandboxCommandDeps> = {}): Promise<void> {
  const d: SandboxCommandDeps = { ...DEFAULT_DEPS, ...deps };
  const args = parseSandboxArgs(argv);
  const log = (line: string) => process.stderr.write(`[selgeo-sandbox] ${line}\n`);
  const dataDir = path.resolve(args.dataDir);
  const withAws = !args.noAws;
  if (withAws && !d.motoInstalled()) throw new Error(motoMissingMessage());

  // Signals are handled from the start, so one that arrives while things start up still shuts
  // everything down cleanly. The handlers stay registered until the end: cli/moto's own signal hook
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
  try {
    // moto (a Python start-up) and the sandbox start side by side.
    const [sandboxResult, motoResult] = await Promise.allSettled([
      d.startSandbox({ port: args.port, dataDir, log, stripePort: args.stripePort }),
      withAws ? d.startMoto({ port: 0 }) : Promise.resolve(undefined),
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

    if (!signalled) {
      const info: SandboxInfo = moto ? { ...sandbox.info, aws_url: moto.url } : sandbox.info;
      process.stdout.write(JSON.stringify(info) + "\n");
      log(`listening on ${sandbox.url} (data dir ${dataDir}); Ctrl-C to stop`);
      log(`Stripe emulator on ${sandbox.stripeUrl} (keys under "stripe_keys" in the first stdout line)`);
      if (moto) {
        log(`AWS Secrets Manager (moto) on ${moto.url}, in memory (its secrets do not survive a restart).`);
        log("To point the AWS SDK or Pulumi (@pulumi/aws) at it, set (the credentials are fake; moto accepts any):");
        process.stderr.write(awsEnvLines(moto).map((l) => `  ${l}\n`).join(""));
      } else {
        log("AWS endpoint (moto) not started (--no-aws)");
      }
    }

    const signal = await signalledPromise;
    log(`${signal}: shutting down`);
    const results = await Promise.allSettled([sandbox.close(), moto?.close()]);
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
