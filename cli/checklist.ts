/**
 * `golive checklist --stack NAME [--json]`: the Go-Live Checklist's eight items and the post-launch
 * ones, each `passed | failed | needs_attention`, with evidence (ids, counts, timestamps), read
 * from a deployed stack (outputs, config) and from Selgeo (and Stripe). Read-only: it sends no
 * pings and changes nothing (`golive verify` does the active checks).
 *
 * Exit 0 when nothing failed, 1 otherwise. `--json` prints an array of {item, title, status, evidence}.
 */
import {
  DEFAULT_LIMITS,
  RECOMMENDED_EVENTS,
  isDevelopmentUrl,
  modeOfKey,
  type Commission,
  type Program,
  type WebhookEndpoint,
  type WebhookDelivery,
} from "@selgeo-golive/runtime";
import { settingsFailure } from "./stackErrors";
import { listAll, runStackReport, type CheckStatus, type StackContext } from "./stackContext";

/** One checklist line. */
export interface ChecklistItem {
  item: string;
  title: string;
  status: Exclude<CheckStatus, "skipped">;
  evidence: string;
}

const STRIPE_EVENTS = ["charge.refunded", "checkout.session.completed", "invoice.paid"];

type Row = Omit<ChecklistItem, "item" | "title">;

async function guard(fn: () => Promise<Row>): Promise<Row> {
  try {
    return await fn();
  } catch (e) {
    // Selgeo down or a refused key is not a failed item: the command stops with the one line.
    const settings = settingsFailure(e);
    if (settings) throw settings;
    return { status: "failed", evidence: `could not check: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The loaded stack with what every item reads: its mode as a flag, its program id and the program. */
interface Checked extends StackContext {
  livemode: boolean;
  programId?: string;
  program?: Program;
}

/** Builds the checklist for a loaded stack. */
export async function buildChecklist(stack: StackContext): Promise<ChecklistItem[]> {
  const programId = stack.outputs.programId as string | undefined;
  const ctx: Checked = { ...stack, livemode: stack.mode === "live", programId, program: programId ? await stack.client.findProgram(programId) : undefined };
  const { client } = ctx;
  const items: ChecklistItem[] = [];
  const add = async (item: string, title: string, fn: () => Promise<Row>) => items.push({ item, title, ...(await guard(fn)) });

  await add("1", "Swap test keys for live keys", () => keysItem(ctx));
  await add("2", "Verify Stripe live connection", () => stripeConnectionItem(ctx));
  const endpoints = await client.listAllWebhookEndpoints();
  await add("3", "Remove test data", () => testDataItem(ctx, endpoints));
  await add("4", "Verify webhook endpoints", () => webhookEndpointsItem(ctx, endpoints));
  await add("5", "Review rate limits", () => rateLimitsItem(ctx));
  await add("6", "Review commission rules", () => commissionRulesItem(ctx));
  const commissions = await listAll<Commission>((after) => client.listCommissions({ limit: 100, startingAfter: after, program: programId }));
  await add("7", "Test the full flow", () => fullFlowItem(ctx, commissions));
  await add("8", "Enable the program", () => programItem(ctx));
  await add("post-launch", "Post-launch monitoring", () => monitoringItem(ctx, commissions));
  return items;
}

/** Item 1: the Selgeo and Stripe keys match the stack's mode and, on live, are Secrets Manager references. */
async function keysItem(ctx: Checked): Promise<Row> {
  const { client, mode, livemode } = ctx;
  const keyMode = modeOfKey(ctx.secretKey);
  const problems: string[] = [];
  if (keyMode !== mode) problems.push(`the Selgeo key is a ${keyMode ?? "unknown"}-mode key on a ${mode} stack`);
  const account = await client.getAccount();
  if (account.livemode !== livemode) problems.push(`Selgeo says the key is ${account.livemode ? "live" : "test"}-mode`);
  let stripeNote = "no Stripe key configured";
  if (ctx.stripeKeySource) {
    await ctx.stripe(); // stripeClient() refuses a Stripe key of the wrong mode
    stripeNote = `Stripe key ${mode}-mode (${ctx.stripeKeySource})`;
  }
  const refs = ctx.keySource === "awssm reference" && (!ctx.stripeKeySource || ctx.stripeKeySource === "awssm reference");
  const evidence = `stack mode ${mode}; Selgeo key sk_${keyMode}_… (${ctx.keySource}), account ${account.id} livemode=${account.livemode}; ${stripeNote}`;
  if (problems.length) return { status: "failed", evidence: `${problems.join("; ")}; ${evidence}` };
  if (livemode && !refs) return { status: "failed", evidence: `a live stack must take its keys as awssm:// references; ${evidence}` };
  return { status: "passed", evidence: evidence + (refs ? "; keys are Secrets Manager references" : "; keys are not Secrets Manager references (fine for a test stack)") };
}

/** Item 2: Selgeo's Stripe integration is connected and the stack's Stripe endpoint sends it the events it needs. */
async function stripeConnectionItem(ctx: Checked): Promise<Row> {
  const { client, outputs, livemode } = ctx;
  const integ = await client.getStripeIntegration();
  const endpointId = outputs.stripeWebhookEndpointId as string | undefined;
  const problems: string[] = [];
  if (!integ.connected) problems.push("Selgeo's Stripe integration is not connected");
  if (integ.livemode !== livemode) problems.push(`the integration is ${integ.livemode ? "live" : "test"}-mode`);
  if (!integ.webhook_secret_configured) problems.push("Selgeo holds no Stripe webhook signing secret");
  let epNote = "no Stripe endpoint in the stack outputs";
  if (!endpointId) problems.push("the stack declares no Stripe endpoint (selgeo:stripe)");
  else {
    const ep = await (await ctx.stripe()).webhookEndpoints.retrieve(endpointId);
    const events = [...ep.enabled_events].sort();
    const missing = STRIPE_EVENTS.filter((e) => !events.includes(e) && !events.includes("*"));
    if (ep.status !== "enabled") problems.push(`Stripe endpoint ${endpointId} is ${ep.status}`);
    if (missing.length) problems.push(`Stripe endpoint ${endpointId} misses ${missing.join(", ")}`);
    if (ep.url !== integ.webhook_url) problems.push(`Stripe endpoint ${endpointId} points at ${ep.url}, not Selgeo's ${integ.webhook_url}`);
    epNote = `Stripe endpoint ${endpointId} ${ep.status} → ${ep.url} with ${events.join(", ")}`;
  }
  const evidence = `integration connected=${integ.connected} account ${integ.account_id ?? "-"} livemode=${integ.livemode} webhook_secret_configured=${integ.webhook_secret_configured}; ${epNote}`;
  return problems.length ? { status: "failed", evidence: `${problems.join("; ")}; ${evidence}` } : { status: "passed", evidence };
}

/** Item 3: no endpoint of this mode points at a development URL. */
async function testDataItem(ctx: Checked, endpoints: WebhookEndpoint[]): Promise<Row> {
  const { client, livemode } = ctx;
  // The stack's own endpoints are judged by item 4; here: test-mode endpoints that point at dev URLs.
  const testClient = livemode ? undefined : client;
  const devEndpoints = (testClient ? endpoints : []).filter((e) => isDevelopmentUrl(e.url));
  const liveDev = livemode ? endpoints.filter((e) => isDevelopmentUrl(e.url)) : [];
  if (liveDev.length) return { status: "failed", evidence: `${liveDev.length} live-mode endpoint(s) point at development URLs: ${liveDev.map((e) => `${e.id} ${e.url}`).join(", ")}` };
  if (livemode) return { status: "passed", evidence: `live and test data are isolated by key; no live-mode endpoint points at a development URL (${endpoints.length} endpoint(s)); run \`golive cleanup-test\` with the test key to list test data` };
  return devEndpoints.length
    ? { status: "needs_attention", evidence: `${devEndpoints.length} test-mode endpoint(s) point at localhost/development URLs (${devEndpoints.slice(0, 5).map((e) => e.id).join(", ")}${devEndpoints.length > 5 ? ", …" : ""}); \`golive cleanup-test --stack ${ctx.args.stack}\` lists them` }
    : { status: "passed", evidence: `no test-mode endpoint points at a development URL (${endpoints.length} endpoint(s))` };
}

/** Item 4: each of the stack's endpoints exists, is enabled, subscribes to the recommended events and has a ping that succeeded. */
async function webhookEndpointsItem(ctx: Checked, endpoints: WebhookEndpoint[]): Promise<Row> {
  const { client, outputs } = ctx;
  const ids = (outputs.webhookEndpointIds ?? {}) as Record<string, string>;
  if (Object.keys(ids).length === 0) return { status: "failed", evidence: "the stack has no webhook endpoints" };
  const failed: string[] = [];
  const attention: string[] = [];
  const parts: string[] = [];
  for (const [name, id] of Object.entries(ids)) {
    const ep = endpoints.find((e) => e.id === id);
    if (!ep) {
      failed.push(`${name} (${id}) does not exist in Selgeo`);
      continue;
    }
    if (ep.status !== "enabled") failed.push(`${name} (${id}) is ${ep.status}`);
    const missing = RECOMMENDED_EVENTS.filter((e) => !ep.events.includes(e));
    if (missing.length) attention.push(`${name} does not subscribe to ${missing.join(", ")}`);
    const pings = (await client.listWebhookDeliveries({ endpoint: id, limit: 100 })).data.filter((d) => d.event_type === "ping");
    // The forged ping `golive verify` sends fails on purpose; judge the latest correctly signed one
    // when we can tell (a 4xx right after a success is that forged ping).
    const lastOk = pings.find((d) => d.status === "succeeded");
    const last = pings[0];
    if (!last) attention.push(`${name} was never pinged: run \`golive verify --stack ${ctx.args.stack}\``);
    else if (!lastOk) failed.push(`${name}: no ping delivery ever succeeded (latest ${last.id} ${last.status}, HTTP ${last.response_status ?? "-"})`);
    parts.push(`${name} ${id} ${ep.status}, ${ep.events.length} event(s), last succeeded ping ${lastOk ? `${lastOk.id} at ${iso(lastOk.created)}` : "none"}`);
  }
  const evidence = [...failed, ...attention, ...parts].join("; ");
  return { status: failed.length ? "failed" : attention.length ? "needs_attention" : "passed", evidence };
}

/** Item 5: the declared traffic fits Selgeo's published limits. */
async function rateLimitsItem(ctx: Checked): Promise<Row> {
  const { rateLimit } = await ctx.client.getAccountWithRateLimit();
  const limit = rateLimit?.limit;
  const seen = rateLimit ? `X-RateLimit-Limit ${rateLimit.limit}, Remaining ${rateLimit.remaining ?? null}, Reset ${rateLimit.reset ?? null}` : "no X-RateLimit headers in Selgeo's answer";
  const traffic = ctx.config["selgeo:expectedTraffic"] as Record<string, unknown> | undefined;
  const published = `published limits: clicks ${DEFAULT_LIMITS.clicksPerMinute}/min per pk, conversions ${DEFAULT_LIMITS.conversionsPerMinute}/min per sk, general ${DEFAULT_LIMITS.generalPerMinute}/min per IP`;
  if (!traffic || typeof traffic !== "object") {
    return { status: limit ? "passed" : "needs_attention", evidence: `${seen}; ${published}; no selgeo:expectedTraffic declared (the client honours 429 + Retry-After)` };
  }
  const over: string[] = [];
  const pairs: Array<[string[], number, string]> = [
    [["clicksPerMinute", "clicks"], DEFAULT_LIMITS.clicksPerMinute, "clicks"],
    [["conversionsPerMinute", "conversions"], DEFAULT_LIMITS.conversionsPerMinute, "conversions"],
    [["apiRequestsPerMinute", "requestsPerMinute", "general"], DEFAULT_LIMITS.generalPerMinute, "API requests"],
  ];
  const declared: string[] = [];
  for (const [keys, max, label] of pairs) {
    const v = keys.map((k) => traffic[k]).find((x) => typeof x === "number") as number | undefined;
    if (v === undefined) continue;
    declared.push(`${label} ${v}/min`);
    if (v > max) over.push(`${label} ${v}/min exceeds ${max}/min`);
  }
  return {
    status: over.length ? "failed" : "passed",
    evidence: `${over.length ? over.join("; ") + "; " : ""}declared ${declared.join(", ") || "nothing recognised"}; ${seen}; ${published}`,
  };
}

/** Item 6: the program has rules, and net-basis rules have Stripe fee data. */
async function commissionRulesItem(ctx: Checked): Promise<Row> {
  const { client, programId } = ctx;
  if (!programId) return { status: "failed", evidence: "the stack declares no program, so no commission rules" };
  const rules = await listAll((after) => client.listCommissionRules(programId, { limit: 100, startingAfter: after }));
  if (rules.length === 0) return { status: "failed", evidence: `program ${programId} has no commission rule` };
  const net = rules.filter((r) => r.basis === "net");
  const integ = net.length ? await client.getStripeIntegration() : undefined;
  const desc = rules.map((r) => `${r.id} ${r.type === "percentage" ? `${r.percentage}%` : `${r.flat_amount} ${r.currency}`} ${r.basis}, hold ${r.hold_period_days} d, ${r.auto_approve ? "auto" : "manual"} approval`).join("; ");
  if (net.length && !integ?.fee_data_available) {
    return { status: "failed", evidence: `${net.length} net-basis rule(s) but the Stripe integration has no fee data (fee_data_available=false): their commissions go to needs_review; ${desc}` };
  }
  return { status: "passed", evidence: `${rules.length} rule(s)${net.length ? `, net basis with fee_data_available=true` : ""}: ${desc}` };
}

/** Item 7: conversions, commissions and a refund exist for the program. */
async function fullFlowItem(ctx: Checked, commissions: Commission[]): Promise<Row> {
  const { client, mode, livemode, programId } = ctx;
  if (!programId) return { status: "needs_attention", evidence: "no program: run the full flow after declaring one" };
  const conversions = await listAll((after) => client.listConversions({ limit: 100, startingAfter: after, program: programId }));
  const refunded = commissions.filter((c) => c.status === "refunded" || c.status === "partially_refunded" || c.refunded_amount > 0);
  const evidence = `${conversions.length} conversion(s), ${commissions.length} commission(s), ${refunded.length} refunded commission(s) in ${mode} mode for ${programId}`;
  if (conversions.length && commissions.length && refunded.length) {
    return { status: "passed", evidence: `${evidence} (e.g. conversion ${conversions[0].id}, refunded commission ${refunded[0].id})` };
  }
  return {
    status: "needs_attention",
    evidence: `${evidence}: run the full flow (click → purchase → conversion → commission → refund → commission.refunded)${livemode ? " with a small real purchase" : ""}`,
  };
}

/** Item 8: the program exists and is active. */
async function programItem(ctx: Checked): Promise<Row> {
  const { mode, programId, program } = ctx;
  if (!program) return { status: "failed", evidence: programId ? `program ${programId} does not exist in ${mode} mode` : "the stack declares no program" };
  const evidence = `program ${program.id} "${program.name}" ${program.status}, activated_at ${program.activated_at ? iso(program.activated_at) : "-"}; invite ${program.invite_url}; application ${program.application_url}`;
  if (program.status === "active") return { status: "passed", evidence };
  return { status: program.status === "archived" ? "failed" : "needs_attention", evidence };
}

/** After launch: failed deliveries, fraud alerts, commissions to review and attribution entries since activation. */
async function monitoringItem(ctx: Checked, commissions: Commission[]): Promise<Row> {
  const { client, programId, program } = ctx;
  const failedDeliveries = await listAll<WebhookDelivery>((after) => client.listWebhookDeliveries({ status: "failed", limit: 100, startingAfter: after }));
  const dead = await listAll<WebhookDelivery>((after) => client.listWebhookDeliveries({ status: "dead_lettered", limit: 100, startingAfter: after }));
  // The forged pings of `golive verify` fail by design; they are not a monitoring signal.
  const realFailed = failedDeliveries.filter((d) => d.event_type !== "ping");
  const fraud = await listAll((after) => client.listFraudAlerts({ limit: 100, startingAfter: after, program: programId }));
  const review = commissions.filter((c) => c.status === "needs_review");
  const since = program?.activated_at ?? 0;
  const audit = (await listAll((after) => client.listAttributionAuditLog({ limit: 100, startingAfter: after }), undefined, 2000)).filter((e) => e.created >= since);
  const evidence =
    `${realFailed.length} failed and ${dead.length} dead-lettered deliveries (+${failedDeliveries.length - realFailed.length} failed ping(s), e.g. verify's forged pings); ` +
    `${fraud.length} fraud alert(s); ${review.length} commission(s) in needs_review; ${audit.length} attribution audit entr${audit.length === 1 ? "y" : "ies"} since ${since ? iso(since) : "creation"}`;
  return { status: dead.length || realFailed.length || fraud.length || review.length ? "needs_attention" : "passed", evidence };
}

function iso(unix: number): string {
  return new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The `golive checklist` command; resolves to the exit code. */
export async function checklistCommand(argv: string[]): Promise<number> {
  return runStackReport(argv, {
    command: "checklist",
    build: buildChecklist,
    json: (items) => items,
    label: (i) => `${i.item.padStart(2)} ${i.title}`,
    summary: (items, failed) => {
      const att = items.filter((i) => i.status === "needs_attention").length;
      return failed.length ? `checklist: ${failed.length} item(s) FAILED, ${att} need attention\n` : `checklist: nothing failed; ${att} item(s) need attention\n`;
    },
  });
}
