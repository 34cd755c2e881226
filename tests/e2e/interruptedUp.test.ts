/**
 * A `pulumi up` SIGKILLed in the middle of slow creates, with the real Pulumi CLI: every
 * dynamic-provider process it launched exits within seconds, whether our launcher or
 * @pulumi/pulumi's own started it; then the state files a kill can leave
 * broken (an empty `<stack>.json.attrs`, an empty checkpoint) are named, with their fix, by
 * `golive doctor` and by the stack commands, and the fix they print works.
 */
import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, TOOLS_BIN } from "../../cli/pulumiCli";
import { useRehearsal } from "./helpers/rehearsal";

const rig = useRehearsal(
  {
    stack: "interrupted",
    config: ({ sandbox }) => {
      const eps: Record<string, unknown> = {};
      for (let i = 0; i < 4; i++) eps[`ep-${i}`] = { url: `https://hooks.example.com/${i}`, events: ["conversion.created"] };
      return { "selgeo:mode": "test", "selgeo:apiUrl": sandbox.url, "selgeo:webhookEndpoints": eps };
    },
    keys: ["SELGEO_SECRET_KEY"],
    env: { PATH: `${TOOLS_BIN}${path.delimiter}${process.env.PATH ?? ""}` },
  },
  180_000,
);
const golive = (args: string[]) => rig.golive(args);
/** Marks every process of this test's `pulumi up` (the engine passes its environment to plugins). */
const MARKER = `GOLIVE_E2E_RUN=${randomUUID()}`;

const admin = (p: string, body?: unknown) =>
  fetch(`${rig.sandbox.url}/_sandbox${p}`, { method: body === undefined ? "DELETE" : "POST", headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

/** Live processes carrying MARKER, with their command lines. */
function markedProcesses(): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, "utf8").split("\0").includes(MARKER)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue; // a zombie has exited
      out.push({ pid: Number(name), cmd: readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ").trim() });
    } catch {
      // gone while we looked
    }
  }
  return out;
}

const isProvider = (p: { cmd: string }) => /dynamic-provider|pulumi-resource-pulumi-nodejs/.test(p.cmd);

async function waitFor<T>(probe: () => T | Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(async () => {
  // Whatever a failed assertion left running.
  for (const p of markedProcesses()) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/**
 * Starts `pulumi up` while every endpoint create hangs on sandbox latency, SIGKILLs the CLI once a
 * create is in flight, and returns the provider processes seen before and still running 5 s later.
 */
async function killMidCreate(extraEnv: Record<string, string> = {}): Promise<{ before: Array<{ pid: number; cmd: string }>; left: Array<{ pid: number; cmd: string }> }> {
  await admin("/requests");
  await admin("/faults", { rules: [{ kind: "latency", latency_ms: 60_000, method: "POST", path_prefix: "/api/v1/webhook_endpoints", count: 100 }] });
  const [k, v] = [MARKER.slice(0, MARKER.indexOf("=")), MARKER.slice(MARKER.indexOf("=") + 1)];
  const { child, done } = rig.ws.start(["up", "--yes", "--skip-preview"], { [k]: v, ...extraEnv });
  const inFlight = async () => {
    const counts = (await (await fetch(`${rig.sandbox.url}/_sandbox/requests`)).json()) as { by_route: Record<string, number> };
    return counts.by_route["POST /api/v1/webhook_endpoints"] ?? 0;
  };
  expect(await waitFor(inFlight, (n) => n > 0, 120_000), "no create reached the sandbox").toBeGreaterThan(0);
  const before = markedProcesses().filter(isProvider);
  child.kill("SIGKILL");
  await done;
  const left = await waitFor(() => markedProcesses().filter(isProvider), (ps) => ps.length === 0, 5_000);
  await admin("/faults");
  return { before, left };
}

describe("a SIGKILLed pulumi up", { timeout: 300_000 }, () => {
  it("leaves no dynamic-provider process behind: each exits within seconds of the engine", async () => {
    const { before, left } = await killMidCreate();
    expect(before.length, "no provider process found to watch").toBeGreaterThan(0);
    // Our launcher preloads the watchdog.
    expect(before.some((p) => p.cmd.includes("--require") && p.cmd.includes("providerWatchdog"))).toBe(true);
    expect(left, `provider processes still running 5 s after the kill (before: ${JSON.stringify(before)})`).toEqual([]);
  });

  it("the stack is usable again after pulumi cancel (it clears the lock the killed CLI left)", async () => {
    const locked = await rig.ws.run(["up", "--yes", "--skip-preview"]);
    expect(locked.code).not.toBe(0);
    expect(locked.stdout + locked.stderr).toMatch(/the stack is currently locked .*pulumi cancel/);
    await rig.ws.mustRun(["cancel", "--yes"]);
    await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
  });

  it("with @pulumi/pulumi's own launcher (what an official CLI runs), the providers exit too", async () => {
    // The engine prefers a plugin found on PATH: put the SDK's script first.
    const sdkLauncher = mkdtempSync(path.join(tmpdir(), "golive-sdk-launcher-"));
    symlinkSync(path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "pulumi-resource-pulumi-nodejs"), path.join(sdkLauncher, "pulumi-resource-pulumi-nodejs"));
    const eps: Record<string, unknown> = {};
    for (let i = 0; i < 8; i++) eps[`ep-${i}`] = { url: `https://hooks.example.com/${i}`, events: ["conversion.created"] };
    rig.ws.writeConfig({ "selgeo:mode": "test", "selgeo:apiUrl": rig.sandbox.url, "selgeo:webhookEndpoints": eps });
    const { before, left } = await killMidCreate({ PATH: `${sdkLauncher}${path.delimiter}${TOOLS_BIN}${path.delimiter}${process.env.PATH ?? ""}` });
    expect(before.some((p) => p.cmd.includes(`${sdkLauncher}/pulumi-resource-pulumi-nodejs`)), JSON.stringify(before)).toBe(true);
    expect(before.some((p) => p.cmd.includes("--require")), "the SDK's launcher preloads nothing").toBe(false);
    expect(left, `provider processes still running 5 s after the kill (before: ${JSON.stringify(before)})`).toEqual([]);
    await rig.ws.mustRun(["cancel", "--yes"]);
    await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
  });
});

describe("a state file broken by a kill is named, with its fix", { timeout: 300_000 }, () => {
  const backendUrl = () => `file://${rig.ws.stateDir}`;
  const checkpoint = () => rig.ws.stateFile();

  it("an empty <stack>.json.attrs: every pulumi command fails with 'failed to load checkpoint: EOF'", async () => {
    writeFileSync(`${checkpoint()}.attrs`, "");
    const r = await rig.ws.run(["preview"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/failed to load checkpoint: .*EOF/);
  });

  it("golive doctor names the file and the fix", async () => {
    const r = await golive(["doctor", "--backend-url", backendUrl()]);
    expect(r.code).toBe(1);
    const line = r.stdout.split("\n").find((l) => l.includes(`${checkpoint()}.attrs`));
    expect(line, r.stdout).toMatch(/is empty \(left by an interrupted pulumi command\): delete .*interrupted\.json\.attrs/);
  });

  it.each([["drift"], ["monitor"], ["verify"], ["checklist"]])("golive %s prints one line naming the file and the fix", async (command) => {
    const r = await golive([command, "--stack", "interrupted"]);
    expect(r.code).not.toBe(0);
    const hint = (r.stdout + r.stderr).split("\n").filter((l) => l.includes("the stack's state is unreadable"));
    expect(hint, r.stdout + r.stderr).toHaveLength(1);
    expect(hint[0]).toContain(`${checkpoint()}.attrs is empty`);
    expect(hint[0]).toMatch(/delete .*\.attrs/);
  });

  it("deleting the empty attrs file, as told, makes the stack readable again", async () => {
    rmSync(`${checkpoint()}.attrs`);
    await rig.ws.mustRun(["preview", "--expect-no-changes"]);
    const r = await golive(["doctor", "--backend-url", backendUrl()]);
    expect(r.stdout).toMatch(/ok\s+stack state files/);
  });

  it("an empty checkpoint: the fix restores <stack>.json.bak, and it works", async () => {
    expect(existsSync(`${checkpoint()}.bak`), "the file backend keeps a .bak").toBe(true);
    writeFileSync(checkpoint(), "");
    const broken = await rig.ws.run(["preview"]);
    expect(broken.code).not.toBe(0);
    const r = await golive(["drift", "--stack", "interrupted"]);
    expect(r.code).toBe(1);
    const hint = r.stderr.split("\n").find((l) => l.includes("the stack's state is unreadable"));
    expect(hint, r.stdout + r.stderr).toContain(`${checkpoint()} is empty`);
    expect(hint).toContain(`cp "${checkpoint()}.bak" "${checkpoint()}"`);
    copyFileSync(`${checkpoint()}.bak`, checkpoint());
    await rig.ws.mustRun(["refresh", "--yes", "--skip-preview"]);
    await rig.ws.mustRun(["preview", "--expect-no-changes"]);
  });
});
