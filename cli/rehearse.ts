/**
 * `golive rehearse --stack NAME [--cwd DIR] [--landing URL] [--verbose]`: the dress rehearsal of a
 * stack file exactly as written (`Pulumi.live.yaml`), the last command before `pulumi up --stack
 * live`. Nothing real is touched: the hosts the stack names are delivered to local listeners by a
 * resolver map (runtime/src/resolverMap.ts), every other host is refused, AWS is moto.
 *
 *   - the sandbox runs in the stack's mode, served over TLS at the stack's `selgeo:apiUrl` (a CA made
 *     up for the run), so Selgeo's Stripe webhook URL is that public-looking https URL too; its
 *     Stripe emulator answers for `api.stripe.com`; a signature-verifying receiver answers at each
 *     webhook endpoint's URL, with the signing secret read from Secrets Manager;
 *   - the keys are fake ones of the stack's mode the sandbox made (`sk_live_…`), stored in moto under
 *     the stack's own `awssm://` references; a KMS alias the stack names is created there too;
 *   - a throw-away copy of the project (stack file as written, less any secrets-provider lines; a
 *     passphrase of its own) on a temp file backend runs: preview with the policy pack (mandatory
 *     on a live stack), up, `golive verify`, the full flow (`golive flow`, the rehearsal playing the
 *     buyer), `golive drift` (no drift) and `golive checklist`.
 *
 * One line per step; exit 0 only when every step passed. Every process and temp dir goes away at
 * the end, on failure and on Ctrl-C too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { formatResolverMap, installResolverMap, RESOLVE_ENV, secrets, uninstallResolverMap, type ResolvedTarget } from "@selgeo-golive/runtime";
import { startSandbox, type RunningSandbox } from "../sandbox/server";
import { createKmsAlias } from "./rehearseKms";
import { copyProject, hostPortOf, readRehearsalPlan, RehearsalPlanError, type RehearsalPlan } from "./rehearsePlan";
import { makeRehearsalCerts, startTlsFront, type TlsFront } from "./rehearseTls";
import { startMoto, type MotoServer } from "../sandbox/moto";
import { pulumiPath, REPO_ROOT, resolvePulumi } from "./pulumiCli";
import { VerifyingReceiver } from "../sandbox/receiver";
import { parseStackArgs } from "./stackContext";

/** One step's outcome, as printed. */
export interface RehearsalStep {
  step: string;
  ok: boolean;
  detail: string;
}

type Run = { code: number; out: string };

/** Every step a rehearsal runs, in order; it passes only when each one passed. */
export const REHEARSAL_STEPS = ["sandbox", "keys", "copy", "preview", "up", "verify", "flow", "drift", "checklist"] as const;

const say = (s: string) => process.stdout.write(s + "\n");

/** The lines of a failed run worth a reason (errors, violations, failed checks), shortened. */
export function reasonOf(output: string, max = 600): string {
  const lines = output.split("\n").map((l) => l.trim()).filter(Boolean);
  // Errors, violations and failed checks, and the `- selgeo:…: problem` lines under them; not the
  // engine's per-resource echo (`+ pulumi:pulumi:Stack … create error`) nor stack traces.
  const telling = lines.filter(
    (l, i) =>
      (/error|mandatory|✘|FAILED|refused|violation|failed/i.test(l) || /^-\s+[\w:.-]+:\s/.test(l) || /\[mandatory\]/.test(lines[i - 1] ?? "")) &&
      !/^(\+|at |\d+ errored)/.test(l),
  );
  const picked = [...new Set(telling.length > 0 ? telling : lines.slice(-3))].join(" | ");
  return picked.length > max ? picked.slice(0, max - 1) + "…" : picked || "(no output)";
}

/** Everything one rehearsal started, so it can all be stopped. */
class Rig {
  moto?: MotoServer;
  sandbox?: RunningSandbox;
  receivers: VerifyingReceiver[] = [];
  fronts: TlsFront[] = [];
  readonly children = new Set<ChildProcess>();

  async close(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null) c.kill("SIGTERM");
    await Promise.allSettled([...this.receivers.map((r) => r.close()), ...this.fronts.map((f) => f.close())]);
    await Promise.allSettled([this.sandbox?.close(), this.moto?.close()]);
    await uninstallResolverMap();
  }
}

/** Runs the rehearsal; resolves to the exit code. */
export async function rehearseCommand(argv: string[]): Promise<number> {
  const args = parseStackArgs(argv, ["verbose"]);
  const verbose = args.flags.get("verbose") === true;
  const landing = typeof args.flags.get("landing") === "string" ? (args.flags.get("landing") as string) : "https://shop.example/pricing";
  const steps: RehearsalStep[] = [];
  const record = (step: string, ok: boolean, detail: string): boolean => {
    steps.push({ step, ok, detail });
    say(`  ${ok ? "✔" : "✘"} ${step}: ${ok ? "passed" : "failed"} — ${detail}`);
    return ok;
  };

  let plan: RehearsalPlan;
  try {
    plan = readRehearsalPlan(args.cwd, args.stack);
  } catch (e) {
    if (!(e instanceof RehearsalPlanError)) throw e;
    record("stack file", false, e.message);
    say(`rehearsal FAILED at stack file`);
    return 1;
  }

  const root = mkdtempSync(path.join(tmpdir(), "golive-rehearse-"));
  const rig = new Rig();
  let aborted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (aborted) return;
    aborted = signal;
    say(`${signal}: stopping the rehearsal and cleaning up`);
    for (const c of rig.children) if (c.exitCode === null) c.kill("SIGINT");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  say(`golive rehearse: a dress rehearsal of ${path.relative(process.cwd(), plan.file) || plan.file} as written, on the embedded sandbox in ${plan.mode} mode (work dir ${root}); no real service is contacted`);

  try {
    const env = await setUp(plan, root, rig, record);
    if (!env) return finish(steps, aborted);
    const run = (cmd: "pulumi" | "golive", cmdArgs: string[], opts: { onOutput?: (all: string) => void } = {}): Promise<Run> =>
      runChild(rig, cmd, cmdArgs, env.vars, env.projectDir, verbose, opts.onOutput);
    const pulumiArgs = (a: string[]) => [...a, "--stack", plan.stack, "--non-interactive"];
    const stepsToRun: Array<[string, () => Promise<boolean>]> = [
      ["preview", async () => {
        const r = await run("pulumi", pulumiArgs(["preview", "--policy-pack", path.join(REPO_ROOT, "policy")]));
        const summary = /(\+ \d+ to create)/.exec(r.out)?.[1] ?? "";
        return record("preview", r.code === 0, r.code === 0 ? `with the policy pack (${plan.mode === "live" ? "mandatory" : "advisory"}): no violation; ${summary}` : `exit ${r.code}: ${reasonOf(r.out)}`);
      }],
      ["up", async () => {
        const r = await run("pulumi", pulumiArgs(["up", "--yes", "--skip-preview", "--policy-pack", path.join(REPO_ROOT, "policy")]));
        const summary = /Resources:\s*\n\s*(.+)/.exec(r.out)?.[1]?.trim() ?? "";
        const verified = /GoLiveVerification go-live created/.test(r.out) ? "; the go-live verification passed before the program's status was applied" : "";
        return record("up", r.code === 0, r.code === 0 ? `${summary}${verified}` : `exit ${r.code}: ${reasonOf(r.out)}`);
      }],
      ["verify", async () => {
        // verify sends its own signed Stripe test event, as it does against real Stripe.
        const r = await run("golive", ["verify", "--stack", plan.stack]);
        const stripe = plan.stripe ? "; a signed Stripe test event reached Selgeo's Stripe event log" : "";
        return record("verify", r.code === 0, r.code === 0 ? `golive verify: every endpoint pinged, forged pings rejected, stored secrets match${stripe}` : `golive verify exit ${r.code}: ${reasonOf(r.out)}`);
      }],
      ["flow", () => rehearseFlow(plan, rig.sandbox!, landing, run, record)],
      ["drift", async () => {
        const r = await run("golive", ["drift", "--stack", plan.stack]);
        return record("drift", r.code === 0, r.code === 0 ? "golive drift: no drift" : `golive drift exit ${r.code}${r.code === 2 ? " (drift)" : ""}: ${reasonOf(r.out)}`);
      }],
      ["checklist", async () => {
        const r = await run("golive", ["checklist", "--stack", plan.stack]);
        const attention = (r.out.match(/! needs attention/g) ?? []).length;
        return record("checklist", r.code === 0 && !/✘ failed/.test(r.out), r.code === 0 ? `golive checklist: no item failed${attention ? ` (${attention} need attention)` : ""}` : `golive checklist exit ${r.code}: ${reasonOf(r.out)}`);
      }],
    ];
    for (const [name, fn] of stepsToRun) {
      if (aborted) break;
      let ok: boolean;
      try {
        ok = await fn();
      } catch (e) {
        ok = record(name, false, e instanceof Error ? e.message : String(e));
      }
      if (!ok) break;
    }
  } catch (e) {
    record("rehearsal", false, e instanceof Error ? e.message : String(e));
  } finally {
    await rig.close();
    rmSync(root, { recursive: true, force: true });
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return finish(steps, aborted);
}

function finish(steps: RehearsalStep[], aborted: NodeJS.Signals | undefined): number {
  const failed = steps.filter((s) => !s.ok);
  if (aborted) {
    say(`rehearsal interrupted (${aborted}); everything it started was stopped and its temp dir removed`);
    return 130;
  }
  if (failed.length === 0 && REHEARSAL_STEPS.every((name) => steps.some((s) => s.step === name && s.ok))) {
    say(`rehearsal passed: ${steps.length} steps. Next: \`pulumi up --stack live\` on your real backend`);
    return 0;
  }
  say(failed.length > 0 ? `rehearsal FAILED at ${failed[0].step}` : "rehearsal FAILED: not every step ran");
  return 1;
}

/** The environment and project folder every later step runs with. */
interface RehearsalEnv {
  vars: NodeJS.ProcessEnv;
  projectDir: string;
}

/**
 * Starts moto, the sandbox, the receivers and the TLS fronts, installs the resolver map, stores the
 * keys, and makes the throw-away copy of the stack. Records the setup steps; undefined when one failed.
 */
async function setUp(plan: RehearsalPlan, root: string, rig: Rig, record: (s: string, ok: boolean, d: string) => boolean): Promise<RehearsalEnv | undefined> {
  const cli = resolvePulumi();
  const tlsDir = path.join(root, "tls");
  mkdirSync(tlsDir);
  const [moto, sandbox] = await Promise.all([
    startMoto({ port: 0 }).then((m) => (rig.moto = m)),
    startSandbox({ port: 0, dataDir: path.join(root, "sandbox-data"), publicUrl: new URL(plan.apiUrl).origin }).then((s) => (rig.sandbox = s)),
  ]);

  // Receivers: one per host:port of the endpoint URLs, serving each endpoint at its path.
  const byHost = new Map<string, Array<{ name: string; path: string }>>();
  for (const ep of plan.endpoints) {
    const hp = hostPortOf(ep.url);
    byHost.set(hp, [...(byHost.get(hp) ?? []), { name: ep.name, path: new URL(ep.url).pathname }]);
  }
  const local = new Map<string, { port: number; https: boolean }>();
  const https = (url: string) => new URL(url).protocol === "https:";
  local.set(hostPortOf(plan.apiUrl), { port: Number(new URL(sandbox.url).port), https: https(plan.apiUrl) });
  local.set(hostPortOf(plan.stripeApiUrl), { port: Number(new URL(sandbox.stripeUrl).port), https: https(plan.stripeApiUrl) });
  for (const [hp, routes] of byHost) {
    const receiver = new VerifyingReceiver(async (p) => {
      const route = routes.find((r) => r.path === p);
      if (!route) return undefined;
      const id = secrets.secretNameFor({ stack: plan.stack, kind: "webhook-endpoint", name: route.name });
      return (await secrets.readGeneratedSecret({ arn: id, ...moto.clientConfig })).value;
    });
    await receiver.start();
    rig.receivers.push(receiver);
    const url = plan.endpoints.find((e) => hostPortOf(e.url) === hp)!.url;
    local.set(hp, { port: Number(new URL(receiver.url).port), https: https(url) });
  }

  const hosts = [...new Set([...local.keys()].map((hp) => hp.replace(/:\d+$/, "")))];
  const certs = makeRehearsalCerts(tlsDir, hosts);
  const map = new Map<string, ResolvedTarget>();
  for (const [hp, l] of local) {
    if (!l.https) {
      map.set(hp, { host: "127.0.0.1", port: l.port });
      continue;
    }
    const front = await startTlsFront(certs, l.port);
    rig.fronts.push(front);
    map.set(hp, { host: "127.0.0.1", port: front.port });
  }
  // This process delivers webhooks (Selgeo's and the Stripe emulator's) through the same map.
  installResolverMap(map, [certs.caPem]);
  const mapText = [...map].map(([hp, t]) => `${hp} → ${t.host}:${t.port}`).join(", ");
  record("sandbox", true, `Selgeo (${plan.mode} mode) at ${plan.apiUrl}, Stripe emulator at ${plan.stripeApiUrl}, ${rig.receivers.length} signature-verifying receiver(s), over TLS from a CA made for this run; resolver map ${mapText}; any other host is refused; AWS is moto at ${moto.url}`);

  // Keys: the sandbox's fake keys of the stack's mode, under the stack's own references.
  const keys = sandbox.info.keys[plan.mode];
  const stripeKey = sandbox.info.stripe_keys?.[plan.mode]?.secret_key;
  const values: Record<string, string> = { "selgeo:secretKey": keys.sk, "selgeo:stripeSecretKey": stripeKey ?? "" };
  const bySecret = new Map<string, { region?: string; fields: Map<string | undefined, string> }>();
  for (const k of plan.keys) {
    const entry = bySecret.get(k.ref.secretId) ?? { region: k.ref.region ?? plan.region, fields: new Map() };
    entry.fields.set(k.ref.field, values[k.configKey]);
    bySecret.set(k.ref.secretId, entry);
  }
  for (const [secretId, { region, fields }] of bySecret) {
    const whole = fields.get(undefined);
    const text = whole ?? JSON.stringify(Object.fromEntries([...fields].filter(([f]) => f !== undefined)));
    const sm = new SecretsManagerClient({ ...moto.clientConfig, region: region ?? moto.region });
    await sm.send(new CreateSecretCommand({ Name: secretId, SecretString: text }));
    sm.destroy();
  }
  const kms = plan.kmsKeyId ? await createKmsAlias(moto, plan.kmsKeyId, plan.region ?? moto.region) : undefined;
  record(
    "keys",
    true,
    `fake ${plan.mode} keys made up by the sandbox (${keys.sk.slice(0, 8)}…) stored in moto under ${plan.keys.map((k) => secrets.formatSecretReference(k.ref)).join(", ") || "(no reference)"}${kms ? `; ${kms}` : ""}`,
  );

  // The throw-away copy of the stack, on a temp file backend, with a passphrase of its own.
  const copy = copyProject(path.dirname(plan.file), plan, path.join(root, "project"));
  const passphrase = `golive-rehearsal-${randomBytes(6).toString("hex")}`;
  const stateDir = path.join(root, "state");
  mkdirSync(stateDir);
  const vars = childEnv({
    PATH: pulumiPath(process.env.PATH, cli),
    PULUMI_HOME: path.join(root, "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    NO_COLOR: "1",
    ...(process.env.PULUMI_CLI ? { PULUMI_CLI: process.env.PULUMI_CLI } : {}),
    ...moto.env,
    // Every AWS service, not only Secrets Manager, goes to moto.
    AWS_ENDPOINT_URL: moto.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    [RESOLVE_ENV]: formatResolverMap(map),
    NODE_EXTRA_CA_CERTS: certs.caFile,
  });
  const init = await runChild(rig, "pulumi", ["stack", "init", plan.stack, "--secrets-provider", "passphrase", "--non-interactive"], vars, copy.dir, false);
  if (init.code !== 0) {
    record("copy", false, `pulumi stack init ${plan.stack} in the copy failed: ${reasonOf(init.out)}`);
    return undefined;
  }
  record(
    "copy",
    true,
    `throw-away copy of the project in ${copy.dir}, ${path.basename(plan.file)} as written` +
      (copy.stripped.length > 0 ? ` less its ${copy.stripped.join(" and ")} lines` : "") +
      `; stack ${plan.stack} on a temp file backend with the passphrase "${passphrase}" (the copy's own, not your stack's secrets provider)`,
  );
  return { vars, projectDir: copy.dir };
}

/** The caller's environment without anything that could point a step at real services, plus `extra`. */
export function childEnv(extra: Record<string, string | undefined>, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (/^(PULUMI_|AWS_|SELGEO_|STRIPE_)/.test(k) || k === RESOLVE_ENV || k === "NODE_EXTRA_CA_CERTS") continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

function runChild(rig: Rig, cmd: "pulumi" | "golive", args: string[], env: NodeJS.ProcessEnv, cwd: string, echo: boolean, onOutput?: (all: string) => void): Promise<Run> {
  const [bin, argv] = cmd === "pulumi" ? [resolvePulumi().bin, args] : [process.execPath, [path.join(REPO_ROOT, "bin", "golive.js"), ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    rig.children.add(child);
    let out = "";
    const take = (d: Buffer) => {
      out += d;
      if (echo) process.stderr.write(d);
      onOutput?.(out);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      rig.children.delete(child);
      resolve({ code: code ?? (signal ? 130 : 1), out });
    });
  });
}

async function postJson<T>(url: string, body: unknown, bearer?: string): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${new URL(url).pathname} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** `golive flow` answering yes itself, the rehearsal playing the visitor who buys and is refunded. */
async function rehearseFlow(
  plan: RehearsalPlan,
  sandbox: RunningSandbox,
  landing: string,
  run: (cmd: "pulumi" | "golive", a: string[], o: { onOutput?: (all: string) => void }) => Promise<Run>,
  record: (s: string, ok: boolean, d: string) => boolean,
): Promise<boolean> {
  const livemode = plan.mode === "live";
  let bought: Promise<void> | undefined;
  let refunded: Promise<void> | undefined;
  let paymentIntent: string | undefined;
  let buyerError: string | undefined;
  const ids = await run("pulumi", ["stack", "output", "programId", "--stack", plan.stack, "--non-interactive"], {});
  const program = ids.out.trim().split("\n").pop() ?? "";
  if (ids.code !== 0 || !program) return record("flow", false, `no programId output: ${reasonOf(ids.out)}`);
  const onOutput = (out: string) => {
    const ref = /ref=(prt_\w+)/.exec(out);
    if (ref && !bought) {
      bought = (async () => {
        const click = await postJson<{ id: string }>(`${sandbox.url}/v1/clicks`, { program, partner: ref[1], url: landing }, sandbox.info.keys[plan.mode].pk);
        const checkout = await postJson<{ payment_intent: { id: string } }>(`${sandbox.stripeUrl}/_stripe/checkout`, { livemode, amount_total: 1000, currency: "usd", client_reference_id: click.id, wait: true });
        paymentIntent = checkout.payment_intent.id;
      })().catch((e: Error) => void (buyerError = e.message));
    }
    if (/Refund the payment in Stripe now/.test(out) && bought && !refunded) {
      refunded = bought
        .then(async () => {
          if (paymentIntent) await postJson(`${sandbox.stripeUrl}/_stripe/refund`, { livemode, payment_intent: paymentIntent, wait: true });
        })
        .catch((e: Error) => void (buyerError = e.message));
    }
  };
  const r = await run("golive", ["flow", "--stack", plan.stack, "--landing", landing, "--yes", "--timeout", "120", "--poll-ms", "300"], { onOutput });
  await Promise.allSettled([bought, refunded]);
  const ok = r.code === 0 && buyerError === undefined;
  return record(
    "flow",
    ok,
    ok
      ? `golive flow --yes: partner link, a $10.00 ${plan.mode} purchase through the Stripe emulator → conversion, commission, webhooks delivered over TLS and verified; refund → commission.refunded`
      : `golive flow exit ${r.code}${buyerError ? ` (the rehearsal's purchase: ${buyerError})` : ""}: ${reasonOf(r.out)}`,
  );
}
