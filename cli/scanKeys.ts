/**
 * `golive scan-keys [DIR] [--json]`: the code-tree half of checklist item 1.
 *
 * (a) Test keys (`pk_test_`, `sk_test_`, `rk_test_`) left where the checklist says to look: the
 *     tracking snippet's `data-merchant` attribute in HTML and templates, env files, CI/CD configs,
 *     scripts and cron jobs. A test key elsewhere (a README, a JSON fixture) is not reported: test
 *     keys are harmless, they are only wrong where the live site or jobs read them.
 * (b) Live secrets committed anywhere in a text file: `sk_live_`, `rk_live_` and `whsec_`.
 *
 * `pk_live_` is never reported: a publishable key is meant to be public. It sits in the tracking
 * snippet every visitor's browser downloads, it can only record clicks, and leaving it in a
 * template is exactly what going live asks for.
 *
 * Skipped: node_modules, .git, .venv, .tools and dist folders, symlinks, binary files (a NUL byte in
 * the first 8 KiB) and files over 2 MB. Git is not consulted: a `.env` file is usually ignored by
 * git, yet it is what a deployed site reads. A line containing `golive-scan:allow` is not reported
 * (for documented test vectors).
 *
 * Output: `file:line:col kind masked-value rule`, the value masked to its prefix, `…` and at most
 * its last 2 characters. Exit 0 clean, 1 findings, 2 usage error.
 */
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { KEY_BODY_SOURCE, KEY_PREFIX_SOURCE } from "@selgeo-golive/runtime";

/** What kind of key a finding is, by prefix. */
export type FindingKind = "pk_test" | "sk_test" | "rk_test" | "sk_live" | "rk_live" | "whsec";

/** Why it was reported. */
export type FindingRule =
  | "test-key-in-tracking-snippet"
  | "test-key-in-template"
  | "test-key-in-env-file"
  | "test-key-in-ci-config"
  | "test-key-in-script"
  | "live-secret-committed"
  | "webhook-secret-committed";

/** One reported key. */
export interface KeyFinding {
  /** Relative to the scanned folder, with `/` separators. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  kind: FindingKind;
  /** Prefix + `…` + at most the last 2 characters. */
  masked: string;
  rule: FindingRule;
}

/** Where a file sits in the checklist's list of places to look (undefined: none of them). */
export type FileCategory = "env" | "ci" | "template" | "script";

export const SKIPPED_DIRS: ReadonlySet<string> = new Set(["node_modules", ".git", ".venv", ".tools", "dist"]);
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
export const ALLOW_MARKER = "golive-scan:allow";

const TEMPLATE_EXTS = new Set([
  ".html", ".htm", ".ejs", ".hbs", ".handlebars", ".njk", ".liquid", ".erb", ".jinja", ".j2", ".vue", ".jsx", ".tsx", ".php", ".twig",
]);
const SCRIPT_EXTS = new Set([".sh", ".bash", ".zsh", ".ksh", ".py", ".rb", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".pl", ".ps1", ".cron", ".mk"]);
const SCRIPT_NAMES = new Set(["crontab", "makefile", "gnumakefile", "procfile"]);
const CI_NAMES = new Set([
  ".gitlab-ci.yml", ".gitlab-ci.yaml", "azure-pipelines.yml", "azure-pipelines.yaml", "bitbucket-pipelines.yml",
  ".travis.yml", ".drone.yml", "appveyor.yml", "cloudbuild.yaml", "cloudbuild.yml", "buildkite.yml", "buildkite.yaml",
  "pipeline.yml", "compose.yml", "compose.yaml",
]);
// Folders whose YAML is deployment config (Kubernetes manifests, Helm charts, ...).
const DEPLOY_DIRS = new Set(["k8s", "kubernetes", "kube", "helm", "charts", "chart", "manifests", "deploy", "deployment", "deployments", "kustomize"]);

/** Which of the checklist's places a path (relative, `/`-separated) is; `head` sniffs k8s YAML. */
export function categorize(rel: string, head = ""): FileCategory | undefined {
  const parts = rel.split("/");
  const base = parts[parts.length - 1];
  const lower = base.toLowerCase();
  const dirs = parts.slice(0, -1).map((d) => d.toLowerCase());
  const ext = path.extname(lower);
  const isYaml = ext === ".yml" || ext === ".yaml";

  if (lower === ".env" || lower.startsWith(".env.") || lower.endsWith(".env") || lower === ".envrc") return "env";

  if (isYaml && dirs.length >= 2 && dirs[dirs.length - 2] === ".github" && dirs[dirs.length - 1] === "workflows") return "ci";
  if (lower === "config.yml" && dirs[dirs.length - 1] === ".circleci") return "ci";
  if (dirs.includes(".buildkite")) return "ci";
  if (CI_NAMES.has(lower)) return "ci";
  if (lower === "jenkinsfile" || lower.startsWith("jenkinsfile.") || ext === ".jenkinsfile") return "ci";
  if (lower === "dockerfile" || lower.startsWith("dockerfile.") || ext === ".dockerfile" || lower === "containerfile") return "ci";
  if (lower.startsWith("docker-compose") && isYaml) return "ci";
  if (isYaml && (dirs.some((d) => DEPLOY_DIRS.has(d)) || (/^\s*apiVersion:/m.test(head) && /^\s*kind:/m.test(head)))) return "ci";

  if (TEMPLATE_EXTS.has(ext)) return "template";

  if (SCRIPT_EXTS.has(ext) || SCRIPT_NAMES.has(lower)) return "script";
  if (dirs.some((d) => d === "cron.d" || d === "cron.daily" || d === "cron.hourly" || d === "cron.weekly" || d === "cron.monthly")) return "script";
  return undefined;
}

// Keys: a prefix not glued to a preceding word character (so `task_test_x` is no `sk_test_`), then
// a run of at least 10 alphanumerics (real keys have 24+; `sk_test_…` placeholders have none).
const KEY_RE = new RegExp(`(?<![A-Za-z0-9_])${KEY_PREFIX_SOURCE}(${KEY_BODY_SOURCE}{10,})`, "g");
// Signing secrets: Stripe's are alphanumeric, Selgeo's base64url; at least 16 characters.
const WHSEC_RE = /(?<![A-Za-z0-9_])whsec_([A-Za-z0-9+/=_-]{16,})/g;
// Attribute assignments (`name=`) on a line; the last one before a match is the attribute the match
// sits in: `data-merchant="…"`, `data-merchant={"…"}`, `:data-merchant="'…'"`, `data-merchant={{ '…' }}`.
const ATTRIBUTE_RE = /([A-Za-z_:@][\w:.@-]*)\s*=/g;

/** Whether position `index` of `line` is inside a `data-merchant` attribute's value. */
export function inDataMerchant(line: string, index: number): boolean {
  const names = [...line.slice(0, index).matchAll(ATTRIBUTE_RE)].map((m) => m[1]);
  const last = names[names.length - 1];
  return !!last && /(?:^|:)data-merchant$/i.test(last);
}

/** A value as it may be shown: its prefix, `…`, and at most its last 2 characters. */
export function maskFound(prefix: string, value: string): string {
  const rest = value.slice(prefix.length);
  // Show the last 2 only when that leaves most of the value hidden.
  const tail = rest.length >= 12 ? rest.slice(-2) : "";
  return `${prefix}…${tail}`;
}

const TEST_RULE: Record<FileCategory, FindingRule> = {
  env: "test-key-in-env-file",
  ci: "test-key-in-ci-config",
  template: "test-key-in-template",
  script: "test-key-in-script",
};

/** The findings in one file's text. */
export function scanText(rel: string, text: string): KeyFinding[] {
  const category = categorize(rel, text.slice(0, 4_000));
  const findings: KeyFinding[] = [];
  const lines = text.split(/\r?\n|\r/);
  lines.forEach((lineText, i) => {
    if (lineText.includes(ALLOW_MARKER)) return;
    for (const m of lineText.matchAll(KEY_RE)) {
      const [value, kindPrefix, mode] = m;
      const kind = `${kindPrefix}_${mode}` as FindingKind;
      let rule: FindingRule | undefined;
      if (mode === "live") {
        if (kindPrefix === "pk") continue; // publishable keys are public by design
        rule = "live-secret-committed";
      } else if (category) {
        rule =
          category === "template" && inDataMerchant(lineText, m.index!)
            ? "test-key-in-tracking-snippet"
            : TEST_RULE[category];
      }
      if (!rule) continue;
      findings.push({ file: rel, line: i + 1, column: m.index! + 1, kind, masked: maskFound(`${kindPrefix}_${mode}_`, value), rule });
    }
    for (const m of lineText.matchAll(WHSEC_RE)) {
      findings.push({ file: rel, line: i + 1, column: m.index! + 1, kind: "whsec", masked: maskFound("whsec_", m[0]), rule: "webhook-secret-committed" });
    }
  });
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

function looksBinary(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(8192);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).includes(0);
  } finally {
    closeSync(fd);
  }
}

/** Statistics of a scan. */
export interface ScanResult {
  findings: KeyFinding[];
  filesScanned: number;
  filesSkipped: number;
}

/** Scans a folder (see the module comment for what is skipped). */
export function scanTree(root: string): ScanResult {
  const findings: KeyFinding[] = [];
  let filesScanned = 0;
  let filesSkipped = 0;
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      filesSkipped++;
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) walk(full);
        continue;
      }
      if (!e.isFile()) continue; // symlinks, sockets, ...
      const found = scanFile(root, full);
      if (found) {
        findings.push(...found);
        filesScanned++;
      } else filesSkipped++;
    }
  };
  walk(root);
  return { findings, filesScanned, filesSkipped };
}

/** One regular file's findings; undefined when it is skipped (over 2 MB, binary or unreadable). */
function scanFile(root: string, full: string): KeyFinding[] | undefined {
  try {
    if (lstatSync(full).size > MAX_FILE_BYTES || looksBinary(full)) return undefined;
    const rel = path.relative(root, full).split(path.sep).join("/");
    return scanText(rel, readFileSync(full, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Scans the listed files (paths relative to `root`, e.g. the output of `git ls-files`), with the
 * same rules as scanTree: symlinks, missing, binary and oversized files are skipped.
 */
export function scanFiles(root: string, files: readonly string[]): ScanResult {
  const findings: KeyFinding[] = [];
  let filesScanned = 0;
  let filesSkipped = 0;
  for (const rel of [...files].sort()) {
    const full = path.resolve(root, rel);
    let regular = false;
    try {
      regular = lstatSync(full).isFile();
    } catch {
      regular = false;
    }
    const found = regular ? scanFile(root, full) : undefined;
    if (found) {
      findings.push(...found);
      filesScanned++;
    } else filesSkipped++;
  }
  return { findings, filesScanned, filesSkipped };
}

const USAGE = `usage: golive scan-keys [DIR] [--json]

Reports pk_test_/sk_test_/rk_test_ keys left where going live needs live keys (the tracking
snippet's data-merchant attribute and other templates, env files, CI/CD configs, scripts and cron
jobs) and any sk_live_/rk_live_/whsec_ secret committed anywhere. pk_live_ keys are public by
design and never reported. Values are masked. Exit 0 clean, 1 findings, 2 usage error.
`;

/** The command; resolves to its exit code. */
export function scanKeysCommand(argv: string[]): number {
  let json = false;
  const dirs: string[] = [];
  for (const arg of argv) {
    if (arg === "--json") json = true;
    else if (arg === "-h" || arg === "--help") {
      process.stdout.write(USAGE);
      return 0;
    } else if (arg.startsWith("-") && arg !== "-") {
      process.stderr.write(`golive scan-keys: unknown option "${arg}"\n\n${USAGE}`);
      return 2;
    } else dirs.push(arg);
  }
  if (dirs.length > 1) {
    process.stderr.write(`golive scan-keys: one folder at a time (got ${dirs.length})\n\n${USAGE}`);
    return 2;
  }
  const root = path.resolve(dirs[0] ?? process.cwd());
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    process.stderr.write(`golive scan-keys: "${dirs[0] ?? root}" is not a folder\n`);
    return 2;
  }
  const result = scanTree(root);
  if (json) {
    process.stdout.write(JSON.stringify(result.findings, null, 2) + "\n");
  } else {
    for (const f of result.findings) process.stdout.write(`${f.file}:${f.line}:${f.column} ${f.kind} ${f.masked} ${f.rule}\n`);
    process.stderr.write(
      `${result.findings.length} finding(s) in ${result.filesScanned} file(s) scanned` +
        (result.filesSkipped ? `, ${result.filesSkipped} skipped (binary, over 2 MB or unreadable)` : "") +
        "\n",
    );
  }
  return result.findings.length ? 1 : 0;
}
