/**
 * What differs between two stacks' effective declarations (the shared declaration merged with each
 * stack file, defaults filled in): one line per config path. Endpoint and rule maps are compared by
 * name and event lists as sets, so order never shows as a difference. Values are printed as the
 * files hold them: an `awssm://` reference stays a reference, a Pulumi secret shows as `[secret]`.
 */
import { COMMISSION_RULE_DEFAULTS, DEFAULT_ROTATION_OVERLAP_SECONDS, STRIPE_WEBHOOK_EVENTS } from "@selgeo-golive/runtime";
import type { ConfigValues } from "./declaration";
import { KNOWN_CONFIG_KEYS } from "./schema";

/** One difference: a config path, each side's value (undefined: not set there). */
export interface StackDifference {
  path: string;
  a: unknown;
  b: unknown;
  /** For a set-valued list: the entries only one side has. */
  onlyInA?: string[];
  onlyInB?: string[];
}

/** Keys a test stack may hold as plain values: shown only when they are references. */
const KEY_PATHS: ReadonlySet<string> = new Set(["selgeo:secretKey", "selgeo:stripeSecretKey"]);

/** Lists whose order means nothing (event subscriptions): compared as sets. */
const SET_PATHS = [/^selgeo:webhookEndpoints\.[^.]+\.events$/, /^selgeo:stripe\.enabledEvents$/, /^selgeo:commissionRules\.[^.]+\.appliesTo$/] as const;

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * The values a stack gets when it leaves a setting out (the providers' and index.ts's defaults), so
 * a stack that writes a default and one that omits it do not differ.
 */
export function withDefaults(values: ConfigValues): ConfigValues {
  const out: ConfigValues = { ...values };
  const mode = out["selgeo:mode"] ?? "test";
  out["selgeo:mode"] = mode;
  out["selgeo:verify"] ??= mode === "live";
  out["selgeo:webhookEndpoints"] ??= {};
  out["selgeo:commissionRules"] ??= {};
  const eachOf = (key: string, fill: (name: string, v: Record<string, unknown>) => Record<string, unknown>) => {
    if (!isMap(out[key])) return;
    out[key] = Object.fromEntries(Object.entries(out[key]).map(([name, v]) => [name, isMap(v) ? fill(name, v) : v]));
  };
  eachOf("selgeo:webhookEndpoints", (_name, ep) => ({ description: "", enabled: true, metadata: {}, secretRotation: 0, rotationOverlapHours: DEFAULT_ROTATION_OVERLAP_SECONDS / 3600, ...ep }));
  eachOf("selgeo:commissionRules", (name, r) => ({
    name,
    // Selgeo's own defaults, as the request schemas apply them.
    basis: COMMISSION_RULE_DEFAULTS.basis,
    holdPeriodDays: COMMISSION_RULE_DEFAULTS.hold_period_days,
    autoApprove: COMMISSION_RULE_DEFAULTS.auto_approve,
    appliesTo: [...COMMISSION_RULE_DEFAULTS.applies_to],
    metadata: {},
    ...r,
  }));
  if (isMap(out["selgeo:program"])) out["selgeo:program"] = { description: "", currency: "usd", ...out["selgeo:program"] };
  if (isMap(out["selgeo:stripe"])) out["selgeo:stripe"] = { enabledEvents: [...STRIPE_WEBHOOK_EVENTS], ...out["selgeo:stripe"] };
  return out;
}

function same(a: unknown, b: unknown): boolean {
  if (isMap(a) && isMap(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same(a[k], b[k]));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
  return a === b;
}

/** Top-level keys in the order the README documents them; unknown ones last, by name. */
function byKnownOrder(p: string, q: string): number {
  const rank = (k: string) => ((KNOWN_CONFIG_KEYS as readonly string[]).includes(k) ? (KNOWN_CONFIG_KEYS as readonly string[]).indexOf(k) : KNOWN_CONFIG_KEYS.length);
  return rank(p) - rank(q) || p.localeCompare(q);
}

/** Every difference between `a` and `b`: settings in their documented order, names within them alphabetically. */
export function diffDeclarations(a: ConfigValues, b: ConfigValues): StackDifference[] {
  const out: StackDifference[] = [];
  const walk = (path: string, x: unknown, y: unknown, depth: number): void => {
    if (isMap(x) && isMap(y) && !isSecret(x) && !isSecret(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort(depth === 0 ? byKnownOrder : undefined);
      for (const k of keys) walk(depth === 0 ? k : `${path}.${k}`, x[k], y[k], depth + 1);
      return;
    }
    if (Array.isArray(x) && Array.isArray(y) && SET_PATHS.some((re) => re.test(path))) {
      const xs = new Set(x.map(String));
      const ys = new Set(y.map(String));
      const onlyInA = [...xs].filter((v) => !ys.has(v));
      const onlyInB = [...ys].filter((v) => !xs.has(v));
      if (onlyInA.length + onlyInB.length > 0) out.push({ path, a: x, b: y, onlyInA, onlyInB });
      return;
    }
    if (!same(x, y)) out.push({ path, a: x, b: y });
  };
  walk("", a, b, 0);
  return out;
}

/** A Pulumi secret as a stack file holds it (`secure: v1:…`): never decrypted here. */
function isSecret(v: unknown): boolean {
  return isMap(v) && Object.keys(v).length === 1 && typeof v.secure === "string";
}

/** A value as one line: a plain key hidden, text as written, a Pulumi secret as `[secret]`, maps and lists as compact JSON. */
export function showValue(v: unknown, path = ""): string {
  if (v === undefined) return "(not set)";
  if (KEY_PATHS.has(path) && typeof v === "string" && !v.startsWith("awssm://") && !v.trim().startsWith("{")) return "[a key, not shown]";
  if (isSecret(v)) return "[secret]";
  if (typeof v === "string") return v === "" ? '""' : v;
  return JSON.stringify(v, (_k, x) => (isSecret(x) ? "[secret]" : x));
}

/** `path: a → b`; a map entry only one stack has says so; an event set lists what each side adds. */
export function formatDifference(d: StackDifference, nameA: string, nameB: string): string {
  if (d.onlyInA || d.onlyInB) {
    const parts = [
      ...(d.onlyInA?.length ? [`only in ${nameA}: ${d.onlyInA.join(", ")}`] : []),
      ...(d.onlyInB?.length ? [`only in ${nameB}: ${d.onlyInB.join(", ")}`] : []),
    ];
    return `${d.path}: ${parts.join("; ")}`;
  }
  const entry = /^selgeo:(webhookEndpoints|commissionRules)\.[^.]+$/.test(d.path);
  if (entry && d.a === undefined) return `${d.path}: only in ${nameB}`;
  if (entry && d.b === undefined) return `${d.path}: only in ${nameA}`;
  return `${d.path}: ${showValue(d.a, d.path)} → ${showValue(d.b, d.path)}`;
}
