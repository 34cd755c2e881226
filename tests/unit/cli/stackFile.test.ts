/** The stack-file check every golive command runs before pulumi: YAML's non-finite numbers, named by config path. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertStackFileLoadable, stackFileFindings, stackFilePath, stackFileProblems } from "../../../cli/stackFile";

function project(stackYaml: string, projectYaml = "name: p\nruntime: nodejs\n"): string {
  const dir = mkdtempSync(path.join(tmpdir(), "golive-stackfile-"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), projectYaml);
  writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stackYaml);
  return dir;
}

/** [stack file config, the config paths reported]. */
const CASES: Array<[string, string, string[]]> = [
  ["a rule's percentage .nan", "config:\n  selgeo:commissionRules:\n    standard:\n      type: percentage\n      percentage: .nan\n", ["selgeo:commissionRules.standard.percentage"]],
  ["+.inf and -.inf in a list", "config:\n  selgeo:expectedTraffic:\n    spikes: [1, .inf, -.Inf]\n", ["selgeo:expectedTraffic.spikes[1]", "selgeo:expectedTraffic.spikes[2]"]],
  ["a top-level value", "config:\n  selgeo:verify: .NaN\n", ["selgeo:verify"]],
  ["finite numbers, 19.99 included", "config:\n  selgeo:commissionRules:\n    standard:\n      percentage: 19.99\n      holdPeriodDays: 0\n", []],
  ["the string \".nan\" is a string", "config:\n  selgeo:program:\n    name: \".nan\"\n", []],
  ["no config at all", "encryptionsalt: v1:abc\n", []],
  ["not YAML: left to pulumi", "config: [\n", []],
];

describe("stackFileProblems", () => {
  it.each(CASES)("%s", (_name, yaml, paths) => {
    const dir = project(yaml);
    expect(stackFileProblems(path.join(dir, "Pulumi.dev.yaml")).map((p) => p.configPath)).toEqual(paths);
  });

  it("refuses with one line naming the path, the value and what to do", () => {
    const dir = project(CASES[0][1]);
    expect(() => assertStackFileLoadable(dir, "dev")).toThrow(
      /^selgeo:commissionRules\.standard\.percentage: \.nan in Pulumi\.dev\.yaml is not a number Pulumi can load \(pulumi fails with "json: unsupported value"\): write a finite number/,
    );
    expect(() => assertStackFileLoadable(dir, "org/p/dev")).toThrow(/selgeo:commissionRules\.standard\.percentage/);
    expect(() => assertStackFileLoadable(project(CASES[3][1]), "dev")).not.toThrow();
  });

  it("follows Pulumi.yaml's stackConfigDir", () => {
    const dir = project("", "name: p\nruntime: nodejs\nstackConfigDir: stacks\n");
    expect(stackFilePath(dir, "dev")).toBe(path.join(dir, "stacks", "Pulumi.dev.yaml"));
  });

  it("doctor lists every stack file with a bad value", () => {
    const dir = project(CASES[1][1]);
    expect(stackFileFindings(dir)).toEqual([
      expect.objectContaining({ component: "stack file Pulumi.dev.yaml", ok: false, version: "selgeo:expectedTraffic.spikes[1]" }),
      expect.objectContaining({ component: "stack file Pulumi.dev.yaml", ok: false, version: "selgeo:expectedTraffic.spikes[2]" }),
    ]);
  });
});
