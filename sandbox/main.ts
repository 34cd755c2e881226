/**
 * `golive sandbox [--port N] [--data-dir DIR]`: runs the sandbox in the foreground.
 *
 * stdout carries exactly one line, the SandboxInfo JSON, so a parent process can read the first
 * line and parse it without heuristics; every log line goes to stderr.
 * Runnable directly too: `node -r ts-node/register sandbox/main.ts --port 0`.
 */
import * as path from "path";
import { startSandbox } from "./server";

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
}

/** Parses `--port N` / `--port=N` and `--data-dir DIR` / `--data-dir=DIR`. Throws with a usage hint. */
export function parseSandboxArgs(argv: readonly string[]): SandboxCommandArgs {
  const out: SandboxCommandArgs = { port: DEFAULT_SANDBOX_PORT, dataDir: DEFAULT_SANDBOX_DATA_DIR };
  const usage = "usage: golive sandbox [--port N] [--data-dir DIR] [--stripe-port N]";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${name} needs a value\n${usage}`);
      return v;
    };
    if (name === "--port") {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`--port must be an integer from 0 to 65535 (0 = any free port); got '${v}'\n${usage}`);
      out.port = Number(v);
    } else if (name === "--stripe-port") {
      // Stripe emulator hook-up.
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`--stripe-port must be an integer from 0 to 65535 (0 = any free port); got '${v}'\n${usage}`);
      out.stripePort = Number(v);
    } else if (name === "--data-dir") {
      const v = value();
      if (v === "") throw new Error(`--data-dir must not be empty\n${usage}`);
      out.dataDir = v;
    } else if (name === "--help" || name === "-h") {
      throw new Error(usage);
    } else {
      throw new Error(`unknown argument '${arg}'\n${usage}`);
    }
  }
  return out;
}

/**
 * Starts the sandbox, prints its SandboxInfo as the first stdout line, and resolves once it has
 * shut down after SIGINT or SIGTERM.
 */
export async function runSandboxCommand(argv: string[]): Promise<void> {
  const args = parseSandboxArgs(argv);
  const log = (line: string) => process.stderr.write(`[selgeo-sandbox] ${line}\n`);
  const dataDir = path.resolve(args.dataDir);
  const sandbox = await startSandbox({ port: args.port, dataDir, log, stripePort: args.stripePort });
  process.stdout.write(JSON.stringify(sandbox.info) + "\n");
  log(`listening on ${sandbox.url} (data dir ${dataDir}); Ctrl-C to stop`);
  log(`Stripe emulator on ${sandbox.stripeUrl} (keys under "stripe_keys" in the first stdout line)`);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      log(`${signal}: shutting down`);
      sandbox.close().then(resolve, (err: unknown) => {
        log(`error while shutting down: ${String(err)}`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  log("stopped");
}

if (require.main === module) {
  runSandboxCommand(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
