/**
 * `golive <command> --help` and `-h` print the command's usage and never run it, for every command
 * `golive` lists.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { COMMANDS, main, USAGE } from "../../../cli/main";

/** Every command and a word its usage must contain (what it would do if it ran). */
const MENTIONS: Record<string, string> = {
  doctor: "--json",
  sandbox: "--port",
  demo: "go-live",
  "scan-keys": "DIR",
  drift: "--remediate",
  monitor: "--retry-failed",
  flow: "--landing",
  verify: "--stack NAME",
  checklist: "--stack NAME",
  "cleanup-test": "--apply",
  review: "--format",
  "diff-stacks": "exit 0 whether or not they differ",
  rehearse: "pulumi up --stack live",
};

const listed = [...USAGE.matchAll(/^ {2}([a-z][a-z-]*)(?= |$)/gm)].map((m) => m[1]);

let cwd: string;
let before: string;
let out: string;
let err: string;
beforeEach(() => {
  before = process.cwd();
  cwd = mkdtempSync(path.join(tmpdir(), "golive-help-"));
  process.chdir(cwd);
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.chdir(before);
  rmSync(cwd, { recursive: true, force: true });
});

describe("golive <command> --help", () => {
  it("the table covers every command golive lists", () => {
    expect(listed.length).toBeGreaterThan(5);
    expect([...listed].sort()).toEqual(Object.keys(MENTIONS).sort());
  });

  it("golive lists exactly the commands it runs", () => {
    expect([...listed].sort()).toEqual([...COMMANDS.keys()].sort());
  });

  for (const [command, mentions] of Object.entries(MENTIONS)) {
    for (const flag of ["--help", "-h"]) {
      it(`${command} ${flag}: usage on stdout, exit 0, nothing run`, async () => {
        // A stack command would need --stack; the sandbox would listen and write .sandbox-data;
        // the demo would print its first step. None of that may happen.
        const started = Date.now();
        const code = await main([command, flag]);
        expect(code).toBe(0);
        expect(out).toMatch(new RegExp(`^usage: golive ${command}\\b`));
        expect(out).toContain(mentions);
        expect(err).toBe("");
        expect(readdirSync(cwd)).toEqual([]);
        expect(Date.now() - started).toBeLessThan(5_000);
      });
    }
  }

  it("after other flags too, and from the real binary", () => {
    const r = spawnSync(process.execPath, [path.join(__dirname, "..", "..", "..", "bin", "golive.js"), "verify", "--stack", "live", "-h"], {
      cwd,
      encoding: "utf8",
      env: { ...process.env, PULUMI_BACKEND_URL: "file:///nonexistent" },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: golive verify --stack NAME/);
    expect(r.stdout).toContain("PULUMI_CONFIG_PASSPHRASE");
    expect(r.stderr).toBe("");
  });

  it("an unknown command with --help is still an unknown command", async () => {
    expect(await main(["nope", "--help"])).toBe(1);
    expect(err).toContain('unknown command "nope"');
  });
});
