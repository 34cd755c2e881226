/**
 * `golive drift --stack NAME [--json] [--remediate [--delete-unmanaged]] [--cwd DIR] [--color auto|always|never]`
 *
 * A refresh preview with expect-no-changes through the Automation API (the engine's step events
 * are typed: old = what is there now, new = what the stack declares), mapped by ./driftReport to
 * one item per drifted property, plus Stripe webhook endpoints at Selgeo's webhook URL that the
 * stack does not manage. Made for cron: no prompts, no colour unless stdout is a TTY.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { passphraseProblem, settingsFailure } from "./stackErrors";
import { assertStackFileLoadable } from "./stackFile";
import { countByKind, driftFromSteps, normaliseSteps, unmanagedStripeEndpoints, type DriftItem } from "./driftReport";
import { checkpointHint } from "./checkpointHealth";
import { pulumiPath, resolvePulumi } from "./pulumiCli";
import { parseOrUsage } from "./usage";

export const DRIFT_USAGE = `usage: golive drift --stack NAME [--json] [--remediate [--delete-unmanaged]] [--cwd DIR] [--backend-url URL] [--color auto|always|never]

Refreshes the stack in a preview (nothing is written) and reports what changed behind Pulumi's back:
  deleted, disabled, events_changed, url_changed, secret_rotated, secret_missing, rule_changed,
  program_paused, other_change, and unmanaged_stripe_endpoint (a Stripe webhook endpoint at Selgeo's
  webhook URL whose id is not this stack's stripeWebhookEndpointId; only this stack is consulted).

  --stack NAME          the stack (required)
  --cwd DIR             the Pulumi project folder (default: the current directory)
  --backend-url URL     the state backend (default: PULUMI_BACKEND_URL, else the logged-in one)
  --json                one JSON document on stdout
  --remediate           show what \`up\` will change, run \`up --refresh\`, then check again
  --delete-unmanaged    with --remediate: also delete the unmanaged Stripe endpoints (never by default)
  --color WHEN          auto (default: only when stdout is a TTY and NO_COLOR is unset), always, never
  --record FILE         also write the preview's step events to FILE (fixtures for tests)

exit codes: 0 no drift, 2 drift (after --remediate: drift left, e.g. unmanaged Stripe endpoints
not deleted), 1 error. Never prompts. The backend, passphrase and AWS credentials come from the
environment (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, AWS_*), as for the pulumi CLI.
`;

export interface DriftOptions {
  stack: string;
  cwd: string;
  json: boolean;
  remediate: boolean;
  deleteUnmanaged: boolean;
  color: boolean;
  record?: string;
  backendUrl?: string;
}

/** One check: the drift items and what was looked at. */
export interface DriftCheck {
  stack: string;
  checkedAt: string;
  drift: boolean;
  counts: ReturnType<typeof countByKind>;
  items: DriftItem[];
  /** Why the unmanaged-Stripe check did not run, when it did not. */
  notes: string[];
}

export function parseDriftArgs(argv: string[]): DriftOptions | string {
  const o: DriftOptions = { stack: "", cwd: process.cwd(), json: false, remediate: false, deleteUnmanaged: false, color: false };
  let color = "auto";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === "--stack" || a === "-s") o.stack = value();
      else if (a.startsWith("--stack=")) o.stack = a.slice(8);
      else if (a === "--cwd" || a === "-C") o.cwd = path.resolve(value());
      else if (a === "--backend-url") o.backendUrl = value();
      else if (a === "--json") o.json = true;
      else if (a === "--remediate") o.remediate = true;
      else if (a === "--delete-unmanaged") o.deleteUnmanaged = true;
      else if (a === "--color") color = value();
      else if (a.startsWith("--color=")) color = a.slice(8);
      else if (a === "--record") o.record = value();
      else return `unknown option ${a}`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (!o.stack) return "--stack is required";
  if (o.deleteUnmanaged && !o.remediate) return "--delete-unmanaged only goes with --remediate";
  if (!["auto", "always", "never"].includes(color)) return "--color is auto, always or never";
  o.color = useColor(color);
  return o;
}

export function useColor(when: string, stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (when === "always") return true;
  if (when === "never") return false;
  return !!stream.isTTY && !env.NO_COLOR && env.TERM !== "dumb";
}

/** Selects the stack with the Automation API and the chosen CLI (`resolvePulumi`). */
export async function selectStack(o: { stack: string; cwd: string; backendUrl?: string }): Promise<Stack> {
  // A value the Pulumi CLI cannot load fails every command without naming its key: say it first.
  assertStackFileLoadable(o.cwd, o.stack);
  const auto = await import("@pulumi/pulumi/automation");
  const cli = resolvePulumi();
  // PulumiCommand runs `<root>/bin/pulumi`; a CLI that is not in a `bin` folder is reached through PATH.
  const binDir = path.dirname(cli.bin);
  const pulumiCommand =
    path.basename(binDir) === "bin" && path.basename(cli.bin) === "pulumi"
      ? await auto.PulumiCommand.get({ root: path.dirname(binDir), skipVersionCheck: true })
      : await withPath(pulumiPath(process.env.PATH, cli), () => auto.PulumiCommand.get({ skipVersionCheck: true }));
  const envVars: Record<string, string> = {
    PATH: pulumiPath(process.env.PATH, cli),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    NO_COLOR: "1",
    ...(o.backendUrl ? { PULUMI_BACKEND_URL: o.backendUrl } : {}),
  };
  return auto.LocalWorkspace.selectStack({ stackName: o.stack, workDir: o.cwd }, { pulumiCommand, envVars });
}

/** Runs `fn` with PATH set for it (PulumiCommand.get looks `pulumi` up on this process's PATH). */
async function withPath<T>(pathVar: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = pathVar;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

/** The first words of the runtime's settings explanations (explainSettingsError). */
const SETTINGS_LINE = /\bselgeo:(apiUrl|stripeApiUrl|secretKey|stripeSecretKey|aws): /;

/** Refresh preview → drift items (and the raw steps, for --record). */
async function previewDrift(stack: Stack): Promise<{ items: DriftItem[]; steps: unknown[] }> {
  const events: EngineEvent[] = [];
  const errors: string[] = [];
  let failure: unknown;
  try {
    await stack.preview({
      refresh: true,
      expectNoChanges: true,
      color: "never",
      onEvent: (e) => {
        events.push(e);
        if (e.diagnosticEvent && e.diagnosticEvent.severity === "error") errors.push(e.diagnosticEvent.message.trim());
      },
    });
  } catch (e) {
    failure = e;
  }
  const steps = events.filter((e) => e.resourcePreEvent).map((e) => e.resourcePreEvent!.metadata);
  const items = driftFromSteps(steps);
  // Selgeo (or Stripe, or AWS) unreachable or a refused key: whatever the preview made of it, a
  // drift report would be wrong. Say the providers' one line instead (every resource repeats it).
  const said = [...events.flatMap((e) => (e.diagnosticEvent ? [e.diagnosticEvent.message] : [])), failure ? `${(failure as Error).message ?? failure}` : ""];
  for (const text of said) {
    // The engine prefixes it ("error: ", "Preview failed: "); the line starts at the config key.
    const m = SETTINGS_LINE.exec(text);
    if (m) throw new Error(text.slice(m.index).split("\n")[0].trim());
  }
  if (failure) {
    // Expect-no-changes fails the preview when there is drift; anything else is an error.
    const msg = `${(failure as Error).message ?? failure}`;
    const onlyExpected = items.length > 0 && errors.every((m) => /no changes were expected|expected no changes/i.test(m));
    if (!onlyExpected) {
      const shown = [...new Set(errors.filter((m) => !/no changes were expected|expected no changes/i.test(m)))];
      throw new Error(`the refresh preview failed:\n${shown.length > 0 ? shown.join("\n") : lastLines(msg)}`);
    }
  }
  return { items, steps };
}

/** An Automation API CommandError carries the whole CLI transcript; keep its `error:` lines. */
export function cleanError(e: unknown, stack = "NAME"): string {
  const msg = `${(e as Error)?.message ?? e}`;
  const passphrase = passphraseProblem(msg, stack);
  if (passphrase) return passphrase;
  const hint = checkpointHint(msg);
  const withHint = (text: string) => (hint ? `${text}\n${hint}` : text);
  if (!/\bstderr:/.test(msg)) return withHint(msg);
  const errors = [...new Set(msg.split("\n").map((l) => l.trim()).filter((l) => /^error:/.test(l)))];
  return withHint(errors.length > 0 ? errors.join("\n") : lastLines(msg));
}

function lastLines(s: string, n = 15): string {
  return s.trim().split("\n").slice(-n).join("\n");
}

/** The Stripe endpoints at Selgeo's webhook URL that the stack does not manage. */
async function unmanagedCheck(stack: Stack, notes: string[]): Promise<{ items: DriftItem[]; ids: string[] }> {
  const config = await stack.getAllConfig();
  if (!config["selgeo:stripe"]) {
    notes.push("selgeo:stripe is not declared: the unmanaged Stripe endpoint check was skipped");
    return { items: [], ids: [] };
  }
  const runtime = await import("@selgeo-golive/runtime");
  runtime.configureFromStack({ get: (k) => config[k]?.value });
  const outputs = await stack.outputs();
  const managedId = outputs.stripeWebhookEndpointId?.value as string | undefined;
  const integration = await (await runtime.selgeoClient()).getStripeIntegration();
  const url = integration.webhook_url ?? (outputs.stripeWebhookUrl?.value as string | undefined);
  if (!url) {
    notes.push("Selgeo's Stripe integration has no webhook_url: the unmanaged Stripe endpoint check was skipped");
    return { items: [], ids: [] };
  }
  const stripe = await runtime.stripeClient();
  const all: Array<{ id: string; url: string; status?: string }> = [];
  for await (const ep of stripe.webhookEndpoints.list({ limit: 100 })) all.push({ id: ep.id, url: ep.url, status: ep.status });
  const items = unmanagedStripeEndpoints(all, url, [managedId]);
  return { items, ids: items.map((i) => i.resource.id!) };
}

async function check(stack: Stack, o: DriftOptions, record?: string): Promise<DriftCheck & { unmanagedIds: string[] }> {
  const notes: string[] = [];
  const { items, steps } = await previewDrift(stack);
  if (record) writeFileSync(record, JSON.stringify(steps, null, 2) + "\n");
  const unmanaged = await unmanagedCheck(stack, notes);
  const all = [...items, ...unmanaged.items];
  return {
    stack: o.stack,
    checkedAt: new Date().toISOString(),
    drift: all.length > 0,
    counts: countByKind(all),
    items: all,
    notes,
    unmanagedIds: unmanaged.ids,
  };
}

const paint = (on: boolean, code: number, s: string): string => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

/** The human-readable report. */
export function formatCheck(c: DriftCheck, color = false): string {
  const lines: string[] = [];
  if (!c.drift) {
    lines.push(`${paint(color, 32, "no drift")}: stack ${c.stack} matches Selgeo, Stripe and Secrets Manager (${c.checkedAt})`);
  } else {
    lines.push(`${paint(color, 31, `drift: ${c.items.length} item(s)`)} on stack ${c.stack} (${c.checkedAt})`);
    const w = Math.max(...c.items.map((i) => i.kind.length));
    for (const i of c.items) {
      const where = `${i.resource.type} ${i.resource.name}${i.property ? ` .${i.property}` : ""}`;
      const change = i.property && i.kind !== "unmanaged_stripe_endpoint" ? `: ${fmt(i.actual)} (declared ${fmt(i.expected)})` : "";
      lines.push(`  ${paint(color, 33, i.kind.padEnd(w))}  ${where}${change}`);
    }
  }
  for (const n of c.notes) lines.push(`  note: ${n}`);
  return lines.join("\n") + "\n";
}

function fmt(v: unknown): string {
  return v === undefined ? "(unset)" : JSON.stringify(v);
}

export async function driftCommand(argv: string[]): Promise<number> {
  const o = parseOrUsage("drift", argv, DRIFT_USAGE, parseDriftArgs);
  if (typeof o === "number") return o;
  try {
    const stack = await selectStack(o);
    const before = await check(stack, o, o.record);
    if (!o.remediate) {
      if (o.json) process.stdout.write(JSON.stringify(strip(before), null, 2) + "\n");
      else process.stdout.write(formatCheck(before, o.color));
      return before.drift ? 2 : 0;
    }
    // --remediate: show the plan, apply it, check again.
    const managedDrift = before.items.filter((i) => i.kind !== "unmanaged_stripe_endpoint");
    const log = (s: string) => (o.json ? process.stderr : process.stdout).write(s);
    log(formatCheck(before, o.color));
    let upSummary: Record<string, number> | undefined;
    if (managedDrift.length > 0) {
      log(`\nup --refresh will change:\n${managedDrift.map((i) => `  - ${i.message}`).join("\n")}\n\nrunning up --refresh …\n`);
      const up = await stack.up({ refresh: true, color: "never" });
      upSummary = up.summary.resourceChanges as Record<string, number> | undefined;
      log(`up: ${up.summary.result}; ${JSON.stringify(upSummary ?? {})}\n`);
    }
    const deleted: string[] = [];
    if (o.deleteUnmanaged && before.unmanagedIds.length > 0) {
      const runtime = await import("@selgeo-golive/runtime");
      const stripe = await runtime.stripeClient();
      for (const id of before.unmanagedIds) {
        await stripe.webhookEndpoints.del(id);
        deleted.push(id);
        log(`deleted unmanaged Stripe endpoint ${id}\n`);
      }
    } else if (before.unmanagedIds.length > 0) {
      log(`left ${before.unmanagedIds.length} unmanaged Stripe endpoint(s) in place (add --delete-unmanaged to delete them)\n`);
    }
    const after = await check(stack, o);
    if (o.json) {
      process.stdout.write(
        JSON.stringify({ before: strip(before), remediation: { up: upSummary ?? null, deletedUnmanaged: deleted }, after: strip(after), drift: after.drift }, null, 2) + "\n",
      );
    } else {
      log(`\nafter remediation:\n${formatCheck(after, o.color)}`);
    }
    return after.drift ? 2 : 0;
  } catch (e) {
    // Selgeo down or a wrong key: one line naming the config key and the fix.
    const settings = settingsFailure(e);
    process.stderr.write(`golive drift: ${settings ? settings.message : cleanError(e, o.stack)}\n`);
    return 1;
  }
}

function strip(c: DriftCheck & { unmanagedIds?: string[] }): DriftCheck {
  const { unmanagedIds: _ignored, ...rest } = c;
  return rest;
}

// Exported for the unit tests.
export { normaliseSteps };
