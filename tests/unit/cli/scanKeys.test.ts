/**
 * `golive scan-keys` against a fixture tree built at run time: one key of every kind planted in
 * every kind of location, plus decoys that must not be reported. Key-shaped values are assembled
 * from pieces here, so this file holds none (and a scan of the repository does not flag it).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { categorize, inDataMerchant, maskFound, scanFiles, scanText, scanTree, SKIPPED_DIRS, type KeyFinding } from "../../../cli/scanKeys";

const REPO = path.resolve(__dirname, "..", "..", "..");
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function randomAlnum(n: number): string {
  return Array.from(randomBytes(n), (b) => ALNUM[b % ALNUM.length]).join("");
}
const US = "_";
type Kind = "pk_test" | "sk_test" | "rk_test" | "sk_live" | "rk_live" | "whsec" | "pk_live";
/** A fresh key-shaped value of a kind. */
function make(kind: Kind): string {
  if (kind === "whsec") return "whsec" + US + randomBytes(32).toString("base64url");
  const [k, mode] = kind.split("_");
  return k + US + mode + US + randomAlnum(24);
}
const TEST_KINDS: Kind[] = ["pk_test", "sk_test", "rk_test"];
const LIVE_KINDS: Kind[] = ["sk_live", "rk_live", "whsec"];

/** How each kind of file writes a value on a line. */
const FORMATS = {
  env: (name: string, v: string) => `${name}=${v}`,
  yaml: (name: string, v: string) => `    ${name}: "${v}"`,
  sh: (name: string, v: string) => `export ${name}="${v}"`,
  code: (name: string, v: string) => `const ${name} = "${v}";`,
  py: (name: string, v: string) => `${name} = "${v}"`,
  rb: (name: string, v: string) => `${name} = '${v}'`,
  cron: (name: string, v: string) => `0 3 * * * ${name}=${v} /usr/local/bin/sync-affiliates`,
  make: (name: string, v: string) => `\t${name}=${v} ./deploy.sh`,
  procfile: (name: string, v: string) => `worker: ${name}=${v} node worker.js`,
  docker: (name: string, v: string) => `ENV ${name}=${v}`,
  groovy: (name: string, v: string) => `    ${name} = '${v}'`,
  html: (name: string, v: string) => `<script>window.${name} = "${v}";</script>`,
  snippet: (_name: string, v: string) => `<script src="https://cdn.selgeo.example/track.js" data-merchant="${v}" async></script>`,
  jsxSnippet: (_name: string, v: string) => `  return <script src={TRACKER} data-merchant={"${v}"} async />;`,
  vueSnippet: (_name: string, v: string) => `  <script :data-merchant="'${v}'" src="https://cdn.selgeo.example/track.js"></script>`,
  md: (name: string, v: string) => `The ${name} is \`${v}\`.`,
} as const;
type Format = keyof typeof FORMATS;

/** A file that holds planted keys, and the rule its test keys are reported under (none: not a checklist place). */
interface Location {
  file: string;
  format: Format;
  testRule?: string;
}
const LOCATIONS: Location[] = [
  // the tracking snippet in HTML and templates
  { file: "public/index.html", format: "snippet", testRule: "test-key-in-tracking-snippet" },
  { file: "templates/layout.htm", format: "snippet", testRule: "test-key-in-tracking-snippet" },
  { file: "views/layout.ejs", format: "snippet", testRule: "test-key-in-tracking-snippet" },
  { file: "views/partials/tracker.hbs", format: "snippet", testRule: "test-key-in-tracking-snippet" },
  { file: "views/base.handlebars", format: "snippet", testRule: "test-key-in-tracking-snippet" },
  { file: "views/base.njk", format: "snippet", testRule: "test-key-in-tracking-snippet" },
  { file: "theme/layout/theme.liquid", format: "snippet", testRule: "test-key-in-tracking-snippet" },
  { file: "app/views/layouts/application.html.erb", format: "snippet", testRule: "test-key-in-tracking-snippet" },
  { file: "templates/base.jinja", format: "snippet", testRule: "test-key-in-tracking-snippet" },
  { file: "templates/base.j2", format: "snippet", testRule: "test-key-in-tracking-snippet" },
  { file: "src/components/Tracker.vue", format: "vueSnippet", testRule: "test-key-in-tracking-snippet" },
  { file: "src/components/Tracker.jsx", format: "jsxSnippet", testRule: "test-key-in-tracking-snippet" },
  { file: "src/components/Tracker.tsx", format: "jsxSnippet", testRule: "test-key-in-tracking-snippet" },
  { file: "wp-content/themes/shop/header.php", format: "snippet", testRule: "test-key-in-tracking-snippet" },
  { file: "templates/base.html.twig", format: "snippet", testRule: "test-key-in-tracking-snippet" },
  // templates, outside the snippet
  { file: "public/checkout.html", format: "html", testRule: "test-key-in-template" },
  // env files
  { file: ".env", format: "env", testRule: "test-key-in-env-file" },
  { file: ".env.production", format: "env", testRule: "test-key-in-env-file" },
  { file: "deploy/prod.env", format: "env", testRule: "test-key-in-env-file" },
  // CI/CD
  { file: ".github/workflows/deploy.yml", format: "yaml", testRule: "test-key-in-ci-config" },
  { file: ".gitlab-ci.yml", format: "yaml", testRule: "test-key-in-ci-config" },
  { file: "Jenkinsfile", format: "groovy", testRule: "test-key-in-ci-config" },
  { file: ".circleci/config.yml", format: "yaml", testRule: "test-key-in-ci-config" },
  { file: "azure-pipelines.yml", format: "yaml", testRule: "test-key-in-ci-config" },
  { file: "bitbucket-pipelines.yml", format: "yaml", testRule: "test-key-in-ci-config" },
  { file: ".buildkite/pipeline.yml", format: "yaml", testRule: "test-key-in-ci-config" },
  { file: "Dockerfile", format: "docker", testRule: "test-key-in-ci-config" },
  { file: "docker-compose.prod.yml", format: "yaml", testRule: "test-key-in-ci-config" },
  { file: "k8s/deployment.yaml", format: "yaml", testRule: "test-key-in-ci-config" },
  { file: "charts/shop/values.yaml", format: "yaml", testRule: "test-key-in-ci-config" },
  // scripts and cron jobs
  { file: "scripts/deploy.sh", format: "sh", testRule: "test-key-in-script" },
  { file: "scripts/backfill.bash", format: "sh", testRule: "test-key-in-script" },
  { file: "jobs/sync.py", format: "py", testRule: "test-key-in-script" },
  { file: "jobs/report.rb", format: "rb", testRule: "test-key-in-script" },
  { file: "server/index.js", format: "code", testRule: "test-key-in-script" },
  { file: "server/worker.ts", format: "code", testRule: "test-key-in-script" },
  { file: "crontab", format: "cron", testRule: "test-key-in-script" },
  { file: "jobs/nightly.cron", format: "cron", testRule: "test-key-in-script" },
  { file: "etc/cron.d/selgeo-sync", format: "cron", testRule: "test-key-in-script" },
  { file: "Makefile", format: "make", testRule: "test-key-in-script" },
  { file: "Procfile", format: "procfile", testRule: "test-key-in-script" },
  // not a place the checklist names: test keys are fine here, live secrets are not
  { file: "README.md", format: "md" },
  { file: "config/settings.yaml", format: "yaml" },
];

interface Planted {
  file: string;
  value: string;
  kind: string;
  rule: string;
}

let root: string;
let outside: string;
let expected: Planted[];
let expectedKeyLines: string[];
const secretsInTree: string[] = [];

function write(rel: string, content: string | Buffer): void {
  const full = path.join(root, rel);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, content);
}

/** Where `value` is in `content`, 1-based, found by plain search (independent of the scanner). */
function position(content: string, value: string): { line: number; column: number } {
  const lines = content.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const col = lines[i].indexOf(value);
    if (col >= 0) return { line: i + 1, column: col + 1 };
  }
  throw new Error("planted value not found");
}

const key = (f: { file: string; line: number; column: number; kind: string; rule: string; masked: string }) =>
  `${f.file}:${f.line}:${f.column} ${f.kind} ${f.masked} ${f.rule}`;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "golive-scan-"));
  outside = mkdtempSync(path.join(tmpdir(), "golive-scan-outside-"));
  const plantedWithPos: Array<Planted & { line: number; column: number }> = [];

  for (const loc of LOCATIONS) {
    const lines: string[] = [];
    if (loc.file.startsWith("k8s/")) lines.push("apiVersion: apps/v1", "kind: Deployment", "spec:");
    else if (loc.format === "yaml") lines.push("env:");
    const planted: Planted[] = [];
    // Every test kind, every live kind, and a pk_live_ decoy (publishable keys are public).
    for (const kind of [...TEST_KINDS, ...LIVE_KINDS, "pk_live" as Kind]) {
      const value = make(kind);
      const name = `SELGEO_${kind.toUpperCase()}`;
      // Live secrets and decoys go on plain lines; only test keys go into the snippet itself.
      const format: Format = TEST_KINDS.includes(kind) || kind === "pk_live" ? loc.format : loc.format.endsWith("nippet") ? "html" : loc.format;
      lines.push(FORMATS[format](name, value));
      if (kind === "pk_live") continue;
      if (TEST_KINDS.includes(kind)) {
        if (loc.testRule) planted.push({ file: loc.file, value, kind, rule: loc.testRule });
      } else {
        planted.push({ file: loc.file, value, kind, rule: kind === "whsec" ? "webhook-secret-committed" : "live-secret-committed" });
        secretsInTree.push(value);
      }
    }
    // Words that merely contain a prefix.
    lines.push(FORMATS[loc.format === "md" ? "md" : "env"]("TASK", "ta" + "sk" + US + "test" + US + "x"));
    lines.push(FORMATS.env("MASK", "ma" + "sk" + US + "live" + US + randomAlnum(24)));
    lines.push(FORMATS.env("DESK", "de" + "sk" + US + "test" + US + randomAlnum(24)));
    // Placeholders too short to be keys.
    lines.push(FORMATS.env("PLACEHOLDER", "sk" + US + "live" + US + "…"));
    lines.push(FORMATS.env("PLACEHOLDER2", "sk" + US + "test" + US + "xxx"));
    const content = lines.join("\n") + "\n";
    write(loc.file, content);
    for (const p of planted) plantedWithPos.push({ ...p, ...position(content, p.value) });
  }

  // A test key in a file the checklist does not name (a JSON fixture): not reported.
  write("fixtures/data.json", JSON.stringify({ key: make("sk_test"), pk: make("pk_test") }) + "\n");
  // Skipped folders: even live secrets there are not reported.
  for (const dir of ["node_modules/some-sdk", ".git", ".venv/lib", ".tools/bin", "dist", "packages/web/node_modules/x"]) {
    write(`${dir}/index.js`, `const a = "${make("sk_test")}";\nconst b = "${make("sk_live")}";\nconst c = "${make("whsec")}";\n`);
  }
  write(".env.keep", ""); // an empty env file: nothing to report
  // A binary file (NUL bytes) holding key-shaped text.
  write("public/logo.png", Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), Buffer.from(` ${make("sk_live")} ${make("whsec")} `)]));
  // A text file over 2 MB.
  write("logs/huge.sh", `export K="${make("sk_live")}"\n` + "#".repeat(2 * 1024 * 1024 + 10) + "\n");
  // A symlink to a file outside the tree: not followed.
  writeFileSync(path.join(outside, "secret.env"), `K=${make("sk_live")}\n`);
  symlinkSync(path.join(outside, "secret.env"), path.join(root, "linked.env"));
  // A documented test vector, explicitly allowed.
  write("scripts/vectors.sh", `SECRET="${make("whsec")}"  # golive-scan:allow (test vector)\n`);
  // A test key in a YAML file that is neither CI nor Kubernetes: not reported.
  write("config/locales.yml", `greeting: "${make("pk_test")}"\n`);

  expected = plantedWithPos;
  expectedKeyLines = plantedWithPos.map((p) =>
    key({ ...p, masked: `${p.value.slice(0, p.kind === "whsec" ? 6 : 8)}…${p.value.slice(-2)}` }),
  );
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const expectedKeys = () => expectedKeyLines.slice().sort();

describe("scanTree on the fixture tree", () => {
  it("finds every planted key and nothing else", () => {
    const { findings } = scanTree(root);
    expect(findings.map(key).sort()).toEqual(expectedKeys());
  });

  it("covers every kind in every kind of location", () => {
    const byRule = new Map<string, Set<string>>();
    for (const f of scanTree(root).findings) {
      if (!byRule.has(f.rule)) byRule.set(f.rule, new Set());
      byRule.get(f.rule)!.add(f.kind);
    }
    for (const rule of ["test-key-in-tracking-snippet", "test-key-in-template", "test-key-in-env-file", "test-key-in-ci-config", "test-key-in-script"]) {
      expect([...(byRule.get(rule) ?? [])].sort(), rule).toEqual(["pk_test", "rk_test", "sk_test"]);
    }
    expect([...byRule.get("live-secret-committed")!].sort()).toEqual(["rk_live", "sk_live"]);
    expect([...byRule.get("webhook-secret-committed")!]).toEqual(["whsec"]);
    // Live secrets are found in every file, including those that are no checklist place.
    const filesWithLive = new Set(scanTree(root).findings.filter((f) => f.kind === "sk_live").map((f) => f.file));
    expect(filesWithLive).toEqual(new Set(LOCATIONS.map((l) => l.file)));
  });

  it("never prints more than a prefix and 2 characters of a value", () => {
    for (const f of scanTree(root).findings) {
      expect(f.masked).toMatch(/^(?:(?:pk|sk|rk)_(?:test|live)_|whsec_)…[A-Za-z0-9_-]{0,2}$/);
    }
  });
});

describe("golive scan-keys (child process)", () => {
  const run = (args: string[], cwd = REPO) =>
    spawnSync(process.execPath, [path.join(REPO, "bin", "golive.js"), "scan-keys", ...args], { cwd, encoding: "utf8", timeout: 60_000 });

  it("--json prints exactly the planted findings and exits 1", () => {
    const r = run([root, "--json"]);
    expect(r.status, r.stderr).toBe(1);
    const findings = JSON.parse(r.stdout) as KeyFinding[];
    expect(findings.map(key).sort()).toEqual(expectedKeys());
    for (const f of findings) expect(Object.keys(f).sort()).toEqual(["column", "file", "kind", "line", "masked", "rule"]);
    for (const secret of secretsInTree) {
      expect(r.stdout).not.toContain(secret.slice(-10));
      expect(r.stderr).not.toContain(secret.slice(-10));
    }
  });

  it("prints file:line:col kind masked rule lines without --json", () => {
    const r = run([root]);
    expect(r.status).toBe(1);
    const lines = r.stdout.trim().split("\n");
    expect(lines.slice().sort()).toEqual(expectedKeys());
    expect(r.stderr).toMatch(/finding\(s\) in \d+ file\(s\) scanned/);
    for (const secret of secretsInTree) expect(r.stdout).not.toContain(secret.slice(-10));
  });

  it("scans the current folder by default", () => {
    const r = run(["--json"], root);
    expect(r.status).toBe(1);
    expect((JSON.parse(r.stdout) as KeyFinding[]).length).toBe(expected.length);
  });

  it("exits 0 with [] on a clean tree", () => {
    const clean = mkdtempSync(path.join(tmpdir(), "golive-scan-clean-"));
    try {
      writeFileSync(path.join(clean, "index.html"), `<script src="t.js" data-merchant="${make("pk_live")}"></script>\n`);
      writeFileSync(path.join(clean, "README.md"), `Use a key such as ${make("sk_test")} in development.\n`);
      const r = run([clean, "--json"]);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([]);
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });

  it.each([
    [["--bogus"], /unknown option/],
    [[path.join(tmpdir(), "golive-no-such-dir-" + randomAlnum(8))], /is not a folder/],
    [["a", "b"], /one folder at a time/],
  ])("exits 2 on a usage error %j", (args, message) => {
    const r = run(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
  });
});

describe("scanText and helpers", () => {
  it("masks to the prefix and at most the last 2 characters", () => {
    const v = make("sk_live");
    expect(maskFound("sk" + US + "live" + US, v)).toBe(`${v.slice(0, 8)}…${v.slice(-2)}`);
    expect(maskFound("sk" + US + "live" + US, v.slice(0, 12))).toBe(`${v.slice(0, 8)}…`);
  });

  it("tells the data-merchant attribute from others on the same line", () => {
    const v = make("pk_test");
    const line = `<script data-merchant="m" data-key="${v}"></script>`;
    expect(inDataMerchant(line, line.indexOf(v))).toBe(false);
    const snippet = `<script data-merchant="${v}" src="x.js?a=1"></script>`;
    expect(inDataMerchant(snippet, snippet.indexOf(v))).toBe(true);
    const jinja = `<script data-merchant="{{ merchant | default('${v}') }}"></script>`;
    expect(inDataMerchant(jinja, jinja.indexOf(v))).toBe(true);
  });

  it.each([
    [".env", "env"],
    ["app/.env.local", "env"],
    ["deploy/staging.env", "env"],
    [".github/workflows/ci.yaml", "ci"],
    ["ops/Dockerfile.prod", "ci"],
    ["docker-compose.yaml", "ci"],
    ["infra/app.yaml", undefined],
    ["views/a.twig", "template"],
    ["bin/run.sh", "script"],
    ["GNUmakefile", "script"],
    ["README.md", undefined],
    ["package.json", undefined],
  ])("categorize(%s) = %s", (rel, cat) => {
    expect(categorize(rel)).toBe(cat);
  });

  it("recognises Kubernetes YAML anywhere by its apiVersion and kind", () => {
    expect(categorize("infra/app.yaml", "apiVersion: v1\nkind: Secret\n")).toBe("ci");
    const v = make("sk_test");
    expect(scanText("infra/app.yaml", `apiVersion: v1\nkind: Secret\nstringData:\n  key: ${v}\n`)).toEqual([
      { file: "infra/app.yaml", line: 4, column: 8, kind: "sk_test", masked: `${v.slice(0, 8)}…${v.slice(-2)}`, rule: "test-key-in-ci-config" },
    ]);
  });

  it("reports several keys on one line with their columns, in order", () => {
    const a = make("sk_live");
    const b = make("whsec");
    const line = `A=${a} B=${b}`;
    const found = scanText("notes.txt", line);
    expect(found.map((f) => [f.column, f.kind])).toEqual([
      [3, "sk_live"],
      [line.indexOf(b) + 1, "whsec"],
    ]);
  });

  it("handles CRLF line endings", () => {
    const v = make("rk_live");
    expect(scanText("x.txt", `first\r\nsecond ${v}\r\n`)[0]).toMatchObject({ line: 2, column: 8 });
  });
});

describe("the repository itself", () => {
  /**
   * The files a commit would carry: tracked ones plus untracked ones git does not ignore (so a
   * secret-shaped value fails CI and a local run before it is committed). Without git (a source
   * tarball), the tree minus the scanner's skipped folders and the git-ignored local state.
   */
  function repositoryFiles(): string[] | undefined {
    const r = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0 || r.error) return undefined;
    return r.stdout
      .split("\0")
      .filter((f) => f !== "")
      .filter((f) => !f.split("/").some((part) => SKIPPED_DIRS.has(part)));
  }
  const LOCAL_STATE = [".pulumi-state/", ".sandbox-data/", "tmp/", ".ci/"];

  it("holds no secret-shaped value: `golive scan-keys` over it finds nothing", () => {
    const files = repositoryFiles();
    const result = files ? scanFiles(REPO, files) : scanTree(REPO);
    const findings = result.findings.filter((f) => !LOCAL_STATE.some((dir) => f.file.startsWith(dir)));
    // Not vacuous: the scan saw the repository's sources, this file among them.
    expect(result.filesScanned).toBeGreaterThan(50);
    if (files) expect(files).toContain("tests/unit/cli/scanKeys.test.ts");
    const report = findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.kind} ${f.masked} ${f.rule}`);
    // Build a test value from parts at run time (see this file's make()) instead of committing it.
    expect(report, "secret-shaped values in the repository (assemble test values at run time)").toEqual([]);
  });

  it("scanFiles applies the tree scan's rules to a file list", () => {
    const listed = ["public/index.html", ".env", "server/worker.ts", "fixtures/data.json", "public/logo.png", "linked.env", "missing.txt"];
    const fromList = scanFiles(root, listed);
    const fromTree = scanTree(root).findings.filter((f) => listed.includes(f.file));
    expect(fromList.findings.length).toBeGreaterThan(0);
    expect(fromList.findings.map(key).sort()).toEqual(fromTree.map(key).sort());
    // A binary file, a symlink and a missing file are skipped, as in a tree scan.
    expect(fromList).toMatchObject({ filesScanned: 4, filesSkipped: 3 });
  });
});
