/**
 * A platform engineer with the Pulumi CLI installed and no Go: a folder with copies of the CLI, its
 * Node.js language host and the dynamic-provider launcher first on a PATH that has no `go`. Setup
 * must skip the build and say which CLI it uses, `golive doctor` must name it and why, a preview of
 * the go-live program must run through that CLI's own language host and ask the engine for no
 * provider plugin, and a program that does depend on @pulumi/aws must be reported as needing it.
 * An explicit pick (PULUMI_CLI / --pulumi) that cannot be used is a one-line error.
 *
 * The copies come from the CLI `npm run setup` built (this machine has no other); what matters is
 * that they run from a folder of their own with no Go anywhere on PATH.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PulumiWorkspace, REPO_ROOT, SDK_ROOT, TOOLS_BIN, resolvePulumi } from "../../cli/pulumiCli";
import { startSandbox } from "../../sandbox/server";

let root: string;
let cliDir: string;
/** PATH with the CLI folder first and no folder that holds a `go`. */
let goLessPath: string;
let sandbox: Awaited<ReturnType<typeof startSandbox>>;
const savedPath = process.env.PATH;

function hasGo(dir: string): boolean {
  try {
    return statSync(path.join(dir, "go")).isFile();
  } catch {
    return false;
  }
}

/** Runs a command with the go-less PATH (plus extras) from the repository root. */
function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, PATH: goLessPath, PULUMI_CLI: "", ...env },
    timeout: 120_000,
  });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Like run, without blocking this process: the sandbox the command talks to lives in this process,
 * and a blocked event loop would make it look unreachable.
 */
function runAsync(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, PATH: goLessPath, PULUMI_CLI: "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  expect(existsSync(path.join(TOOLS_BIN, "pulumi")), "run `npm run setup` first").toBe(true);
  root = mkdtempSync(path.join(tmpdir(), "golive-pathcli-"));
  cliDir = path.join(root, "pulumi", "bin");
  mkdirSync(cliDir, { recursive: true });
  for (const f of ["pulumi", "pulumi-language-nodejs"]) copyFileSync(path.join(TOOLS_BIN, f), path.join(cliDir, f));
  copyFileSync(path.join(SDK_ROOT, "pulumi-resource-pulumi-nodejs"), path.join(cliDir, "pulumi-resource-pulumi-nodejs"));
  for (const f of readdirSync(cliDir)) chmodSync(path.join(cliDir, f), 0o755);
  const kept = (savedPath ?? "").split(path.delimiter).filter((d) => d && !hasGo(d) && path.resolve(d) !== TOOLS_BIN);
  goLessPath = [cliDir, ...kept].join(path.delimiter);
  sandbox = await startSandbox({ port: 0, dataDir: mkdtempSync(path.join(tmpdir(), "golive-sbx-")) });
}, 120_000);

afterAll(async () => {
  process.env.PATH = savedPath;
  await sandbox?.close();
  // The CLI copies are large.
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("setup and golive with a pulumi on PATH and no Go", () => {
  it("the test PATH really has no go and finds the copied pulumi", () => {
    expect(run("bash", ["-c", "command -v go || echo none"]).stdout.trim()).toBe("none");
    expect(run("bash", ["-c", "command -v pulumi"]).stdout.trim()).toBe(path.join(cliDir, "pulumi"));
  });

  it("setup skips the build and says which CLI it uses", () => {
    const before = statSync(path.join(TOOLS_BIN, "pulumi")).mtimeMs;
    const r = run("bash", ["tools/build-pulumi.sh"]);
    expect(r.stderr).not.toMatch(/building|error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`using pulumi v3.248.0 from PATH (${path.join(cliDir, "pulumi")}; v3.248.0 or newer needed); not building one`);
    expect(statSync(path.join(TOOLS_BIN, "pulumi")).mtimeMs).toBe(before);
  });

  it("golive doctor names that CLI, why, and the language host and launcher beside it", () => {
    const r = run(process.execPath, ["bin/golive.js", "doctor", "--json"]);
    const findings = JSON.parse(r.stdout) as Array<{ component: string; ok: boolean; version?: string; fix?: string }>;
    const by = (c: string) => findings.find((f) => f.component === c)!;
    expect(by("pulumi CLI")).toMatchObject({ ok: true, version: `v3.248.0 ${path.join(cliDir, "pulumi")} (the first pulumi on PATH; v3.248.0+ needed)` });
    expect(by("pulumi-language-nodejs").version).toBe(`3.248.0 ${path.join(cliDir, "pulumi-language-nodejs")}`);
    expect(by("pulumi-resource-pulumi-nodejs").version).toBe(path.join(cliDir, "pulumi-resource-pulumi-nodejs"));
    expect(by("go")).toMatchObject({ ok: true, version: "not needed (a Pulumi CLI is installed)" });
  });
});

describe("an explicit pick that cannot be used is a one-line error", () => {
  let old: string;
  beforeAll(() => {
    old = path.join(root, "old-pulumi");
    writeFileSync(old, "#!/bin/sh\necho v3.100.0\n");
    chmodSync(old, 0o755);
  });
  const cases = [
    { name: "missing", pick: () => path.join(root, "nope", "pulumi"), says: "no executable Pulumi CLI there" },
    { name: "too old", pick: () => old, says: "Pulumi CLI v3.100.0 is older than v3.248.0" },
  ];
  for (const c of cases) {
    it(`setup, PULUMI_CLI ${c.name}`, () => {
      const r = run("bash", ["tools/build-pulumi.sh"], { PULUMI_CLI: c.pick() });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(`error: PULUMI_CLI ${c.pick()}:`);
      expect(r.stderr).toContain(c.says);
    });
    it(`golive --pulumi ${c.name}`, () => {
      const r = run(process.execPath, ["bin/golive.js", "drift", "--stack", "dev", "--pulumi", c.pick()]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(`golive: --pulumi ${c.pick()}:`);
      expect(r.stderr).toContain(c.says);
    });
  }
});

describe("previews through the PATH CLI's own language host", () => {
  let ws: PulumiWorkspace;
  beforeAll(async () => {
    // Every pulumi this test file starts resolves as a user's shell would.
    process.env.PATH = goLessPath;
    expect(resolvePulumi({ fresh: true })).toMatchObject({ source: "PATH", bin: path.join(cliDir, "pulumi") });
    ws = await PulumiWorkspace.create({
      stack: "dev",
      config: {
        "selgeo:mode": "test",
        "selgeo:apiUrl": sandbox.url,
        "selgeo:webhookEndpoints": { orders: { url: "https://hooks.merchant.example/selgeo", events: ["conversion.created"] } },
      },
      env: { SELGEO_SECRET_KEY: sandbox.info.keys.test.sk },
    });
  }, 180_000);

  it("a preview of the go-live program uses that language host and asks for no plugin", { timeout: 240_000 }, async () => {
    // -v=7 makes the engine log what the language host says the program requires.
    const r = await ws.run(["preview", "--logtostderr", "-v=7"]);
    expect(r.code, r.stdout + r.stderr.slice(-3000)).toBe(0);
    // The stack and the endpoint: the dynamic provider ran through the launcher beside the CLI.
    expect(r.stdout).toMatch(/\+ 2 to create/);
    expect(r.stderr).toContain("gatherPackagesFromProgram(): gathering plugins from language host");
    expect(r.stderr).toContain(path.join(cliDir, "pulumi-language-nodejs"));
    expect(r.stderr.match(/gatherPackagesFromProgram\(\): package .* is required by language host/g) ?? []).toEqual([]);
  });

  it("golive drift (Automation API) runs through the same CLI", { timeout: 300_000 }, async () => {
    // A stack with nothing but itself deployed: no AWS needed, and nothing can drift.
    ws.writeConfig({ "selgeo:mode": "test", "selgeo:apiUrl": sandbox.url });
    await ws.mustRun(["up", "--yes", "--skip-preview"]);
    const r = await runAsync(process.execPath, ["bin/golive.js", "drift", "--stack", "dev", "--cwd", ws.projectDir, "--json"], {
      PULUMI_HOME: ws.homeDir,
      PULUMI_BACKEND_URL: `file://${ws.stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: "",
      SELGEO_SECRET_KEY: sandbox.info.keys.test.sk,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ drift: false, items: [] });
  });

  it("pulumi install runs the package manager through the language host", { timeout: 240_000 }, async () => {
    const dir = path.join(root, "install-program");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: install-me\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\n");
    // A local dependency: npm installs it without the network.
    mkdirSync(path.join(dir, "local-dep"));
    writeFileSync(path.join(dir, "local-dep", "package.json"), JSON.stringify({ name: "local-dep", version: "1.0.0" }));
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "install-me", version: "1.0.0", private: true, dependencies: { "local-dep": "file:./local-dep" } }));
    const r = spawnSync(resolvePulumi().bin, ["install", "--non-interactive"], { cwd: dir, env: ws.cliEnv(), encoding: "utf8", timeout: 200_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Installing dependencies...");
    expect(r.stdout).toContain("Finished installing dependencies");
    expect(existsSync(path.join(dir, "package-lock.json"))).toBe(true);
    expect(existsSync(path.join(dir, "node_modules", "local-dep", "package.json"))).toBe(true);
  });

  it("a bad runtime option is an error naming it", { timeout: 240_000 }, async () => {
    const dir = path.join(root, "bad-option");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: bad-option\nruntime:\n  name: nodejs\n  options:\n    typescript: \"yes\"\n");
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "bad-option", version: "1.0.0", private: true }));
    const r = spawnSync(resolvePulumi().bin, ["install", "--non-interactive"], { cwd: dir, env: ws.cliEnv(), encoding: "utf8", timeout: 200_000 });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('runtime option "typescript" in Pulumi.yaml must be a boolean (true or false), got string yes');
  });

  it("a program that depends on @pulumi/aws is reported as needing the aws plugin", { timeout: 240_000 }, async () => {
    const dir = path.join(root, "aws-program");
    mkdirSync(path.join(dir, "node_modules", "@pulumi", "aws"), { recursive: true });
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: needs-aws\nruntime: nodejs\n");
    writeFileSync(path.join(dir, "index.js"), "module.exports = {};\n");
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "needs-aws", dependencies: { "@pulumi/aws": "7.48.0", "@pulumi/pulumi": "3.248.0" } }));
    // What the host reads: the installed package's package.json (name, version, `pulumi.resource`).
    writeFileSync(
      path.join(dir, "node_modules", "@pulumi", "aws", "package.json"),
      JSON.stringify({ name: "@pulumi/aws", version: "7.48.0", pulumi: { resource: true, name: "aws" } }),
    );
    symlinkSync(SDK_ROOT, path.join(dir, "node_modules", "@pulumi", "pulumi"), "dir");
    const env = { ...ws.cliEnv(), PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" };
    const init = spawnSync(resolvePulumi().bin, ["stack", "init", "dev", "--non-interactive"], { cwd: dir, env, encoding: "utf8" });
    expect(init.status, init.stderr).toBe(0);
    const r = spawnSync(resolvePulumi().bin, ["preview", "--non-interactive", "--logtostderr", "-v=7"], { cwd: dir, env, encoding: "utf8", timeout: 200_000 });
    expect(r.stderr).toContain("gatherPackagesFromProgram(): gathering plugins from language host");
    expect(r.stderr).toMatch(/gatherPackagesFromProgram\(\): package aws\S* .*is required by language host/);
  });
});
