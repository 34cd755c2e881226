/**
 * Finding the state files a killed `pulumi` can leave unreadable, on a made-up file backend: which
 * backend URL maps to which folder, what counts as broken, and the fix each one gets.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { checkpointHint, fileBackendRoot, findBrokenStateFiles } from "../../../cli/checkpointHealth";

const roots: Array<[string | undefined, NodeJS.ProcessEnv, string | undefined]> = [
  ["file:///srv/state", {}, "/srv/state"],
  ["file:///srv/state?no_tmp_dir=true", {}, "/srv/state"],
  ["file://~", {}, homedir()],
  ["file://~/team", {}, path.join(homedir(), "team")],
  ["s3://bucket?region=eu-west-1", {}, undefined],
  ["https://api.pulumi.com", {}, undefined],
  [undefined, { PULUMI_BACKEND_URL: "file:///from/env" }, "/from/env"],
  [undefined, { PULUMI_HOME: "/nonexistent-pulumi-home" }, undefined],
];

it.each(roots)("backend %s (env %j) → %s", (url, env, root) => {
  expect(fileBackendRoot(url, env)).toBe(root);
});

function backend(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "golive-state-"));
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, ".pulumi", "stacks", "proj", rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return root;
}

const good = JSON.stringify({ version: 3, checkpoint: {} });
const cases: Array<[string, Record<string, string>, Array<[string, string, RegExp]>]> = [
  ["healthy", { "dev.json": good, "dev.json.attrs": "{}", "dev.json.bak": good }, []],
  ["empty attrs", { "dev.json": good, "dev.json.attrs": "" }, [["dev.json.attrs", "empty", /^delete .*dev\.json\.attrs/]]],
  ["truncated attrs", { "dev.json": good, "dev.json.attrs": '{"user.cache' }, [["dev.json.attrs", "truncated", /^delete /]]],
  ["empty checkpoint with a good .bak", { "dev.json": "", "dev.json.bak": good }, [["dev.json", "empty", /^restore the previous checkpoint with cp ".*dev\.json\.bak" ".*dev\.json"/]]],
  ["truncated checkpoint, no .bak", { "dev.json": good.slice(0, 10) }, [["dev.json", "truncated", /^import a good state with pulumi stack import --stack dev/]]],
];

it.each(cases)("%s", (_name, files, expected) => {
  const root = backend(files);
  const got = findBrokenStateFiles(root).map((b) => [path.basename(b.file), b.problem, b.fix]);
  expect(got.length).toBe(expected.length);
  expected.forEach(([file, problem, fix], i) => {
    expect(got[i][0]).toBe(file);
    expect(got[i][1]).toBe(problem);
    expect(got[i][2]).toMatch(fix);
  });
});

it("a stack command's hint names the broken file of that stack, on one line", () => {
  const root = backend({ "dev.json": good, "prod.json": good, "prod.json.attrs": "" });
  const hint = checkpointHint("error: failed to load checkpoint: EOF", `file://${root}`, "prod");
  expect(hint).toContain(path.join(root, ".pulumi", "stacks", "proj", "prod.json.attrs"));
  expect(hint).not.toContain("\n");
  expect(checkpointHint("error: no stack named 'prod' found", `file://${root}`, "prod")).toBeUndefined();
  expect(checkpointHint("failed to load checkpoint: EOF", "s3://bucket", "prod")).toMatch(/delete an empty prod\.json\.attrs, or restore prod\.json from prod\.json\.bak or with pulumi stack import/);
});
