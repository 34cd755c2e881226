/**
 * The stack file (`Pulumi.<stack>.yaml`) checked before any golive command runs `pulumi` on it.
 *
 * YAML's `.nan`, `.inf` and `-.inf` are numbers to YAML but not to JSON. Nested inside a map (a
 * rule's `percentage`), the Pulumi CLI refuses the whole file while loading the stack's config,
 * with `json: unsupported value: NaN` and no key: every command fails the same way and nothing says
 * where. Read the file ourselves first and name the config path.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { load } from "js-yaml";

/** A value in the stack file Pulumi cannot load, with its config path (`selgeo:commissionRules.standard.percentage`). */
export interface StackFileProblem {
  file: string;
  configPath: string;
  /** As written in YAML: `.nan`, `.inf` or `-.inf`. */
  value: string;
}

function yamlSpelling(n: number): string {
  return Number.isNaN(n) ? ".nan" : n > 0 ? ".inf" : "-.inf";
}

function walk(value: unknown, at: string, out: Array<{ configPath: string; value: string }>): void {
  if (typeof value === "number" && !Number.isFinite(value)) {
    out.push({ configPath: at, value: yamlSpelling(value) });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${at}[${i}]`, out));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`, out);
  }
}

/** Where the stack's config file is: `Pulumi.yaml`'s `stackConfigDir` (default the project folder). */
export function stackFilePath(projectDir: string, stack: string): string {
  let dir = projectDir;
  try {
    const project = load(readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { stackConfigDir?: unknown } | null;
    if (typeof project?.stackConfigDir === "string") dir = path.resolve(projectDir, project.stackConfigDir);
  } catch {
    // No or unreadable Pulumi.yaml: pulumi itself says so.
  }
  // `org/project/stack` names the same file as `stack`.
  return path.join(dir, `Pulumi.${stack.split("/").pop()}.yaml`);
}

/**
 * The non-finite numbers in a stack file's `config:`. A file that is absent or not YAML is left to
 * pulumi, whose own message names it.
 */
export function stackFileProblems(file: string): StackFileProblem[] {
  if (!existsSync(file)) return [];
  let doc: unknown;
  try {
    doc = load(readFileSync(file, "utf8"));
  } catch {
    return [];
  }
  const config = (doc as { config?: unknown } | null)?.config;
  if (config === null || typeof config !== "object" || Array.isArray(config)) return [];
  const found: Array<{ configPath: string; value: string }> = [];
  for (const [key, v] of Object.entries(config)) walk(v, key, found);
  return found.map((f) => ({ file, ...f }));
}

/** The one line to print for a problem. */
export function describeStackFileProblem(p: StackFileProblem): string {
  return (
    `${p.configPath}: ${p.value} in ${path.basename(p.file)} is not a number Pulumi can load (pulumi fails with "json: unsupported value"): ` +
    "write a finite number (a percentage such as 10 or 19.99), or remove the key"
  );
}

/** Raised before running pulumi on a stack file it cannot load; the message is the line to print. */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

/** Throws a StackFileError naming the first bad config path of the stack's file (and how many more). */
export function assertStackFileLoadable(projectDir: string, stack: string): void {
  const problems = stackFileProblems(stackFilePath(projectDir, stack));
  if (problems.length === 0) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1).map((p) => p.configPath).join(", ")})` : "";
  throw new StackFileError(describeStackFileProblem(problems[0]) + more);
}

/** `golive doctor`'s lines: every `Pulumi.<stack>.yaml` in `projectDir` with a value Pulumi cannot load. */
export function stackFileFindings(projectDir: string): Array<{ component: string; ok: boolean; version?: string; fix?: string }> {
  let names: string[];
  try {
    names = readdirSync(projectDir).filter((n) => /^Pulumi\.[^.]+\.ya?ml$/.test(n) && n !== "Pulumi.yaml");
  } catch {
    return [];
  }
  return names.flatMap((n) =>
    stackFileProblems(path.join(projectDir, n)).map((p) => ({ component: `stack file ${n}`, ok: false, version: p.configPath, fix: describeStackFileProblem(p) })),
  );
}
