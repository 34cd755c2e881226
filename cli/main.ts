/**
 * `golive`: the command-line face of selgeo-golive. Each command lives in its own module.
 */
export const USAGE = `usage: golive <command> [options] [--pulumi PATH]

  --pulumi PATH (or PULUMI_CLI=PATH) picks the Pulumi CLI; otherwise a pulumi on PATH that is
      new enough, else the one \`npm run setup\` built (\`golive doctor\` says which and why)

commands:
  doctor [--json] [--backend-url URL] [--cwd DIR]  versions of every component, and how to get what is missing
  sandbox [--port N] [--stripe-port N] [--aws-port N] [--data-dir DIR] [--stack-file FILE] [--no-aws] [--no-receiver]  run the Selgeo sandbox, moto and the stack file's receivers on its ports; writes DATA_DIR/env.sh to source
  demo                                 the whole go-live rehearsed on the embedded sandbox
  rehearse --stack NAME [--cwd DIR] [--landing URL] [--verbose]  dress rehearsal of Pulumi.NAME.yaml as written on the sandbox (TLS, fake keys in moto, no real service): preview with the policy pack, up, verify, flow, drift, checklist; the last command before \`pulumi up --stack live\`
  scan-keys [DIR] [--json]             test keys left in a code tree, live secrets committed (exit 1 on findings)
  drift --stack NAME [--json] [--remediate]   drift behind Pulumi's back (exit 0 none, 2 drift, 1 error)
  monitor --stack NAME [--json] [--since ISO]  post-launch health (exit 0 ok, 3 attention, 4 failing, 1 error)
  diff-stacks A B [--cwd DIR] [--json]  what differs between two stacks once each is merged with Pulumi.yaml's shared declaration, one line per config path (exit 0 whether or not they differ, 1 error)
  review --stack NAME [--format text|markdown|json]  the preview with the policy pack, by checklist item (exit 0 none, 2 changes, 1 error/mandatory violation)
  (verify, checklist and cleanup-test read a deployed stack; they also take --cwd DIR and --backend-url URL)
  flow --stack NAME --landing URL [--partner prt_…] [--yes] [--timeout S]  checklist 7, guided: referral link, real purchase, refund, each step checked
  verify --stack NAME [--json]         ping each endpoint, prove forged signatures are rejected, Stripe test event (exit 1 on failure)
  checklist --stack NAME [--json]      the eight checklist items + post-launch: passed / failed / needs attention
  cleanup-test --stack NAME [--apply] [--test-key sk_test_…] [--json]  list (remove with --apply) test-mode test data
`;

/** Takes `--pulumi PATH` / `--pulumi=PATH` out of argv (any command that runs pulumi honours it). */
export function takePulumiFlag(argv: string[]): { argv: string[]; pulumi?: string; error?: string } {
  const out: string[] = [];
  let pulumi: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--pulumi") {
      if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) return { argv, error: "--pulumi needs a path to a pulumi binary" };
      pulumi = argv[++i];
    } else if (a.startsWith("--pulumi=")) {
      pulumi = a.slice("--pulumi=".length);
      if (!pulumi) return { argv, error: "--pulumi needs a path to a pulumi binary" };
    } else {
      out.push(a);
    }
  }
  return { argv: out, pulumi };
}

// Commands that print their own, longer usage for --help (without running).
const OWN_HELP: ReadonlySet<string> = new Set(["drift", "monitor", "scan-keys"]);

const STACK_NOTE = `
Run it where the stack's Pulumi.yaml is (or --cwd DIR), with the environment \`pulumi\` uses: the
backend (PULUMI_BACKEND_URL or --backend-url URL), PULUMI_CONFIG_PASSPHRASE and the AWS credentials.
For the sandbox stack: \`source .sandbox-data/env.sh\` (written by \`golive sandbox\`).
`;

// The rehearsal brings its own backend, keys, AWS and passphrase: none of the stack commands' environment.
const REHEARSE_NOTE = `
Run it in the project folder (or --cwd DIR). It needs no backend, key or AWS environment (it ignores
PULUMI_* but PULUMI_CLI, AWS_*, SELGEO_* and STRIPE_*) and never contacts a real service; exit 0 only if
every step passed.
`;

/** `usage: golive <command> …` from the command's line(s) in USAGE; undefined for a command it does not list. */
export function commandUsage(command: string): string | undefined {
  const lines = USAGE.split("\n").filter((l) => l.startsWith(`  ${command} `) || l === `  ${command}`);
  if (lines.length === 0) return undefined;
  const text = lines.map((l) => `usage: golive ${l.trim().replace(/\s{2,}/, "\n\n  ")}`).join("\n") + "\n";
  if (command === "rehearse") return text + REHEARSE_NOTE;
  return /--stack NAME/.test(text) ? text + STACK_NOTE : text;
}

/** Runs one command; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const taken = takePulumiFlag(argv);
  if (taken.error) {
    process.stderr.write(`golive: ${taken.error}\n`);
    return 1;
  }
  if (taken.pulumi) {
    const cli = await import("./pulumiCli");
    cli.setPulumiOverride(taken.pulumi);
    // An explicit pick that is missing or too old stops here, before anything runs.
    try {
      cli.resolvePulumi();
    } catch (e) {
      if (e instanceof cli.PulumiCliError) {
        process.stderr.write(`golive: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  }
  // A dress rehearsal (`golive rehearse`) runs golive with a resolver map: it holds from the first
  // request of this process on, before any command loads the runtime.
  if (process.env.GOLIVE_RESOLVE) (await import("../runtime/src/resolverMap")).installResolverFromEnv();
  const [command, ...rest] = taken.argv;
  // `golive <command> --help` prints the usage and never runs the command.
  const usage = command === undefined || OWN_HELP.has(command) ? undefined : commandUsage(command);
  if (usage !== undefined && (rest.includes("--help") || rest.includes("-h"))) {
    process.stdout.write(usage);
    return 0;
  }
  try {
    return await runCommand(command, rest);
  } catch (e) {
    // Selgeo, Stripe or AWS unreachable, a refused key: the runtime's one line, not a socket error.
    throw (await import("./stackErrors")).settingsFailure(e) ?? e;
  }
}

/** A command's entry point: its arguments in, the process exit code out. */
type Command = (argv: string[]) => number | Promise<number>;

async function sandboxCommand(argv: string[]): Promise<number> {
  await (await import("../sandbox/main")).runSandboxCommand(argv);
  // runSandboxCommand sets process.exitCode itself when shutdown fails; keep it.
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}

/** Every command, in USAGE's order; a command's module is loaded only when it runs. */
export const COMMANDS: ReadonlyMap<string, () => Promise<Command>> = new Map<string, () => Promise<Command>>([
  ["doctor", async () => (await import("./doctor")).doctorCommand],
  ["sandbox", async () => sandboxCommand],
  ["demo", async () => (await import("./demo")).demoCommand],
  ["rehearse", async () => (await import("./rehearse")).rehearseCommand],
  ["scan-keys", async () => (await import("./scanKeys")).scanKeysCommand],
  ["drift", async () => (await import("./drift")).driftCommand],
  ["monitor", async () => (await import("./monitor")).monitorCommand],
  ["diff-stacks", async () => (await import("./diffStacks")).diffStacksCommand],
  ["review", async () => (await import("./review")).reviewCommand],
  ["flow", async () => (await import("./flow")).flowCommand],
  ["verify", async () => (await import("./verify")).verifyCommand],
  ["checklist", async () => (await import("./checklist")).checklistCommand],
  ["cleanup-test", async () => (await import("./cleanupTest")).cleanupTestCommand],
]);

async function runCommand(command: string | undefined, rest: string[]): Promise<number> {
  const load = command === undefined ? undefined : COMMANDS.get(command);
  if (load) return (await load())(rest);
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  process.stderr.write(`golive: unknown command "${command}"\n\n${USAGE}`);
  return 1;
}
