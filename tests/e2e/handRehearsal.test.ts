/**
 * The README's "Rehearse by hand", step by step, as a user runs it: `golive sandbox` started as a
 * child process in a throw-away copy of the project, its env file sourced by a real shell, the real
 * `pulumi` found on the PATH that file sets, `pulumi login` / `stack select --create` / `preview` /
 * `up` on Pulumi.sandbox.yaml, then `golive verify`, `checklist` and `monitor`; the sandbox stopped
 * (the stack commands then say how to start it), started again, and the same stack still has no
 * changes, refreshed or not, and still verifies: moto's secrets came back under the ARNs in state.
 *
 * The copy of Pulumi.sandbox.yaml gets free ports instead of 4010/4011/4040 (so a sandbox a user runs
 * on this machine, or a parallel test, is never hit); `golive sandbox` is given no port but moto's,
 * so the ports come from the stack file as they do for a user.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../sandbox/moto";
import { REPO_ROOT, runProcess, type CliResult } from "../../cli/pulumiCli";

type Run = CliResult;

const root = mkdtempSync(path.join(tmpdir(), "golive-hand-"));
const project = path.join(root, "project");
const children = new Set<ChildProcess>();

/** The user's shell before anything: no Pulumi, AWS, Selgeo or Stripe variables, and the tools not on PATH. */
function cleanShellEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PULUMI_|AWS_|SELGEO_|STRIPE_)/.test(k)) continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((p) => !p.includes(path.join(".tools", "bin")))
    .join(path.delimiter);
  // Only so the test never touches the user's ~/.pulumi (credentials.json after `pulumi login`).
  env.PULUMI_HOME = path.join(root, "pulumi-home");
  env.NO_COLOR = "1";
  return env;
}

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> => runProcess(cmd, args, { cwd: project, env });

const golive = (args: string[], env: NodeJS.ProcessEnv) => run(process.execPath, [path.join(REPO_ROOT, "bin", "golive.js"), ...args], env);
const pulumi = (args: string[], env: NodeJS.ProcessEnv) => run("pulumi", [...args, "--non-interactive"], env);

/** `npx golive sandbox …` in the project folder; resolves with its first stdout line, parsed. */
async function startSandbox(args: string[]): Promise<{ child: ChildProcess; info: { selgeo_url: string; aws_url: string; env_file: string }; stderr: () => string }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "golive.js"), "sandbox", ...args], {
    cwd: project,
    env: cleanShellEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d;
      if (out.includes("\n")) resolve(out.split("\n")[0]);
    });
    child.once("exit", (code) => reject(new Error(`golive sandbox exited ${code} before its first line:\n${stderr}`)));
  });
  // The receivers start before the first line; give stderr a moment to carry the env-file lines.
  await new Promise((r) => setTimeout(r, 200));
  return { child, info: JSON.parse(line), stderr: () => stderr };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGINT");
  const code = await exited;
  children.delete(child);
  return code;
}

/** `source <env file>` in a real shell, and the environment it leaves. */
function sourceEnvFile(file: string): NodeJS.ProcessEnv {
  const r = spawnSync("bash", ["-c", '. "$1" && env -0', "source-env", file], { env: cleanShellEnv(), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`sourcing ${file} failed: ${r.stderr}`);
  const env: NodeJS.ProcessEnv = {};
  for (const entry of r.stdout.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** Output a user should never see on a normal run. */
function expectQuiet(r: Run): void {
  expect(r.stdout + r.stderr).not.toMatch(/Undefined value|NodeVersionSupportWarning|NodeDeprecationWarning/);
}

afterAll(async () => {
  for (const c of children) await stop(c);
  rmSync(root, { recursive: true, force: true });
});

describe("rehearse by hand, through the env file, across a sandbox restart", () => {
  it(
    "sandbox → source env.sh → pulumi login/select/preview/up → verify, checklist, monitor → restart → no changes, still verified",
    async () => {
      // A throw-away copy of the project: Pulumi.yaml (its program is this repository's) and
      // Pulumi.sandbox.yaml as committed, on free ports.
      const [selgeoPort, stripePort, receiverPort, awsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
      spawnSync("mkdir", ["-p", project]);
      writeFileSync(
        path.join(project, "Pulumi.yaml"),
        readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8") + `main: ${JSON.stringify(REPO_ROOT)}\n`,
      );
      const stackFile = readFileSync(path.join(REPO_ROOT, "Pulumi.sandbox.yaml"), "utf8");
      expect(stackFile).toMatch(/127\.0\.0\.1:4010\b/);
      expect(stackFile).toMatch(/127\.0\.0\.1:4011\b/);
      expect(stackFile).toMatch(/127\.0\.0\.1:4040\//);
      writeFileSync(
        path.join(project, "Pulumi.sandbox.yaml"),
        stackFile
          .replace(/127\.0\.0\.1:4010\b/g, `127.0.0.1:${selgeoPort}`)
          .replace(/127\.0\.0\.1:4011\b/g, `127.0.0.1:${stripePort}`)
          .replace(/127\.0\.0\.1:4040\//g, `127.0.0.1:${receiverPort}/`),
      );
      symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
      copyFileSync(path.join(project, "Pulumi.sandbox.yaml"), path.join(root, "stack-file-before"));

      // 1. Start the sandbox. Its ports are the stack file's.
      const first = await startSandbox(["--aws-port", String(awsPort)]);
      expect(first.info.selgeo_url).toBe(`http://127.0.0.1:${selgeoPort}`);
      expect(first.info.aws_url).toBe(`http://127.0.0.1:${awsPort}`);
      expect(first.info.env_file).toBe(path.join(project, ".sandbox-data", "env.sh"));
      expect(first.stderr()).toContain(`127.0.0.1:${receiverPort}/selgeo/webhooks`);
      expect(first.stderr()).toMatch(/passphrase is "[^"]+"/);
      const envText = readFileSync(first.info.env_file, "utf8");

      // 2. source .sandbox-data/env.sh
      const env: NodeJS.ProcessEnv = { ...sourceEnvFile(first.info.env_file), PULUMI_HOME: path.join(root, "pulumi-home") };
      expect(env.SELGEO_SECRET_KEY).toMatch(/^sk_test_/);
      expect(env.STRIPE_SECRET_KEY).toMatch(/^sk_test_/);
      expect(env.AWS_ENDPOINT_URL_SECRETS_MANAGER).toBe(first.info.aws_url);
      expect(env.AWS_ACCESS_KEY_ID).toBeTruthy();
      expect(env.AWS_REGION).toBe("us-east-1");
      expect(env.PULUMI_BACKEND_URL).toBe(`file://${path.join(project, ".sandbox-data", "pulumi-state")}`);
      expect(env.PULUMI_CONFIG_PASSPHRASE).toBeTruthy();
      expect(spawnSync("bash", ["-c", "command -v pulumi"], { env, encoding: "utf8" }).stdout.trim()).toBe(path.join(REPO_ROOT, ".tools", "bin", "pulumi"));
      // env.sh silences the AWS SDK's Node-version notice, but golive and the providers do it
      // themselves: a shell without that line must not see it either (expectQuiet below).
      expect(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe("true");
      delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;

      // 3. pulumi login (the backend folder exists), stack select --create, preview, up.
      const login = await pulumi(["login"], env);
      expect(login.code, login.stderr).toBe(0);
      expect(login.stdout).toContain(env.PULUMI_BACKEND_URL!);
      const select = await pulumi(["stack", "select", "--create", "sandbox"], env);
      expect(select.code, select.stderr).toBe(0);
      const preview = await pulumi(["preview", "--policy-pack", path.join(REPO_ROOT, "policy")], env);
      expect(preview.code, preview.stdout + preview.stderr).toBe(0);
      expect(preview.stdout).toMatch(/\+ 7 to create/);
      expectQuiet(preview);
      const up = await pulumi(["up", "--yes", "--skip-preview"], env);
      expect(up.code, up.stdout + up.stderr).toBe(0);
      expectQuiet(up);

      // 4. golive verify, checklist and monitor pass on the hand-made stack.
      const verify = await golive(["verify", "--stack", "sandbox"], env);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/forged ping rejected \[orders\]\s+✔ passed/);
      expectQuiet(verify);
      const checklist = await golive(["checklist", "--stack", "sandbox"], env);
      expect(checklist.code, checklist.stdout + checklist.stderr).toBe(0);
      expectQuiet(checklist);
      expect(checklist.stdout).not.toMatch(/✘ failed/);
      const monitor = await golive(["monitor", "--stack", "sandbox"], env);
      expect(monitor.code, monitor.stdout + monitor.stderr).toBe(0);
      expect(monitor.stdout).toMatch(/^healthy: stack sandbox/);
      expectQuiet(monitor);
      const arnsBefore = JSON.parse((await pulumi(["stack", "output", "webhookSecretArns", "--json"], env)).stdout);

      // 5. Stop the sandbox: a stack command now says how to start it, in one line.
      expect(await stop(first.child)).toBe(0);
      const stopped = await golive(["verify", "--stack", "sandbox"], env);
      expect(stopped.code).toBe(1);
      expect(stopped.stderr.trim().split("\n")).toHaveLength(1);
      expect(stopped.stderr.trim()).toMatch(new RegExp(`^golive: selgeo:apiUrl: cannot reach http://127\\.0\\.0\\.1:${selgeoPort} \\(connection refused\\) — is the sandbox running\\? \`npx golive sandbox\``));
      // …and without the passphrase, one line saying how to set it (never an empty one assumed).
      const { PULUMI_CONFIG_PASSPHRASE: _unset, ...noPassphrase } = env;
      const noPass = await golive(["verify", "--stack", "sandbox"], noPassphrase);
      expect(noPass.code).toBe(1);
      expect(noPass.stderr.trim().split("\n")).toHaveLength(1);
      expect(noPass.stderr).toMatch(/PULUMI_CONFIG_PASSPHRASE is not set: export PULUMI_CONFIG_PASSPHRASE=.*source \.sandbox-data\/env\.sh/);

      // 6. Start it again, the same way: same keys, same AWS endpoint and credentials.
      const second = await startSandbox(["--aws-port", String(awsPort)]);
      const withoutDate = (s: string) => s.replace(/^# Written by .*$/m, "");
      expect(withoutDate(readFileSync(second.info.env_file, "utf8"))).toBe(withoutDate(envText));

      // 7. The stack has no changes, with or without a refresh (the refresh reads every secret by
      // the ARN and version in state), and still verifies.
      const noChanges = await pulumi(["preview", "--expect-no-changes"], env);
      expect(noChanges.code, noChanges.stdout + noChanges.stderr).toBe(0);
      const refreshed = await pulumi(["preview", "--refresh", "--expect-no-changes", "--diff"], env);
      expect(refreshed.code, refreshed.stdout + refreshed.stderr).toBe(0);
      expect(JSON.parse((await pulumi(["stack", "output", "webhookSecretArns", "--json"], env)).stdout)).toEqual(arnsBefore);
      const again = await golive(["verify", "--stack", "sandbox"], env);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(again.stdout).toMatch(/signature with the Secrets Manager secret \[orders\]\s+✔ passed/);

      expect(await stop(second.child)).toBe(0);
      // The project's files are the user's: only Pulumi's own encryptionsalt line was added.
      const after = readFileSync(path.join(project, "Pulumi.sandbox.yaml"), "utf8").replace(/^encryptionsalt: .*\n?/m, "");
      expect(after).toBe(readFileSync(path.join(root, "stack-file-before"), "utf8"));
    },
    20 * 60_000,
  );
});
