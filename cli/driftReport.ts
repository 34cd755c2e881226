/**
 * Pure mapping from a refresh preview (the engine's step events, or the steps of
 * `pulumi preview --refresh --json`) to a typed drift report. No I/O: `golive drift` feeds it what
 * the Automation API streamed, and tests feed it recorded previews.
 *
 * In a refresh preview the "old" state of a step is what Selgeo / Stripe / Secrets Manager hold now
 * (the refreshed state) and the "new" state is what the stack config declares, so for every changed
 * property `actual` = old, `expected` = new. A resource deleted behind Pulumi's back is dropped by
 * the refresh and shows as a `create`.
 */

export const DRIFT_KINDS = [
  "deleted",
  "disabled",
  "events_changed",
  "url_changed",
  "secret_rotated",
  "secret_missing",
  "rule_changed",
  "program_paused",
  "other_change",
  "unmanaged_stripe_endpoint",
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** One drifted property (or one missing / unmanaged object). */
export interface DriftItem {
  kind: DriftKind;
  resource: {
    /** Short type: `selgeo:WebhookEndpoint`, `stripe:WebhookEndpoint`, `selgeo:CommissionRule`, … */
    type: string;
    /** The Pulumi resource name (the key under `selgeo:webhookEndpoints`, …), or the Stripe id. */
    name: string;
    /** The object's id at Selgeo / Stripe, when known. */
    id?: string;
    urn?: string;
  };
  /** The property that differs; absent for `deleted` and `unmanaged_stripe_endpoint`. */
  property?: string;
  /** What the stack declares. */
  expected?: unknown;
  /** What is there now. */
  actual?: unknown;
  /** One line a human can act on. */
  message: string;
}

/** The state half of a step (engine `StepEventStateMetadata` or preview-JSON `oldState`/`newState`). */
interface StepState {
  type?: string;
  urn?: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** A step normalised from either source. */
export interface PreviewStep {
  op: string;
  urn: string;
  type?: string;
  old?: StepState;
  new?: StepState;
  diffs?: string[];
  detailedDiff?: Record<string, unknown>;
  /** The properties that force a replacement (engine `keys`, preview-JSON `replaceReasons`). */
  keys?: string[];
}

/** A step as the engine (`old`/`new`/`diffs`/`keys`) or preview JSON (`oldState`/`newState`/`diffReasons`/`replaceReasons`) spells it. */
interface StepMetadata {
  op?: unknown;
  urn?: unknown;
  type?: string;
  old?: StepState;
  new?: StepState;
  oldState?: StepState;
  newState?: StepState;
  diffs?: string[];
  diffReasons?: string[];
  detailedDiff?: Record<string, unknown>;
  keys?: string[];
  replaceReasons?: string[];
}

/** The engine events normaliseSteps tells apart; only the pre-event carries a planned step. */
interface EngineEvent {
  resourcePreEvent?: { metadata?: StepMetadata };
  resOutputsEvent?: unknown;
  diagnosticEvent?: unknown;
  summaryEvent?: unknown;
  metadata?: StepMetadata;
}

/** Operations that are not drift in a refresh preview. */
const NO_CHANGE_OPS = new Set(["same", "read", "refresh", "discard", "discard-replaced", "import", "remove-pending-replace"]);

/** Properties that only carry bookkeeping, never drift a user would act on. */
const IGNORED_PROPERTIES = new Set(["__provider", "resourceKey", "mode", "adoptId", "secretRotation", "rotationOverlapHours", "programName", "activatedAt"]);

/**
 * Accepts: an array of engine events (`{resourcePreEvent: {metadata}}`, as `stack.preview({onEvent})`
 * or `--event-log` produce), an array of step metadata, or the object `pulumi preview --json` prints
 * (`{steps: [{op, urn, oldState, newState, diffReasons, detailedDiff}]}`).
 */
export function normaliseSteps(input: unknown): PreviewStep[] {
  const list: unknown[] = Array.isArray(input)
    ? input
    : input && typeof input === "object" && Array.isArray((input as { steps?: unknown[] }).steps)
      ? (input as { steps: unknown[] }).steps
      : [];
  const steps: PreviewStep[] = [];
  const seen = new Set<string>();
  for (const raw of list) {
    if (!raw || typeof raw !== "object") continue;
    const r = raw as EngineEvent & StepMetadata;
    // Engine events: only the pre-event carries the planned step (outputs events repeat it).
    const meta = r.resourcePreEvent ? r.resourcePreEvent.metadata : r.resOutputsEvent || r.diagnosticEvent || r.summaryEvent ? undefined : r.metadata ?? r;
    if (!meta || typeof meta !== "object" || typeof meta.op !== "string" || typeof meta.urn !== "string") continue;
    const step: PreviewStep = {
      op: meta.op,
      urn: meta.urn,
      type: meta.type ?? meta.newState?.type ?? meta.oldState?.type,
      old: meta.old ?? meta.oldState,
      new: meta.new ?? meta.newState,
      diffs: meta.diffs ?? meta.diffReasons,
      detailedDiff: meta.detailedDiff,
      keys: meta.keys ?? meta.replaceReasons,
    };
    const key = `${step.op}\u0000${step.urn}`;
    if (seen.has(key)) continue;
    seen.add(key);
    steps.push(step);
  }
  return steps;
}

/** `urn:pulumi:stack::project::pulumi-nodejs:dynamic/selgeo:WebhookEndpoint::orders` → type and name. */
export function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const name = parts.length >= 4 ? parts.slice(3).join("::") : urn;
  const typeChain = parts[2] ?? "";
  const fullType = typeChain.split("$").pop() ?? typeChain;
  return { type: shortType(fullType), name };
}

/** `pulumi-nodejs:dynamic/selgeo:WebhookEndpoint` → `selgeo:WebhookEndpoint`. */
export function shortType(t: string): string {
  const m = /^pulumi-nodejs:dynamic\/(.+)$/.exec(t);
  return m ? m[1] : t;
}

function isEqual(a: unknown, b: unknown, asSet = false): boolean {
  if (asSet && Array.isArray(a) && Array.isArray(b)) {
    return isEqual([...a].map(String).sort(), [...b].map(String).sort());
  }
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** Array properties whose order means nothing (event subscriptions). */
export const SET_PROPERTIES: ReadonlySet<string> = new Set(["events", "enabledEvents", "appliesTo"]);

/**
 * Top-level properties that changed: the engine's own list, else a comparison of the inputs.
 * `ignored` defaults to the bookkeeping properties that are never drift.
 */
export function changedProperties(step: PreviewStep, ignored: ReadonlySet<string> = IGNORED_PROPERTIES): string[] {
  const fromEngine = new Set<string>();
  for (const d of step.diffs ?? []) fromEngine.add(topLevel(d));
  for (const d of Object.keys(step.detailedDiff ?? {})) fromEngine.add(topLevel(d));
  const oldIn = step.old?.inputs ?? {};
  const newIn = step.new?.inputs ?? {};
  const computed = new Set<string>();
  for (const k of new Set([...Object.keys(oldIn), ...Object.keys(newIn)])) {
    if (!isEqual(oldIn[k], newIn[k], SET_PROPERTIES.has(k))) computed.add(k);
  }
  const all = fromEngine.size > 0 ? new Set([...fromEngine, ...computed]) : computed;
  return [...all].filter((k) => !ignored.has(k)).sort();
}

function topLevel(path: string): string {
  return path.split(/[.[]/)[0];
}

function pick(state: StepState | undefined, prop: string): unknown {
  if (!state) return undefined;
  if (state.inputs && prop in state.inputs) return state.inputs[prop];
  return state.outputs?.[prop];
}

/** The kind of one changed property of one resource type. */
export function classify(type: string, property: string, expected: unknown, actual: unknown): DriftKind {
  if (type === "selgeo:CommissionRule") return "rule_changed";
  if (type === "selgeo:ProgramStatus" && property === "status") return actual === "paused" ? "program_paused" : "other_change";
  if (type === "selgeo:WebhookEndpoint" || type === "stripe:WebhookEndpoint") {
    switch (property) {
      case "enabled":
        return actual === false ? "disabled" : "other_change";
      case "status":
        return actual === "disabled" ? "disabled" : "other_change";
      case "events":
      case "enabledEvents":
        return "events_changed";
      case "url":
        return "url_changed";
      case "secretState":
        if (actual === "deleted_from_secrets_manager" || actual === "missing_from_secrets_manager") return "secret_missing";
        if (actual === "rotated_outside_pulumi" || actual === "changed_in_secrets_manager") return "secret_rotated";
        return "other_change";
    }
  }
  if (property === "secretState" || property === "webhookSecretState") {
    if (typeof actual === "string" && /deleted|missing/.test(actual)) return "secret_missing";
    if (typeof actual === "string" && /rotated|changed/.test(actual)) return "secret_rotated";
  }
  return "other_change";
}

function show(v: unknown): string {
  return v === undefined ? "(unset)" : JSON.stringify(v);
}

/** The drift of a refresh preview, one item per changed property or deleted resource. */
export function driftFromSteps(input: unknown): DriftItem[] {
  const items: DriftItem[] = [];
  for (const step of normaliseSteps(input)) {
    if (NO_CHANGE_OPS.has(step.op)) continue;
    const { type: urnType, name } = parseUrn(step.urn);
    const type = step.type ? shortType(step.type) : urnType;
    if (type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:")) continue;
    const resource = { type, name, urn: step.urn, ...(step.old?.id ? { id: step.old.id } : {}) };
    if (step.op === "create") {
      items.push({ kind: "deleted", resource, message: `${type} "${name}" no longer exists; up recreates it` });
      continue;
    }
    if (step.op === "delete" || step.op === "delete-replaced") {
      items.push({ kind: "other_change", resource, message: `${type} "${name}" is in state but no longer declared; up deletes it` });
      continue;
    }
    const props = changedProperties(step);
    if (props.length === 0) {
      items.push({ kind: "other_change", resource, message: `${type} "${name}": ${step.op} planned` });
      continue;
    }
    for (const property of props) {
      const expected = pick(step.new, property);
      const actual = pick(step.old, property);
      const kind = classify(type, property, expected, actual);
      items.push({
        kind,
        resource,
        property,
        expected,
        actual,
        message: `${type} "${name}": ${property} is ${show(actual)}, the stack declares ${show(expected)}`,
      });
    }
  }
  return items;
}

/** The `unmanaged_stripe_endpoint` items: Stripe endpoints at Selgeo's URL that this stack does not manage. */
export function unmanagedStripeEndpoints(
  endpoints: Array<{ id: string; url: string; status?: string }>,
  selgeoWebhookUrl: string | undefined,
  managedIds: Array<string | undefined>,
): DriftItem[] {
  if (!selgeoWebhookUrl) return [];
  const managed = new Set(managedIds.filter((x): x is string => !!x));
  return endpoints
    .filter((e) => e.url === selgeoWebhookUrl && !managed.has(e.id))
    .map((e) => ({
      kind: "unmanaged_stripe_endpoint" as const,
      resource: { type: "stripe:WebhookEndpoint", name: e.id, id: e.id },
      property: "url",
      actual: e.url,
      message: `Stripe endpoint ${e.id} (${e.status ?? "enabled"}) points at Selgeo's webhook URL but no stack manages it: Selgeo receives its events twice or with an unknown secret; delete it in Stripe (or golive drift --remediate --delete-unmanaged)`,
    }));
}

/** Counts per kind, for summaries. */
export function countByKind(items: DriftItem[]): Partial<Record<DriftKind, number>> {
  const out: Partial<Record<DriftKind, number>> = {};
  for (const i of items) out[i.kind] = (out[i.kind] ?? 0) + 1;
  return out;
}
