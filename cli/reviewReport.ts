/**
 * Pure mapping from a preview (the engine's step and policy events) to a review a person reads:
 * every change in plain words, grouped by the Go-Live Checklist item it belongs to, and the policy
 * pack's results. No I/O: `golive review` feeds it what the Automation API streamed, tests feed it
 * recorded previews.
 *
 * In a plain preview the "old" state of a step is what the last `up` recorded and the "new" state
 * is what the stack now declares, so every line reads old → new. Secret values are never shown:
 * a secret that changes "rotates".
 */
import { keyPrefix } from "@selgeo-golive/runtime";
import { changedProperties, normaliseSteps, parseUrn, shortType, type PreviewStep } from "./driftReport";

/** The Go-Live Checklist, numbered as Selgeo publishes it (the numbers `golive checklist` and the README use). */
export const CHECKLIST_ITEMS = [
  { item: 1, title: "Swap test keys for live keys" },
  { item: 2, title: "Verify Stripe live connection" },
  { item: 3, title: "Remove test data" },
  { item: 4, title: "Verify webhook endpoints" },
  { item: 5, title: "Review rate limits" },
  { item: 6, title: "Review commission rules" },
  { item: 7, title: "Test the full flow" },
  { item: 8, title: "Enable the program" },
] as const;
export type ChecklistItem = (typeof CHECKLIST_ITEMS)[number]["item"];

/** What happens to a resource. */
export const CHANGE_OPS = ["create", "update", "replace", "delete"] as const;
export type ChangeOp = (typeof CHANGE_OPS)[number];

/** One line of the review: one resource's change, or one property of it. */
export interface ReviewChange {
  item: ChecklistItem;
  op: ChangeOp;
  resource: { type: string; name: string; urn: string };
  /** The property this line is about, when it is about one. */
  property?: string;
  /** Plain words, e.g. `webhook endpoint orders will stop receiving conversion.created`. */
  text: string;
}

/** One policy result (a violation reported by the policy pack). */
export interface PolicyResult {
  enforcement: "mandatory" | "advisory";
  policy: string;
  pack: string;
  /** The checklist item the policy guards. */
  item: ChecklistItem;
  resource?: { type: string; name: string };
  message: string;
}

/** Where the stack's keys come from (checklist item 1): references and sources, never values. */
export interface KeySource {
  /** `selgeo:secretKey`, `selgeo:stripeSecretKey`, `selgeo:publishableKey`. */
  key: string;
  /** `awssm://…`, `the stack config, encrypted`, `the environment (SELGEO_SECRET_KEY)`, `pk_live_…`. */
  source: string;
}

/** The whole review of one preview. */
export interface Review {
  stack: string;
  /** `selgeo:mode`, when the stack config was read. */
  mode?: string;
  keys: KeySource[];
  /** Resources per operation. */
  counts: Record<ChangeOp, number>;
  hasChanges: boolean;
  /** At least one mandatory policy violation: `up` would be refused. */
  blocked: boolean;
  changes: ReviewChange[];
  policies: PolicyResult[];
}

/** The policies of policy/policies.ts and the checklist item each guards. */
export const POLICY_ITEMS: Readonly<Record<string, ChecklistItem>> = {
  "selgeo-key-modes": 1,
  "selgeo-stripe-events": 2,
  "selgeo-live-webhook-urls": 4,
  "selgeo-recommended-events": 4,
  "selgeo-expected-traffic": 5,
  "selgeo-commission-amounts": 6,
  "selgeo-commission-hold-period": 6,
  "selgeo-commission-net-basis": 6,
  "selgeo-program-activation": 8,
};

/** Resource types → how a reviewer calls them and the checklist item they belong to. */
const RESOURCES: Readonly<Record<string, { label: string; item: ChecklistItem; order: number }>> = {
  "stripe:WebhookEndpoint": { label: "Stripe webhook endpoint", item: 2, order: 1 },
  "selgeo:StripeIntegration": { label: "Selgeo's Stripe integration", item: 2, order: 2 },
  "selgeo:WebhookEndpoint": { label: "webhook endpoint", item: 4, order: 3 },
  "selgeo:CommissionRule": { label: "commission rule", item: 6, order: 4 },
  "selgeo:Program": { label: "program", item: 8, order: 5 },
  "selgeo:GoLiveVerification": { label: "go-live verification", item: 8, order: 6 },
  "selgeo:ProgramStatus": { label: "program status", item: 8, order: 7 },
};

/** Bookkeeping inputs a reviewer never needs to read. */
const IGNORED = new Set(["__provider", "resourceKey", "programName", "activatedAt", "verifiedAt", "checks"]);

/** The engine's placeholder for a value only known after `up`. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Values shaped like a key or signing secret, or masked by the engine. */
const SECRET_VALUE = /^(\[secret\]|whsec_|sk_|rk_|pk_)/;
/** Properties whose values are secrets or point at one; only "rotates" is ever said about them. */
const SECRET_PROPERTY = /secret|key|token|password/i;
const NOT_SECRET = new Set(["secretRotation", "rotationOverlapHours", "secretState", "webhookSecretState"]);

const isSecretProperty = (p: string): boolean => SECRET_PROPERTY.test(p) && !NOT_SECRET.has(p);

/** A value in words; secrets never. */
export function say(v: unknown): string {
  if (v === undefined || v === null) return "(none)";
  if (v === UNKNOWN) return "(known after up)";
  if (typeof v === "string") return SECRET_VALUE.test(v) ? "(secret)" : JSON.stringify(v);
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  if (Array.isArray(v)) return v.length === 0 ? "(none)" : v.map((x) => (typeof x === "string" && !SECRET_VALUE.test(x) ? x : say(x))).join(", ");
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    return entries.length === 0 ? "(none)" : entries.map(([k, x]) => `${k}=${say(x)}`).join(", ");
  }
  return String(v);
}

/** Set difference of two event lists (order never matters for subscriptions). */
export function setDiff(before: unknown, after: unknown): { added: string[]; removed: string[] } {
  const a = new Set(Array.isArray(before) ? before.map(String) : []);
  const b = new Set(Array.isArray(after) ? after.map(String) : []);
  return { added: [...b].filter((x) => !a.has(x)).sort(), removed: [...a].filter((x) => !b.has(x)).sort() };
}

/** Currencies without minor units (ISO 4217 exponent 0) among those Stripe supports. */
const ZERO_DECIMAL = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]);

/** Integer minor units in words: 1500 usd → `15.00 USD`. */
export function money(minor: unknown, currency: unknown): string {
  if (typeof minor !== "number") return say(minor);
  const cur = typeof currency === "string" && currency !== UNKNOWN ? currency : "";
  const digits = ZERO_DECIMAL.has(cur.toLowerCase()) ? 0 : 2;
  const amount = (minor / 10 ** digits).toFixed(digits);
  return cur ? `${amount} ${cur.toUpperCase()}` : `${amount} (currency unset)`;
}

const onOff = (v: unknown): string => (v === true ? "on" : v === false ? "off" : say(v));
const months = (v: unknown): string => (v === undefined || v === null ? "forever" : typeof v === "number" ? `${v} month${v === 1 ? "" : "s"}` : say(v));

/** A commission rule in one phrase: `percentage 20 % of gross, hold 30 days, manual approval, for 12 months`. */
export function describeRule(i: Record<string, unknown>): string {
  const amount = i.type === "flat" ? `flat ${money(i.flatAmount, i.currency)}` : `percentage ${say(i.percentage)} %`;
  const parts = [`${amount} of ${typeof i.basis === "string" ? i.basis : "gross"}`];
  if (i.holdPeriodDays !== undefined) parts.push(`hold ${say(i.holdPeriodDays)} days`);
  parts.push(i.autoApprove === true ? "auto-approved" : "manual approval");
  parts.push(i.recurringMonths === undefined || i.recurringMonths === null ? "recurring forever" : `recurring ${months(i.recurringMonths)}`);
  if (Array.isArray(i.appliesTo) && i.appliesTo.length > 0) parts.push(`on ${say(i.appliesTo)}`);
  return parts.join(", ");
}

function statusWords(s: unknown): string {
  switch (s) {
    case "active":
      return "active (goes live)";
    case "paused":
      return "paused (no longer live)";
    case "draft":
      return "draft (not live)";
    default:
      return say(s);
  }
}

type Inputs = Record<string, unknown>;

/** One property's change in words, for a resource of the given type called `who`. */
function propertyLines(type: string, who: string, prop: string, before: Inputs, after: Inputs): string[] {
  const o = before[prop];
  const n = after[prop];
  if (isSecretProperty(prop)) return [`${who}: ${prop} rotates`];
  switch (`${type}.${prop}`) {
    case "selgeo:WebhookEndpoint.events":
    case "stripe:WebhookEndpoint.enabledEvents": {
      const { added, removed } = setDiff(o, n);
      const [start, stop] = type === "stripe:WebhookEndpoint" ? ["will start sending", "will stop sending"] : ["will start receiving", "will stop receiving"];
      return [...added.map((e) => `${who} ${start} ${e}`), ...removed.map((e) => `${who} ${stop} ${e}`)];
    }
    case "selgeo:CommissionRule.appliesTo": {
      const { added, removed } = setDiff(o, n);
      if (added.length + removed.length === 0) return [`${who}: applies to ${say(o)} → ${say(n)}`];
      return [...added.map((e) => `${who} will start applying to ${e}`), ...removed.map((e) => `${who} will stop applying to ${e}`)];
    }
    case "selgeo:WebhookEndpoint.url":
    case "stripe:WebhookEndpoint.url":
      return [`${who} will move from ${say(o)} to ${say(n)}`];
    case "selgeo:WebhookEndpoint.enabled":
    case "stripe:WebhookEndpoint.enabled":
      return [n === false ? `${who} will be disabled (no more deliveries)` : `${who} will be enabled (deliveries resume)`];
    case "selgeo:WebhookEndpoint.secretRotation":
      return [`${who}: signing secret rotates (the previous one keeps signing for ${say(after.rotationOverlapHours ?? 24)} h)`];
    case "selgeo:WebhookEndpoint.rotationOverlapHours":
      return [`${who}: rotation overlap ${say(o ?? 24)} → ${say(n ?? 24)} h`];
    case "selgeo:CommissionRule.percentage":
      return [`${who}: percentage ${say(o)} % → ${say(n)} %`];
    case "selgeo:CommissionRule.flatAmount":
      return [`${who}: flat amount ${money(o, before.currency)} → ${money(n, after.currency)}`];
    case "selgeo:CommissionRule.holdPeriodDays":
      return [`${who}: hold period ${say(o)} → ${say(n)} days`];
    case "selgeo:CommissionRule.autoApprove":
      return [`${who}: auto-approval ${onOff(o)} → ${onOff(n)}`];
    case "selgeo:CommissionRule.recurringMonths":
      return [`${who}: recurring ${months(o)} → ${months(n)}`];
    case "selgeo:ProgramStatus.status":
      return [`program status ${say(o).replace(/"/g, "")} → ${statusWords(n)}`];
    case "selgeo:GoLiveVerification.fingerprint":
    case "selgeo:GoLiveVerification.endpoints":
    case "selgeo:GoLiveVerification.stripeEndpointId":
      return [`${who} runs again before the program status is applied (pings, forged signature, stored secrets, Stripe test event)`];
  }
  return [`${who}: ${prop} ${say(o)} → ${say(n)}`];
}

/** What a reviewer reads for a resource that is created. */
function createLine(type: string, who: string, i: Inputs): string {
  switch (type) {
    case "selgeo:WebhookEndpoint":
      return `${who} will be created at ${say(i.url)}, receiving ${say(i.events)}${i.enabled === false ? " (disabled)" : ""}; its signing secret goes to Secrets Manager`;
    case "stripe:WebhookEndpoint":
      return `${who} will be created at Selgeo's webhook URL, sending ${say(i.enabledEvents ?? ["checkout.session.completed", "invoice.paid", "charge.refunded"])}; its signing secret goes to Secrets Manager and to Selgeo`;
    case "selgeo:StripeIntegration":
      return `${who} will be connected${typeof i.accountId === "string" ? ` to ${i.accountId}` : " to the Stripe key's account"} and given the Stripe endpoint's signing secret`;
    case "selgeo:CommissionRule":
      return `${who} will be created: ${describeRule(i)}`;
    case "selgeo:Program":
      return `${who} will be created in draft (${say(i.currency ?? "usd").replace(/"/g, "")})`;
    case "selgeo:ProgramStatus":
      return `program status → ${statusWords(i.status)}`;
    case "selgeo:GoLiveVerification":
      return `${who} will run before the program status is applied (pings, forged signature, stored secrets, Stripe test event)`;
  }
  return `${who} will be created`;
}

function deleteLine(type: string, who: string, i: Inputs): string {
  switch (type) {
    case "selgeo:WebhookEndpoint":
      return `${who} will be deleted: ${say(i.url)} stops receiving ${say(i.events)}`;
    case "selgeo:Program":
      return `${who} will be archived (Selgeo keeps programs)`;
    case "selgeo:ProgramStatus":
      return `program status is no longer managed (stays ${say(i.status).replace(/"/g, "")})`;
  }
  return `${who} will be deleted`;
}

/** Who a line is about: `webhook endpoint orders`, `program "Acme Partners"`. */
function who(type: string, name: string, i: Inputs): string {
  const r = RESOURCES[type];
  if (!r) return `${type} ${name}`;
  if (type === "selgeo:Program") return `program ${say(i.name ?? name)}`;
  if (type === "stripe:WebhookEndpoint" || type === "selgeo:StripeIntegration" || type === "selgeo:GoLiveVerification") return r.label;
  return `${r.label} ${name}`;
}

const opOf = (op: string): ChangeOp | undefined =>
  op === "create" ? "create" : op === "update" ? "update" : op === "replace" ? "replace" : op === "delete" ? "delete" : undefined;

/** The review lines of one step (none for steps that change nothing). */
function stepChanges(step: PreviewStep): ReviewChange[] {
  const op = opOf(step.op);
  if (!op) return [];
  const parsed = parseUrn(step.urn);
  const type = step.type ? shortType(step.type) : parsed.type;
  if (type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:")) return [];
  const resource = { type, name: parsed.name, urn: step.urn };
  const item = RESOURCES[type]?.item ?? 8;
  const before = step.old?.inputs ?? {};
  const after = step.new?.inputs ?? {};
  const w = who(type, parsed.name, op === "delete" ? before : after);
  const line = (text: string, property?: string, at: ChecklistItem = item): ReviewChange => ({ item: at, op, resource, ...(property ? { property } : {}), text });
  if (op === "create") return [line(createLine(type, w, after))];
  if (op === "delete") return [line(deleteLine(type, w, before))];
  const props = changedProperties(step, IGNORED);
  const out: ReviewChange[] = [];
  if (op === "replace") {
    const why = (step.keys ?? []).map((k) => k.split(/[.[]/)[0]).filter((k) => !IGNORED.has(k));
    const what = type === "selgeo:WebhookEndpoint" || type === "stripe:WebhookEndpoint" ? " (a new id and a new signing secret)" : "";
    out.push(line(`${w} will be replaced${what}${why.length > 0 ? ` because ${[...new Set(why)].join(", ")} changed` : ""}`));
  }
  for (const p of props) {
    // A mode change is checklist item 1 whatever the resource.
    if (p === "mode") out.push(line(`${w}: ${say(before.mode).replace(/"/g, "")} mode → ${say(after.mode).replace(/"/g, "")} mode`, p, 1));
    else if (p === "programId") out.push(line(`${w} moves to another program`, p));
    else for (const t of propertyLines(type, w, p, before, after)) out.push(line(t, p));
  }
  // GoLiveVerification's inputs change together; one line says it all.
  const seen = new Set<string>();
  const unique = out.filter((c) => (seen.has(c.text) ? false : (seen.add(c.text), true)));
  if (unique.length === 0) unique.push(line(`${w} will be ${op === "replace" ? "replaced" : "updated"}`));
  return unique;
}

/** The fields of an engine `policyEvent` (or a bare one) that a review reads. */
interface PolicyEventFields {
  policyName?: unknown;
  resourceUrn?: unknown;
  enforcementLevel?: unknown;
  policyPackName?: string;
  message?: unknown;
}

/** A policy event (engine `policyEvent`) as a result; undefined for anything else. */
function policyResult(e: PolicyEventFields & { policyEvent?: PolicyEventFields }): PolicyResult | undefined {
  const p = e.policyEvent ?? (typeof e.policyName === "string" ? e : undefined);
  if (!p || typeof p.policyName !== "string") return undefined;
  const resource = typeof p.resourceUrn === "string" && p.resourceUrn ? parseUrn(p.resourceUrn) : undefined;
  return {
    enforcement: p.enforcementLevel === "mandatory" ? "mandatory" : "advisory",
    policy: p.policyName,
    pack: p.policyPackName ?? "",
    item: POLICY_ITEMS[p.policyName] ?? 8,
    ...(resource ? { resource } : {}),
    message: String(p.message ?? "").replace(/\s+/g, " ").trim(),
  };
}

/** A stack's config as the Automation API returns it (`stack.getAllConfig()`). */
export type StackConfig = Record<string, { value: string; secret?: boolean } | undefined>;

const KEY_ENV: Readonly<Record<string, string>> = {
  "selgeo:secretKey": "SELGEO_SECRET_KEY",
  "selgeo:stripeSecretKey": "STRIPE_SECRET_KEY",
};

/** Where each key comes from, in words that never contain a key. */
export function keySources(config: StackConfig): KeySource[] {
  const out: KeySource[] = [];
  for (const key of ["selgeo:secretKey", "selgeo:stripeSecretKey", "selgeo:publishableKey"]) {
    const c = config[key];
    let source: string;
    if (!c) {
      if (key === "selgeo:publishableKey") continue;
      if (key === "selgeo:stripeSecretKey" && !config["selgeo:stripe"]) continue;
      source = `the environment (${KEY_ENV[key]})`;
    } else if (c.secret) source = "the stack config, encrypted";
    else if (/^awssm:\/\//.test(c.value)) source = c.value;
    else if (/^\s*\{/.test(c.value)) source = "a Secrets Manager reference";
    else {
      const prefix = keyPrefix(c.value)?.prefix;
      source = key === "selgeo:publishableKey" && prefix ? `${prefix}…` : "the stack config, in plain text";
    }
    out.push({ key, source });
  }
  return out;
}

const typeOrder = (t: string): number => RESOURCES[t]?.order ?? 99;

/**
 * The review of a preview: `events` is what `stack.preview({onEvent})` streamed (or recorded
 * step metadata and policy events, or `pulumi preview --json` output).
 */
export function reviewFromEvents(stack: string, events: unknown, config: StackConfig = {}): Review {
  const list = Array.isArray(events) ? events : [];
  const changes = normaliseSteps(events).flatMap(stepChanges);
  changes.sort(
    (a, b) =>
      a.item - b.item ||
      typeOrder(a.resource.type) - typeOrder(b.resource.type) ||
      a.resource.name.localeCompare(b.resource.name) ||
      CHANGE_OPS.indexOf(a.op) - CHANGE_OPS.indexOf(b.op) ||
      a.text.localeCompare(b.text),
  );
  const policies: PolicyResult[] = [];
  const seen = new Set<string>();
  for (const e of list) {
    if (!e || typeof e !== "object") continue;
    const r = policyResult(e);
    if (!r) continue;
    const key = JSON.stringify(r);
    if (seen.has(key)) continue;
    seen.add(key);
    policies.push(r);
  }
  policies.sort(
    (a, b) =>
      Number(a.enforcement !== "mandatory") - Number(b.enforcement !== "mandatory") ||
      a.item - b.item ||
      a.policy.localeCompare(b.policy) ||
      (a.resource?.name ?? "").localeCompare(b.resource?.name ?? "") ||
      a.message.localeCompare(b.message),
  );
  const counts: Record<ChangeOp, number> = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const urn of new Set(changes.map((c) => `${c.op}\u0000${c.resource.urn}`))) counts[urn.split("\u0000")[0] as ChangeOp]++;
  const mode = config["selgeo:mode"]?.value;
  return {
    stack,
    ...(typeof mode === "string" ? { mode } : {}),
    keys: config["selgeo:mode"] ? keySources(config) : [],
    counts,
    hasChanges: changes.length > 0,
    blocked: policies.some((p) => p.enforcement === "mandatory"),
    changes,
    policies,
  };
}

/** `golive review`'s exit code: 1 when a mandatory policy fails, else 2 with changes, 0 without. */
export function reviewExitCode(r: Review): 0 | 1 | 2 {
  if (r.blocked) return 1;
  return r.hasChanges ? 2 : 0;
}

/** GitHub refuses comments over 65 536 characters; stay well under. */
export const MARKDOWN_LIMIT = 64_000;

/** Marks the comment so a workflow can find and update it instead of adding another. */
export const commentMarker = (stack: string): string => `<!-- golive-review stack=${stack} -->`;

function summary(r: Review): string {
  const parts = CHANGE_OPS.filter((op) => r.counts[op] > 0).map((op) => `${r.counts[op]} to ${op}`);
  return parts.length > 0 ? parts.join(", ") : "no changes";
}

function policySummary(r: Review): string {
  const m = r.policies.filter((p) => p.enforcement === "mandatory").length;
  const a = r.policies.length - m;
  if (r.policies.length === 0) return "policy pack: no violations";
  const parts = [m > 0 ? `${m} mandatory violation${m === 1 ? "" : "s"}` : "", a > 0 ? `${a} advisory result${a === 1 ? "" : "s"}` : ""];
  return `policy pack: ${parts.filter(Boolean).join(", ")}`;
}

/** Escapes text for Markdown (event names have underscores, URLs and messages have anything). */
export function md(s: string): string {
  return s.replace(/([\\`*_[\]<>|#])/g, "\\$1");
}

/** Plain text, for a terminal. */
export function formatText(r: Review): string {
  const lines = [`review of stack ${r.stack}: ${summary(r)}; ${policySummary(r)}${r.blocked ? " (up would be refused)" : ""}`];
  if (r.mode) lines.push(`mode ${r.mode}; keys: ${r.keys.map((k) => `${k.key} from ${k.source}`).join(", ") || "none declared"}`);
  if (r.policies.length > 0) {
    lines.push("", "policy results:");
    for (const p of r.policies) lines.push(`  [${p.enforcement}] ${p.policy} (checklist ${p.item}): ${p.message}`);
  }
  for (const { item, title } of CHECKLIST_ITEMS) {
    const cs = r.changes.filter((c) => c.item === item);
    if (cs.length === 0) continue;
    lines.push("", `${item} ${title}:`);
    for (const c of cs) lines.push(`  ${c.op === "update" ? "~" : c.op === "create" ? "+" : c.op === "delete" ? "-" : "+-"} ${c.text}`);
  }
  const untouched = CHECKLIST_ITEMS.filter(({ item }) => !r.changes.some((c) => c.item === item)).map(({ item }) => item);
  if (r.hasChanges && untouched.length > 0) lines.push("", `no resource changes under checklist item${untouched.length === 1 ? "" : "s"} ${untouched.join(", ")}`);
  return lines.join("\n") + "\n";
}

/**
 * Markdown for a pull-request comment: the summary, the policy results (mandatory first), then the
 * changes by checklist item. Over `limit` characters, change lines (then advisory results) are cut
 * from the end and a line says how many.
 */
export function formatMarkdown(r: Review, limit = MARKDOWN_LIMIT): string {
  const icon = r.blocked ? "⛔" : r.hasChanges ? "📝" : "✅";
  const head = [
    commentMarker(r.stack),
    `### ${icon} golive review: stack \`${r.stack}\``,
    "",
    `**${summary(r)}** · ${policySummary(r)}${r.blocked ? " · **`up` would be refused**" : ""}`,
    ...(r.mode ? ["", `Mode **${md(r.mode)}**; keys: ${r.keys.map((k) => `\`${k.key}\` from ${/^(awssm:|pk_|sk_|rk_)/.test(k.source) ? `\`${k.source}\`` : md(k.source)}`).join(", ") || "none declared"}.`] : []),
  ];
  type Entry = { text: string; cut: 0 | 1 | 2; section: string };
  const entries: Entry[] = [];
  const mandatory = r.policies.filter((p) => p.enforcement === "mandatory");
  const advisory = r.policies.filter((p) => p.enforcement === "advisory");
  const policyLine = (p: PolicyResult) => `- **${p.enforcement}** \`${p.policy}\` (checklist ${p.item}): ${md(p.message)}`;
  for (const p of mandatory) entries.push({ text: policyLine(p), cut: 0, section: "#### Policy results" });
  for (const p of advisory) entries.push({ text: policyLine(p), cut: 1, section: "#### Policy results" });
  for (const { item, title } of CHECKLIST_ITEMS) {
    for (const c of r.changes.filter((x) => x.item === item)) entries.push({ text: `- ${md(c.text)}`, cut: 2, section: `#### ${item}. ${title}` });
  }
  const untouched = CHECKLIST_ITEMS.filter(({ item }) => !r.changes.some((c) => c.item === item)).map(({ item }) => item);
  const tail = r.hasChanges && untouched.length > 0 ? ["", `_No resource changes under checklist item${untouched.length === 1 ? "" : "s"} ${untouched.join(", ")}._`] : [];

  const render = (kept: Entry[], cutNote: string[]): string => {
    const out = [...head];
    let section = "";
    for (const e of kept) {
      if (e.section !== section) {
        out.push("", e.section, "");
        section = e.section;
      }
      out.push(e.text);
    }
    return [...out, ...tail, ...cutNote].join("\n") + "\n";
  };
  let kept = entries;
  let text = render(kept, []);
  if (text.length <= limit) return text;
  // Cut the least important lines first: changes from the end, then advisory results.
  const order = entries.map((e, i) => ({ e, i })).sort((a, b) => b.e.cut - a.e.cut || b.i - a.i);
  const dropped = new Set<number>();
  // Render only once the estimate fits: a long review has thousands of lines.
  let estimate = text.length + 300;
  for (const { e, i } of order) {
    dropped.add(i);
    estimate -= e.text.length + 1;
    if (estimate > limit) continue;
    kept = entries.filter((_, j) => !dropped.has(j));
    const changes = [...dropped].filter((j) => entries[j].cut === 2).length;
    const results = dropped.size - changes;
    const what = [changes > 0 ? `${changes} change line${changes === 1 ? "" : "s"}` : "", results > 0 ? `${results} policy result${results === 1 ? "" : "s"}` : ""].filter(Boolean).join(" and ");
    const note = ["", `_✂️ ${what} cut to fit a pull-request comment (${limit} characters); run \`golive review --stack ${r.stack}\` for the whole review._`];
    text = render(kept, note);
    if (text.length <= limit) return text;
  }
  return text.slice(0, limit);
}

/** The review as one JSON document, checklist items in order. */
export function formatJson(r: Review): string {
  return (
    JSON.stringify(
      {
        stack: r.stack,
        mode: r.mode ?? null,
        keys: r.keys,
        hasChanges: r.hasChanges,
        blocked: r.blocked,
        counts: r.counts,
        policies: r.policies,
        items: CHECKLIST_ITEMS.map(({ item, title }) => ({ item, title, changes: r.changes.filter((c) => c.item === item) })),
      },
      null,
      2,
    ) + "\n"
  );
}
