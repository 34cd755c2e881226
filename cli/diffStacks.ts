/**
 * `golive diff-stacks A B [--cwd DIR] [--json]`: every difference between two stacks' effective
 * declarations, read from the project's files (Pulumi.yaml's shared declaration merged with each
 * Pulumi.<stack>.yaml, defaults filled in), one line per config path. It needs no backend and no
 * passphrase, and resolves nothing: a secret reference is printed as the reference.
 */
import path from "node:path";
import { readEffectiveDeclaration } from "../config/declaration";
import { StackConfigError } from "../config/schema";
import { diffDeclarations, formatDifference, showValue, withDefaults } from "../config/stackDiff";

/** Runs the command; resolves to its exit code (0 when it ran, differences or not; 1 on error). */
export async function diffStacksCommand(argv: string[]): Promise<number> {
  const stacks: string[] = [];
  let cwd = process.cwd();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") json = true;
    else if (a === "--cwd" && argv[i + 1] !== undefined) cwd = argv[++i];
    else if (a.startsWith("--cwd=")) cwd = a.slice("--cwd=".length);
    else if (!a.startsWith("-")) stacks.push(a);
    else return fail(`unknown option "${a}"`);
  }
  if (stacks.length !== 2) return fail("name two stacks, e.g. `golive diff-stacks sandbox live`");
  const [nameA, nameB] = stacks;
  let diffs;
  try {
    const dir = path.resolve(cwd);
    const a = withDefaults(readEffectiveDeclaration(dir, nameA).values);
    const b = withDefaults(readEffectiveDeclaration(dir, nameB).values);
    diffs = diffDeclarations(a, b);
  } catch (e) {
    if (e instanceof StackConfigError) return fail(e.problems.join("\n"));
    throw e;
  }
  if (json) {
    process.stdout.write(JSON.stringify({ a: nameA, b: nameB, differences: diffs.map((d) => ({ ...d, a: showValue(d.a, d.path), b: showValue(d.b, d.path), line: formatDifference(d, nameA, nameB) })) }, null, 2) + "\n");
  } else if (diffs.length === 0) {
    process.stdout.write(`${nameA} and ${nameB} declare the same\n`);
  } else {
    process.stdout.write(diffs.map((d) => formatDifference(d, nameA, nameB)).join("\n") + "\n");
  }
  return 0;
}

function fail(message: string): number {
  process.stderr.write(`golive diff-stacks: ${message}\n`);
  return 1;
}
