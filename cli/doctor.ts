/**
 * `golive doctor`: what is installed, in which version, and how to get what is missing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { stateFindings } from "./checkpointHealth";
import { stackFileFindings } from "./stackFile";
import { installedMotoVersion, pinnedMotoVersion } from "../sandbox/moto";
import { MIN_PULUMI_VERSION, PulumiCliError, REPO_ROOT, TOOLS_BIN, resolvePulumi } from "./pulumiCli";

/** One line of the doctor's report. */
export interface Finding {
  component: string;
  ok: boolean;
  version?: string;
  fix?: string;
}

function run(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 15_000 }).trim();
  } catch {
    return undefined;
  }
}

function pkgVersion(name: string): string | undefined {
  const file = path.join(REPO_ROOT, "node_modules", ...name.split("/"), "package.json");
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

/** The stripe-mock version tools/stripe-mock.sh builds (its `want=`). */
export function pinnedStripeMockVersion(): string | undefined {
  const script = path.join(REPO_ROOT, "tools", "stripe-mock.sh");
  if (!existsSync(script)) return undefined;
  return /^want="?([^"\s]+)"?/m.exec(readFileSync(script, "utf8"))?.[1];
}

/**
 * Which Pulumi CLI every golive command uses and why (explicit pick, PATH, or built), and whether the
 * engine will find a Node.js language host and the dynamic-provider launcher for it.
 */
export function pulumiFindings(): Finding[] {
  const go = run("go", ["version"])?.replace(/^go version /, "");
  let cli;
  try {
    cli = resolvePulumi({ fresh: true });
  } catch (e) {
    if (!(e instanceof PulumiCliError)) throw e;
    return [
      { component: "pulumi CLI", ok: false, fix: e.message },
      { component: "go", ok: !!go, version: go, fix: go ? undefined : `only needed when no pulumi v${MIN_PULUMI_VERSION}+ is installed: install Go 1.26+` },
    ];
  }
  const findings: Finding[] = [
    { component: "pulumi CLI", ok: true, version: `${cli.version} ${cli.bin} (${cli.why})` },
    {
      component: "pulumi-language-nodejs",
      ok: !!cli.languageHost,
      version: cli.languageHost ? `${run(cli.languageHost, ["-version"]) ?? "?"} ${cli.languageHost}` : undefined,
      fix: cli.languageHost ? undefined : `put the Node.js language host beside ${cli.bin} (it ships with the Pulumi CLI) or run \`npm run setup\` with Go 1.26+`,
    },
    {
      component: "pulumi-resource-pulumi-nodejs",
      ok: !!cli.launcher,
      version: cli.launcher,
      fix: cli.launcher ? undefined : "run `npm ci` (it ships in @pulumi/pulumi)",
    },
  ];
  // Go only matters when it has to build the CLI.
  findings.push({ component: "go", ok: true, version: go ?? (cli.source === "built" ? "not installed (the CLI is already built)" : "not needed (a Pulumi CLI is installed)") });
  return findings;
}

/** Checks every component the tool needs. */
export function diagnose(): Finding[] {
  const findings: Finding[] = [];
  const nodeMajor = Number(process.versions.node.split(".")[0]);
  findings.push({
    component: "node",
    ok: nodeMajor >= 20,
    version: process.version,
    fix: nodeMajor >= 20 ? undefined : "install Node.js 20 or newer",
  });
  findings.push(...pulumiFindings());
  for (const [name, fix] of [
    ["@pulumi/pulumi", "npm ci"],
    ["typescript", "npm ci"],
    ["ts-node", "npm ci"],
    ["better-sqlite3", "npm ci (compiles it when no prebuilt binary can be fetched)"],
    ["undici", "npm ci"],
    ["zod", "npm ci"],
  ] as const) {
    const v = pkgVersion(name);
    findings.push({ component: name, ok: !!v, version: v, fix: v ? undefined : fix });
  }
  // moto, the local AWS (Secrets Manager) endpoint, in the project's .venv: the secrets sink
  // cannot be rehearsed without it.
  const moto = installedMotoVersion();
  const motoPinned = pinnedMotoVersion();
  findings.push({
    component: "moto (AWS Secrets Manager)",
    ok: !!moto && (!motoPinned || moto === motoPinned),
    version: moto,
    fix: !moto
      ? "run `npm run setup` (tools/setup-moto.sh installs moto into .venv; needs python3 with venv: apt-get install python3-venv)"
      : motoPinned && moto !== motoPinned
        ? `run \`npm run setup\` (tools/requirements-moto.txt pins ${motoPinned})`
        : undefined,
  });
  // stripe-mock (Stripe's OpenAPI-validating mock) for the Stripe contract tests, built by
  // tools/stripe-mock.sh into .tools/bin; the version is the one its stamp records.
  const stripeMock = path.join(TOOLS_BIN, "stripe-mock");
  const stripeMockPinned = pinnedStripeMockVersion();
  const stripeMockStamp = path.join(TOOLS_BIN, ".stripe-mock.stamp");
  const stripeMockVersion = existsSync(stripeMock) && existsSync(stripeMockStamp) ? readFileSync(stripeMockStamp, "utf8").trim() || undefined : undefined;
  const stripeMockOk = existsSync(stripeMock) && (!stripeMockPinned || stripeMockVersion === stripeMockPinned);
  findings.push({
    component: "stripe-mock",
    ok: stripeMockOk,
    version: stripeMockVersion,
    fix: stripeMockOk
      ? undefined
      : existsSync(stripeMock)
        ? `run \`npm run setup\` (or \`bash tools/stripe-mock.sh\`; it pins ${stripeMockPinned})`
        : "run `npm run setup` (or `bash tools/stripe-mock.sh`: builds it from the Go module proxy into .tools/bin; needs Go); without it the stripe-mock contract tests are skipped",
  });
  const runtimeBuilt = existsSync(path.join(REPO_ROOT, "runtime", "dist", "index.js"));
  findings.push({
    component: "@selgeo-golive/runtime build",
    ok: runtimeBuilt,
    fix: runtimeBuilt ? undefined : "run `npm run build`",
  });
  return findings;
}

/** Prints the report; exit code 0 when everything needed is there. */
export function doctorCommand(argv: string[]): number {
  const cwd = argv.indexOf("--cwd");
  const findings = [...diagnose(), ...stateFindings(argv), ...stackFileFindings(path.resolve(cwd >= 0 && argv[cwd + 1] ? argv[cwd + 1] : process.cwd()))];
  if (argv.includes("--json")) {
    console.log(JSON.stringify(findings, null, 2));
  } else {
    for (const f of findings) {
      const mark = f.ok ? "ok     " : "MISSING";
      console.log(`${mark} ${f.component.padEnd(32)} ${f.version ?? ""}${f.fix ? `  -> ${f.fix}` : ""}`);
    }
  }
  return findings.every((f) => f.ok) ? 0 : 1;
}
