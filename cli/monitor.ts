/**
 * `golive monitor --stack NAME [--json] [--since ISO] [--retry-failed] [--cwd DIR]`: post-launch
 * health of a stack's Selgeo account, for a person or an alerting job.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import type {
  AttributionAuditEntry,
  Commission,
  Conversion,
  FraudAlert,
  ListPage,
  Participant,
  Program,
  SelgeoClient,
  WebhookDelivery,
} from "@selgeo-golive/runtime";
import { parseOrUsage } from "./usage";

export const MONITOR_USAGE = `usage: golive monitor --stack NAME [--json] [--since ISO] [--retry-failed] [--cwd DIR] [--backend-url URL] [--first N]

Reads the stack's Selgeo account (config and outputs of the stack; keys from config, environment or
awssm:// references) and reports:
  - failed and dead-lettered webhook deliveries, each with its retry action
    (POST /api/v1/webhook_deliveries/{id}/retry; --retry-failed performs it for every one listed)
  - attribution audit entries and fraud alerts created since --since (default: 24 hours ago)
  - commissions waiting in needs_review (all of them, whatever their age)
  - the first partner sign-ups (participants) and conversions since the program went active
    (program.activated_at; --first N, default 5)

  --stack NAME      the stack (required)        --cwd DIR   the Pulumi project folder (default: .)
  --json            one JSON document on stdout  --since ISO  e.g. 2025-01-31T00:00:00Z

exit codes (the most severe wins):
  0  healthy
  3  needs attention: commissions in needs_review, or fraud alerts since --since
  4  failing: failed or dead-lettered deliveries (also when --retry-failed re-queued them); a ping
     forged on purpose by verification is expected to fail and is not counted
  1  error (stack not found, Selgeo unreachable, bad options)
`;

export interface MonitorOptions {
  stack: string;
  cwd: string;
  json: boolean;
  since: number;
  retryFailed: boolean;
  first: number;
  backendUrl?: string;
}

export interface DeliveryProblem {
  id: string;
  endpoint: string;
  /** The stack's name for the endpoint, when the stack manages it. */
  endpointName?: string;
  eventType: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  created: string;
  retry: { api: string; curl: string; golive: string };
  retried?: { status: string } | { error: string };
}

/**
 * A ping forged on purpose (verification proving the receiver rejects bad signatures) is
 * expected to fail: it says nothing about the receiver's health. Servers that do not report a
 * delivery's `signature` are matched by how Selgeo treats a forged ping: rejected with a 4xx once,
 * never scheduled for a retry.
 */
export function isForgedPing(d: WebhookDelivery): boolean {
  if (d.event_type !== "ping") return false;
  if (d.signature !== undefined) return d.signature === "invalid";
  return d.status === "failed" && d.attempts === 1 && d.next_retry_at === null && d.response_status !== null && d.response_status >= 400 && d.response_status < 500;
}

export interface MonitorReport {
  stack: string;
  checkedAt: string;
  since: string;
  status: "healthy" | "needs_attention" | "failing";
  exitCode: 0 | 3 | 4;
  program?: { id: string; name: string; status: string; activatedAt: string | null };
  /** `forgedPingsRejected`: verification's forged pings that failed as they should (not counted). */
  deliveries: { failed: DeliveryProblem[]; deadLettered: DeliveryProblem[]; forgedPingsRejected: number };
  attributionAudit: Array<{ id: string; type: string; message: string; conversion: string | null; created: string }>;
  fraudAlerts: Array<{ id: string; conversion: string; partner: string; reasons: string[]; created: string }>;
  needsReview: Array<{ id: string; partner: string; conversion: string; amount: number; currency: string; reason: string | null; created: string }>;
  firstParticipants: Array<{ id: string; email: string; status: string; created: string }>;
  firstConversions: Array<{ id: string; partner: string; amount: number; currency: string; status: string; created: string }>;
}

export function parseMonitorArgs(argv: string[], now = Date.now()): MonitorOptions | string {
  const o: MonitorOptions = { stack: "", cwd: process.cwd(), json: false, since: Math.floor(now / 1000) - 86_400, retryFailed: false, first: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === "--stack" || a === "-s") {
      o.stack = v ?? "";
      i++;
    } else if (a === "--cwd" || a === "-C") {
      o.cwd = path.resolve(v ?? ".");
      i++;
    } else if (a === "--backend-url") {
      o.backendUrl = v;
      i++;
    } else if (a === "--json") o.json = true;
    else if (a === "--retry-failed") o.retryFailed = true;
    else if (a === "--first") {
      o.first = Number(v);
      i++;
      if (!Number.isInteger(o.first) || o.first < 0) return "--first takes a whole number";
    } else if (a === "--since") {
      const t = Date.parse(v ?? "");
      if (Number.isNaN(t)) return `--since takes an ISO date-time (got ${JSON.stringify(v)})`;
      o.since = Math.floor(t / 1000);
      i++;
    } else if (a === "--color") i++; // accepted for symmetry with drift; the report has no colour
    else return `unknown option ${a}`;
  }
  if (!o.stack) return "--stack is required";
  return o;
}

const iso = (s: number | null | undefined): string | null => (s == null ? null : new Date(s * 1000).toISOString());

/** Every item of a newest-first list, stopping at the first one older than `since` (if given). */
async function collect<T extends { id: string; created: number }>(fetchPage: (startingAfter?: string) => Promise<ListPage<T>>, since?: number, max = 10_000): Promise<T[]> {
  // Loaded on use, like the rest of the runtime here: `golive monitor --help` stays fast.
  const { listAll } = await import("@selgeo-golive/runtime");
  return listAll(fetchPage, { max, stopAt: since === undefined ? undefined : (item) => item.created < since });
}

/** The report from the account, with `--retry-failed` applied. Pure of printing. */
export async function buildMonitorReport(
  client: SelgeoClient,
  o: MonitorOptions,
  ctx: { apiUrl: string; programId?: string; endpointNames: Record<string, string> },
): Promise<MonitorReport> {
  const retryAction = (d: WebhookDelivery): DeliveryProblem["retry"] => ({
    api: `POST /api/v1/webhook_deliveries/${d.id}/retry`,
    curl: `curl -sS -X POST -H "Authorization: Bearer $SELGEO_SECRET_KEY" -H "Idempotency-Key: $(uuidgen)" ${ctx.apiUrl.replace(/\/$/, "")}/api/v1/webhook_deliveries/${d.id}/retry`,
    golive: `golive monitor --stack ${o.stack} --retry-failed`,
  });
  const problem = (d: WebhookDelivery): DeliveryProblem => ({
    id: d.id,
    endpoint: d.endpoint,
    ...(ctx.endpointNames[d.endpoint] ? { endpointName: ctx.endpointNames[d.endpoint] } : {}),
    eventType: d.event_type,
    status: d.status,
    attempts: d.attempts,
    responseStatus: d.response_status,
    created: iso(d.created)!,
    retry: retryAction(d),
  });
  let forgedPingsRejected = 0;
  const deliveries = async (status: "failed" | "dead_lettered") =>
    (await collect((startingAfter) => client.listWebhookDeliveries({ status, limit: 100, startingAfter })))
      .filter((d) => (isForgedPing(d) ? (forgedPingsRejected++, false) : true))
      .map(problem);
  const failed = await deliveries("failed");
  const deadLettered = await deliveries("dead_lettered");

  let program: Program | undefined;
  if (ctx.programId) program = await client.findProgram(ctx.programId);
  const audit: AttributionAuditEntry[] = await collect((startingAfter) => client.listAttributionAuditLog({ limit: 100, startingAfter }), o.since);
  const fraud: FraudAlert[] = await collect(
    (startingAfter) => client.listFraudAlerts({ limit: 100, startingAfter, ...(program ? { program: program.id } : {}) }),
    o.since,
  );
  const review: Commission[] = await collect((startingAfter) =>
    client.listCommissions({ status: "needs_review", limit: 100, startingAfter, ...(program ? { program: program.id } : {}) }),
  );
  let participants: Participant[] = [];
  let conversions: Conversion[] = [];
  if (program?.activated_at) {
    const since = program.activated_at;
    participants = (await collect((startingAfter) => client.listParticipants(program!.id, { limit: 100, startingAfter }), since))
      .sort((a, b) => a.created - b.created)
      .slice(0, o.first);
    conversions = (await collect((startingAfter) => client.listConversions({ program: program!.id, limit: 100, startingAfter }), since))
      .sort((a, b) => a.created - b.created)
      .slice(0, o.first);
  }

  if (o.retryFailed) {
    for (const d of [...failed, ...deadLettered]) {
      try {
        const r = await client.retryWebhookDelivery(d.id, { idempotencyKey: `golive-monitor-retry-${d.id}-${randomUUID()}` });
        d.retried = { status: r.status };
      } catch (e) {
        d.retried = { error: (e as Error).message };
      }
    }
  }

  const exitCode: 0 | 3 | 4 = failed.length + deadLettered.length > 0 ? 4 : review.length + fraud.length > 0 ? 3 : 0;
  return {
    stack: o.stack,
    checkedAt: new Date().toISOString(),
    since: iso(o.since)!,
    status: exitCode === 4 ? "failing" : exitCode === 3 ? "needs_attention" : "healthy",
    exitCode,
    ...(program ? { program: { id: program.id, name: program.name, status: program.status, activatedAt: iso(program.activated_at) } } : {}),
    deliveries: { failed, deadLettered, forgedPingsRejected },
    attributionAudit: audit.map((a) => ({ id: a.id, type: a.type, message: a.message, conversion: a.conversion, created: iso(a.created)! })),
    fraudAlerts: fraud.map((f) => ({ id: f.id, conversion: f.conversion, partner: f.partner, reasons: f.reasons, created: iso(f.created)! })),
    needsReview: review.map((c) => ({ id: c.id, partner: c.partner, conversion: c.conversion, amount: c.amount, currency: c.currency, reason: c.reason, created: iso(c.created)! })),
    firstParticipants: participants.map((p) => ({ id: p.id, email: p.email, status: p.status, created: iso(p.created)! })),
    firstConversions: conversions.map((c) => ({ id: c.id, partner: c.partner, amount: c.amount, currency: c.currency, status: c.status, created: iso(c.created)! })),
  };
}

export function formatMonitorReport(r: MonitorReport): string {
  const L: string[] = [];
  L.push(`${r.status.replace("_", " ")}: stack ${r.stack} (${r.checkedAt}; events since ${r.since})`);
  if (r.program) L.push(`program ${r.program.id} "${r.program.name}": ${r.program.status}${r.program.activatedAt ? `, active since ${r.program.activatedAt}` : ""}`);
  const dl = [...r.deliveries.failed, ...r.deliveries.deadLettered];
  L.push(`deliveries failed: ${r.deliveries.failed.length}, dead-lettered: ${r.deliveries.deadLettered.length}`);
  if (r.deliveries.forgedPingsRejected > 0) L.push(`forged pings rejected by your receivers (expected, from verification; not counted): ${r.deliveries.forgedPingsRejected}`);
  for (const d of dl) {
    L.push(`  ${d.id} ${d.status} ${d.eventType} → ${d.endpointName ?? d.endpoint} (attempts ${d.attempts}, last HTTP ${d.responseStatus ?? "-"})`);
    L.push(`    retry: ${d.retry.curl}`);
    if (d.retried) L.push(`    retried: ${"status" in d.retried ? d.retried.status : `error: ${d.retried.error}`}`);
  }
  if (dl.length > 0 && !dl.some((d) => d.retried)) L.push(`  retry all: ${dl[0].retry.golive}`);
  if (r.deliveries.forgedPingsRejected > 0) L.push(`forged pings rejected by your receivers (expected, from verification; not counted): ${r.deliveries.forgedPingsRejected}`);
  L.push(`commissions in needs_review: ${r.needsReview.length}`);
  for (const c of r.needsReview) L.push(`  ${c.id} ${c.amount} ${c.currency} partner ${c.partner}: ${c.reason ?? ""}`);
  L.push(`fraud alerts: ${r.fraudAlerts.length}`);
  for (const f of r.fraudAlerts) L.push(`  ${f.id} conversion ${f.conversion} partner ${f.partner}: ${f.reasons.join(", ")}`);
  L.push(`attribution audit entries: ${r.attributionAudit.length}`);
  for (const a of r.attributionAudit.slice(0, 20)) L.push(`  ${a.created} ${a.type}: ${a.message}`);
  if (r.attributionAudit.length > 20) L.push(`  … ${r.attributionAudit.length - 20} more (--json for all)`);
  L.push(`first partner sign-ups since activation: ${r.firstParticipants.length}`);
  for (const p of r.firstParticipants) L.push(`  ${p.created} ${p.id} ${p.email} (${p.status})`);
  L.push(`first conversions since activation: ${r.firstConversions.length}`);
  for (const c of r.firstConversions) L.push(`  ${c.created} ${c.id} ${c.amount} ${c.currency} partner ${c.partner} (${c.status})`);
  return L.join("\n") + "\n";
}

export async function monitorCommand(argv: string[]): Promise<number> {
  const o = parseOrUsage("monitor", argv, MONITOR_USAGE, parseMonitorArgs);
  if (typeof o === "number") return o;
  try {
    const { selectStack } = await import("./drift");
    const stack = await selectStack({ stack: o.stack, cwd: o.cwd, backendUrl: o.backendUrl });
    const config = await stack.getAllConfig();
    const outputs = await stack.outputs();
    const runtime = await import("@selgeo-golive/runtime");
    runtime.configureFromStack({ get: (k) => config[k]?.value });
    const client = await runtime.selgeoClient();
    const ids = (outputs.webhookEndpointIds?.value ?? {}) as Record<string, string>;
    const report = await buildMonitorReport(client, o, {
      apiUrl: runtime.rawSettings()?.apiUrl ?? "",
      programId: outputs.programId?.value as string | undefined,
      endpointNames: Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name])),
    });
    process.stdout.write(o.json ? JSON.stringify(report, null, 2) + "\n" : formatMonitorReport(report));
    return report.exitCode;
  } catch (e) {
    // Selgeo (or moto) down, a refused key: the runtime's one line naming the config key and the fix.
    const settings = (await import("./stackErrors")).settingsFailure(e);
    process.stderr.write(`golive monitor: ${settings ? settings.message : (await import("./drift")).cleanError(e, o.stack)}\n`);
    return 1;
  }
}
