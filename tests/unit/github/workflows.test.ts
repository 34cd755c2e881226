/**
 * The GitHub Actions workflows (.github/workflows) pass actionlint, built by `npm run setup`
 * (tools/actionlint.sh). shellcheck is left out here so the result does not depend on what the
 * machine has installed; the `workflows` workflow runs actionlint with it on GitHub's runners.
 * Broken copies of the workflows, in a temp dir, must be reported: the check can fail.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, TOOLS_BIN } from "../../../cli/pulumiCli";

const ACTIONLINT = path.join(TOOLS_BIN, "actionlint");
const WORKFLOWS = path.join(REPO_ROOT, ".github", "workflows");

interface Finding {
  message: string;
  filepath: string;
  line: number;
  kind: string;
}

/** actionlint's findings for the repository at `cwd` (or the given files), as JSON. */
function actionlint(cwd: string, files: string[] = []): { code: number; findings: Finding[]; stderr: string } {
  if (!existsSync(ACTIONLINT)) throw new Error(`actionlint is not built: run \`npm run setup\` (looked for ${ACTIONLINT})`);
  const r = spawnSync(ACTIONLINT, ["-shellcheck=", "-pyflakes=", "-format", "{{json .}}", ...files], { cwd, encoding: "utf8" });
  return { code: r.status ?? 1, findings: r.stdout.trim() ? (JSON.parse(r.stdout) as Finding[]) : [], stderr: r.stderr };
}

/** A copy of the repository's .github folder in a temp dir, with one workflow's text edited. */
function brokenCopy(file: string, edit: (text: string) => string): string {
  const root = mkdtempSync(path.join(tmpdir(), "golive-actionlint-"));
  // actionlint finds the project by its .git folder.
  for (const sub of ["workflows", path.join("actions", "setup"), path.join("..", ".git")]) mkdirSync(path.join(root, ".github", sub), { recursive: true });
  writeFileSync(path.join(root, ".github", "actions", "setup", "action.yml"), readFileSync(path.join(REPO_ROOT, ".github", "actions", "setup", "action.yml")));
  const text = readFileSync(path.join(WORKFLOWS, file), "utf8");
  const edited = edit(text);
  expect(edited, "the edit must change the workflow").not.toBe(text);
  writeFileSync(path.join(root, ".github", "workflows", file), edited);
  return root;
}

describe("GitHub Actions workflows", () => {
  it("review, drift, deploy and workflows are all there", () => {
    for (const f of ["review.yml", "drift.yml", "deploy.yml", "workflows.yml"]) expect(existsSync(path.join(WORKFLOWS, f)), f).toBe(true);
  });

  it("actionlint finds nothing in .github/workflows", () => {
    const r = actionlint(REPO_ROOT);
    expect(r.findings.map((f) => `${f.filepath}:${f.line} ${f.kind}: ${f.message}`)).toEqual([]);
    expect(r.code, r.stderr).toBe(0);
  });

  it.each<[string, string, (t: string) => string, string, RegExp]>([
    ["a misspelt step id", "review.yml", (t) => t.replace("steps.review.outputs.exit-code == '1'", "steps.reviw.outputs.exit-code == '1'"), "expression", /reviw/],
    ["an unknown context", "drift.yml", (t) => t.replace("${{ vars.AWS_REVIEW_ROLE_ARN }}", "${{ var.AWS_REVIEW_ROLE_ARN }}"), "expression", /undefined variable "var"/],
    ["an invalid cron", "drift.yml", (t) => t.replace('"17 6 * * *"', '"17 25 * * *"'), "events", /invalid CRON/],
    ["a job without runs-on", "deploy.yml", (t) => t.replace("    runs-on: ubuntu-latest\n", ""), "syntax-check", /runs-on/],
    ["a misspelt permission", "review.yml", (t) => t.replace("pull-requests: write", "pull-request: write"), "permissions", /pull-request/],
  ])("reports %s", (_name, file, edit, kind, message) => {
    const root = brokenCopy(file, edit);
    const r = actionlint(root);
    expect(r.code).toBe(1);
    expect(r.findings.some((f) => f.kind === kind && message.test(f.message)), JSON.stringify(r.findings, null, 1)).toBe(true);
  });
});
