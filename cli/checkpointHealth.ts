/**
 * A `pulumi up` killed while the file backend writes its checkpoint can leave an empty
 * `<stack>.json.attrs` (the blob's metadata sidecar) or an empty / truncated `<stack>.json`. From
 * then on every command of that stack fails with `failed to load checkpoint: EOF`, which names no
 * file. These helpers find the broken file under a file backend and say how to recover.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";

/** One state file the Pulumi CLI cannot read. */
export interface BrokenStateFile {
  file: string;
  /** `attrs`: the metadata sidecar; `checkpoint`: the stack's state itself. */
  kind: "attrs" | "checkpoint";
  problem: "empty" | "truncated";
  /** What to do, as one sentence with the exact paths. */
  fix: string;
}

/** The text the Pulumi CLI prints for an unreadable checkpoint. */
export const CHECKPOINT_ERROR = /failed to load checkpoint/i;

/**
 * The folder holding `.pulumi/` for a file backend URL (`file:///dir`, `file://~`), else undefined.
 * Without a URL: PULUMI_BACKEND_URL, then the backend `pulumi login` recorded in PULUMI_HOME.
 */
export function fileBackendRoot(backendUrl?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let url = backendUrl ?? env.PULUMI_BACKEND_URL;
  if (!url) {
    const creds = path.join(env.PULUMI_HOME ?? path.join(homedir(), ".pulumi"), "credentials.json");
    try {
      url = (JSON.parse(readFileSync(creds, "utf8")) as { current?: string }).current;
    } catch {
      return undefined;
    }
  }
  if (!url?.startsWith("file://")) return undefined;
  const rest = url.slice("file://".length).replace(/\?.*$/, "");
  if (rest === "~" || rest.startsWith("~/")) return path.join(homedir(), rest.slice(1));
  return path.resolve(rest);
}

function parses(file: string): boolean {
  try {
    const raw = readFileSync(file);
    JSON.parse((file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8"));
    return true;
  } catch {
    return false;
  }
}

/** Every unreadable checkpoint or attrs file of the stacks under a file backend's root. */
export function findBrokenStateFiles(root: string): BrokenStateFile[] {
  const stacksDir = path.join(root, ".pulumi", "stacks");
  if (!existsSync(stacksDir)) return [];
  const out: BrokenStateFile[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) walk(file);
      else if (/\.json(\.gz)?\.attrs$/.test(e.name)) {
        if (parses(file)) continue;
        out.push({
          file,
          kind: "attrs",
          problem: statSync(file).size === 0 ? "empty" : "truncated",
          fix: `delete ${file} (it holds only the blob's metadata; the CLI reads the checkpoint without it), e.g. rm ${JSON.stringify(file)}`,
        });
      } else if (/\.json(\.gz)?$/.test(e.name)) {
        if (parses(file)) continue;
        const bak = `${file}.bak`;
        const stack = e.name.replace(/\.json(\.gz)?$/, "");
        const restore = existsSync(bak) && parses(bak)
          ? `restore the previous checkpoint with cp ${JSON.stringify(bak)} ${JSON.stringify(file)} (then pulumi refresh --stack ${stack} to pick up what the interrupted update changed)`
          : `import a good state with pulumi stack import --stack ${stack} --file <export.json> (older checkpoints are under ${path.join(root, ".pulumi", "history")})`;
        out.push({ file, kind: "checkpoint", problem: statSync(file).size === 0 ? "empty" : "truncated", fix: restore });
      }
    }
  };
  walk(stacksDir);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** One line per broken file: which file, what is wrong, what to do. */
export function describeBroken(b: BrokenStateFile): string {
  return `${b.file} is ${b.problem === "empty" ? "empty" : "truncated"} (left by an interrupted pulumi command): ${b.fix}`;
}

/**
 * For an error of a stack command: when the Pulumi CLI could not load a checkpoint, one line
 * naming the broken file and the fix (or where to look, off a file backend); else undefined.
 */
export function checkpointHint(errorText: string, backendUrl?: string, stack?: string): string | undefined {
  if (!CHECKPOINT_ERROR.test(errorText)) return undefined;
  const root = fileBackendRoot(backendUrl);
  const broken = root ? findBrokenStateFiles(root) : [];
  const mine = stack ? broken.filter((b) => path.basename(b.file).startsWith(`${stack}.json`)) : broken;
  const pick = mine.length > 0 ? mine : broken;
  if (pick.length > 0) return `the stack's state is unreadable: ${pick.map(describeBroken).join("; ")}`;
  const name = stack ?? "<stack>";
  return `the stack's checkpoint is unreadable (an interrupted pulumi command?): in the backend's .pulumi/stacks/<project>/, delete an empty ${name}.json.attrs, or restore ${name}.json from ${name}.json.bak or with pulumi stack import`;
}

/** `golive doctor`'s lines for the state files of the backend in `argv` (`--backend-url`) or the environment. */
export function stateFindings(argv: string[]): Array<{ component: string; ok: boolean; version?: string; fix?: string }> {
  const i = argv.indexOf("--backend-url");
  const root = fileBackendRoot(i >= 0 ? argv[i + 1] : undefined);
  if (!root) return [];
  const broken = findBrokenStateFiles(root);
  if (broken.length === 0) return [{ component: "stack state files", ok: true, version: root }];
  return broken.map((b) => ({ component: `stack state ${path.relative(root, b.file)}`, ok: false, version: b.problem, fix: describeBroken(b) }));
}
