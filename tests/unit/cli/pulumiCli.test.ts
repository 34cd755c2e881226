/**
 * Which Pulumi CLI is new enough, and the `--pulumi PATH` flag every golive command takes. The
 * minimum lives in two places (cli/pulumiCli.ts for golive, tools/build-pulumi.sh for setup): they
 * must agree, or setup and golive would pick different CLIs.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { takePulumiFlag } from "../../../cli/main";
import { MIN_PULUMI_VERSION, REPO_ROOT, isNewEnough, parsePulumiVersion } from "../../../cli/pulumiCli";

describe("the minimum Pulumi CLI", () => {
  it("is the same for setup and for golive", () => {
    const script = readFileSync(path.join(REPO_ROOT, "tools", "build-pulumi.sh"), "utf8");
    expect(/^min="v([^"]+)"/m.exec(script)?.[1]).toBe(MIN_PULUMI_VERSION);
  });

  it("is the @pulumi/pulumi version the program pins", () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(pkg.dependencies["@pulumi/pulumi"]).toBe(MIN_PULUMI_VERSION);
  });

  const cases: Array<[string, boolean]> = [
    ["v3.248.0", true],
    ["v3.248.1", true],
    ["v3.249.0", true],
    ["v4.0.0", true],
    ["v3.250.0-dev.0", true],
    ["3.248.0", true],
    ["v3.247.9", false],
    ["v3.100.0", false],
    ["v2.999.999", false],
    ["", false],
    ["pulumi: command not found", false],
  ];
  it.each(cases)("%s is new enough: %s", (version, ok) => {
    expect(isNewEnough(version)).toBe(ok);
  });

  it("reads the version out of what `pulumi version` prints", () => {
    expect(parsePulumiVersion("v3.248.0\n")).toEqual([3, 248, 0]);
    expect(parsePulumiVersion("warning: a new version is available\nv3.260.1")).toEqual([3, 260, 1]);
    expect(parsePulumiVersion("unknown")).toBeUndefined();
  });
});

describe("--pulumi PATH on a golive command line", () => {
  const cases: Array<{ argv: string[]; rest?: string[]; pulumi?: string; error?: string }> = [
    { argv: ["drift", "--stack", "live"], rest: ["drift", "--stack", "live"] },
    { argv: ["drift", "--pulumi", "/opt/pulumi/bin/pulumi", "--stack", "live"], rest: ["drift", "--stack", "live"], pulumi: "/opt/pulumi/bin/pulumi" },
    { argv: ["--pulumi=/usr/local/bin/pulumi", "doctor"], rest: ["doctor"], pulumi: "/usr/local/bin/pulumi" },
    { argv: ["verify", "--stack", "live", "--pulumi"], error: "--pulumi needs a path to a pulumi binary" },
    { argv: ["verify", "--pulumi", "--stack", "live"], error: "--pulumi needs a path to a pulumi binary" },
    { argv: ["verify", "--pulumi="], error: "--pulumi needs a path to a pulumi binary" },
  ];
  it.each(cases)("$argv", (c) => {
    const r = takePulumiFlag(c.argv);
    if (c.error) {
      expect(r.error).toBe(c.error);
    } else {
      expect(r).toEqual({ argv: c.rest, pulumi: c.pulumi });
    }
  });
});
