/**
 * One declaration for both stacks, through the real Pulumi CLI: a project with this repository's
 * Pulumi.yaml (its shared `config:`), Pulumi.sandbox.yaml and Pulumi.live.yaml as committed (URLs
 * pointed at the embedded sandbox), both stacks previewed. A change in Pulumi.yaml shows in both
 * previews, except where a stack file sets the value itself; a bad shared value fails the preview
 * naming where Pulumi.yaml writes it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMoto, type MotoServer } from "../../sandbox/moto";
import { PulumiWorkspace, REPO_ROOT, resolvePulumi, type CliResult } from "../../cli/pulumiCli";
import { startSandbox } from "../../sandbox/server";

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let moto: MotoServer;
let ws: PulumiWorkspace;

const execFileAsync = promisify(execFile);

/** `pulumi <args> --stack <stack>` in the one project both stacks share (async: the sandbox runs in this process). */
async function pulumi(args: string[], stack: string, env: Record<string, string> = {}): Promise<CliResult> {
  const argv = [...args, "--stack", stack, "--non-interactive"];
  try {
    const r = await execFileAsync(resolvePulumi().bin, argv, { cwd: ws.projectDir, env: { ...ws.cliEnv(), ...env }, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    // A non-zero exit rejects, with the output on the error.
    const failed = e as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** The committed stack file, its URLs pointed at the embedded sandbox, below the salt `stack init` wrote. */
function writeStackFile(stack: "sandbox" | "live"): void {
  const file = path.join(ws.projectDir, `Pulumi.${stack}.yaml`);
  const salt = /^encryptionsalt:.*$/m.exec(readFileSync(file, "utf8"))?.[0] ?? "";
  let text = readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8");
  text = text
    .replace("http://127.0.0.1:4010", sandbox.url)
    .replace("http://127.0.0.1:4011", sandbox.stripeUrl)
    .replace("https://api.selgeo.example", sandbox.url);
  if (stack === "live") {
    // The sandbox's Selgeo-provided Stripe URL is plain http, which a live Stripe endpoint refuses:
    // this copy drops the shared `selgeo:stripe` with `null`, so its program stays draft.
    text = text
      .replace("config:\n", `config:\n  selgeo:stripeApiUrl: ${sandbox.stripeUrl}\n  selgeo:stripe: null\n`)
      .replace("  selgeo:program:\n", "  selgeo:program:\n    status: draft\n");
  }
  writeFileSync(file, `${salt}\n${text}`);
}

/** Pulumi.yaml as committed, its program this repository's, after `edit`. */
function writeSharedFile(edit: (text: string) => string = (t) => t): void {
  const main = path.relative(ws.projectDir, REPO_ROOT);
  writeFileSync(path.join(ws.projectDir, "Pulumi.yaml"), edit(readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) + `main: ${JSON.stringify(main)}\n`);
}

const KEYS = (): Record<string, string> => ({
  SELGEO_SECRET_KEY: sandbox.info.keys.test.sk,
  STRIPE_SECRET_KEY: sandbox.info.stripe_keys!.test.secret_key,
});

async function preview(stack: "sandbox" | "live"): Promise<string> {
  const r = await pulumi(["preview", "--diff"], stack, stack === "sandbox" ? KEYS() : {});
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.stdout;
}

/** One resource's block of `preview --diff` (its urn line and the inputs below it). */
function block(text: string, urnTail: string): string {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.includes("[urn=") && l.trimEnd().endsWith(`:${urnTail}]`));
  if (start < 0) return "";
  const end = lines.findIndex((l, i) => i > start && (/^\s+[+~-] pulumi/.test(l) || /--outputs:--|^Resources:/.test(l)));
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

beforeAll(async () => {
  moto = await startMoto({ port: 0 });
  sandbox = await startSandbox({ port: 0, dataDir: mkdtempSync(path.join(tmpdir(), "golive-sbx-")) });
  // Where Pulumi.live.yaml's references point; live-shaped keys of the sandbox, made at run time.
  await new SecretsManagerClient(moto.clientConfig).send(
    new CreateSecretCommand({
      Name: "selgeo-golive/live/keys",
      SecretString: JSON.stringify({ selgeo_secret_key: sandbox.info.keys.live.sk, stripe_secret_key: sandbox.info.stripe_keys!.live.secret_key }),
    }),
  );
  ws = await PulumiWorkspace.create({ stack: "sandbox", config: {}, env: moto.env });
  const init = await pulumi(["stack", "init", "--secrets-provider", "passphrase"], "live");
  expect(init.code, init.stderr).toBe(0);
  writeSharedFile();
  writeStackFile("sandbox");
  writeStackFile("live");
}, 180_000);

afterAll(async () => {
  await sandbox?.close();
  await moto?.close();
});

describe("the shared declaration in Pulumi.yaml (real CLI)", { timeout: 300_000 }, () => {
  it("both stacks inherit it; a change to it shows in both previews, except where a stack sets the value", async () => {
    let [sbx, live] = [await preview("sandbox"), await preview("live")];
    // Inherited by both: the rule, the program's name; the sandbox inherits the status, the live copy sets its own.
    for (const text of [sbx, live]) expect(block(text, "CommissionRule::standard")).toMatch(/percentage\s+: 20\n/);
    expect(block(sbx, "ProgramStatus::program")).toMatch(/status\s+: "active"/);
    expect(block(live, "ProgramStatus::program")).toMatch(/status\s+: "draft"/);
    expect(block(live, "Program::program")).toMatch(/name\s+: "Acme Partners"\n/);
    expect(live).not.toContain("StripeWebhookEndpoint");
    // The live orders endpoint takes its description and events from Pulumi.yaml, its url from its file.
    const liveOrders = block(live, "WebhookEndpoint::orders");
    expect(liveOrders).toMatch(/description\s+: "order system"\n/);
    expect(liveOrders).toMatch(/url\s+: "https:\/\/hooks\.merchant\.example\/selgeo"/);
    expect(liveOrders).not.toContain("commission.refunded");
    expect(block(live, "WebhookEndpoint::finance")).toMatch(/description\s+: "commission ledger"/);
    // The sandbox replaced orders' events and description, and dropped finance with `null`.
    expect(block(sbx, "WebhookEndpoint::orders")).toMatch(/description\s+: "order system \(rehearsal\)"/);
    expect(block(sbx, "WebhookEndpoint::orders")).toContain('"commission.refunded"');
    expect(block(sbx, "WebhookEndpoint::finance")).toBe("");

    writeSharedFile((t) => t.replace("percentage: 20", "percentage: 25").replace("description: order system\n", "description: order system v2\n"));
    [sbx, live] = [await preview("sandbox"), await preview("live")];
    for (const text of [sbx, live]) expect(block(text, "CommissionRule::standard")).toMatch(/percentage\s+: 25\n/);
    expect(block(live, "WebhookEndpoint::orders")).toMatch(/description\s+: "order system v2"/);
    expect(block(sbx, "WebhookEndpoint::orders")).toMatch(/description\s+: "order system \(rehearsal\)"/);
  });

  it("a bad value in Pulumi.yaml fails both previews, naming where Pulumi.yaml writes it", async () => {
    writeSharedFile((t) => t.replace("          - participant.approved\n", "          - participant.aproved\n"));
    // The sandbox replaced orders' events: only the live stack inherits the typo.
    const live = await pulumi(["preview"], "live");
    expect(live.code).not.toBe(0);
    expect(live.stdout + live.stderr).toContain(
      'selgeo:webhookEndpoints.orders.events[3]: "participant.aproved" is not a Selgeo event type; did you mean "participant.approved"?',
    );
    expect(live.stdout + live.stderr).toContain("(declared in Pulumi.yaml: config.selgeo:webhookEndpoints.value.orders.events[3])");
    expect((await pulumi(["preview"], "sandbox", KEYS())).code).toBe(0);

    writeSharedFile((t) => t.replace("percentage: 20", "percentage: 120"));
    for (const stack of ["sandbox", "live"] as const) {
      const r = await pulumi(["preview"], stack, stack === "sandbox" ? KEYS() : {});
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(
        /selgeo:commissionRules\.standard\.percentage: .*\(declared in Pulumi\.yaml: config\.selgeo:commissionRules\.value\.standard\.percentage\)/,
      );
    }
    writeSharedFile();
  });

  it("`pulumi config` shows a shared key for a stack that does not set it", async () => {
    writeSharedFile();
    const r = await pulumi(["config", "--json"], "live");
    expect(r.code, r.stderr).toBe(0);
    const cfg = JSON.parse(r.stdout) as Record<string, { objectValue?: unknown }>;
    expect(cfg["selgeo:commissionRules"]?.objectValue).toEqual({
      standard: { type: "percentage", percentage: 20, basis: "gross", holdPeriodDays: 30, autoApprove: false, recurringMonths: 12 },
    });
    // A key the stack sets is the stack's own map: Pulumi does not merge, the program does.
    expect(cfg["selgeo:webhookEndpoints"]?.objectValue).toEqual({
      orders: { url: "https://hooks.merchant.example/selgeo", secretRotation: 0, rotationOverlapHours: 24 },
      finance: { url: "https://finance.merchant.example/selgeo/webhooks" },
    });
  });
});
