/**
 * Fault injection for rehearsing failure handling: injected 429s and 5xx, added latency, and
 * "commit, then drop the response" (the request takes full effect but the client sees a broken
 * connection, the case idempotency keys exist for). Rules live in memory only: a restarted
 * sandbox starts healthy.
 */
import { invalidRequest } from "./errors";

/** Kinds of fault. */
export const FAULT_KINDS = ["status", "latency", "drop_after_commit"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** Statuses a `status` fault may return. */
export const FAULT_STATUSES = [429, 500, 502, 503] as const;

/** An active rule, as listed by `GET /_sandbox/faults`. */
export interface FaultRule {
  kind: FaultKind;
  status?: number;
  retry_after?: number;
  latency_ms?: number;
  method?: string;
  path_prefix?: string;
  /** Matching requests this rule will still hit. */
  remaining: number;
  probability: number;
}

/** The faults to apply to one request, at most one of each kind. */
export interface FaultPlan {
  status?: FaultRule;
  latency?: FaultRule;
  dropAfterCommit?: FaultRule;
}

const RULE_FIELDS = new Set(["kind", "status", "retry_after", "latency_ms", "method", "path_prefix", "count", "probability"]);

/** The active fault rules of one sandbox. */
export class FaultInjector {
  private rules: FaultRule[] = [];

  /** Validates and appends rules from a `POST /_sandbox/faults` body. */
  add(body: Record<string, unknown>): FaultRule[] {
    if (!Array.isArray(body.rules) || body.rules.length === 0) {
      throw invalidRequest("parameter_invalid", "Send {\"rules\":[{\"kind\":\"status\"|\"latency\"|\"drop_after_commit\", ...}]}.", "rules");
    }
    const parsed = body.rules.map((r, i) => parseRule(r, `rules[${i}]`));
    this.rules.push(...parsed);
    return this.list();
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** Active rules (copies). */
  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Picks the faults for a request and uses up one hit of each chosen rule. */
  plan(method: string, path: string): FaultPlan {
    const plan: FaultPlan = {};
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path_prefix && !path.startsWith(rule.path_prefix)) continue;
      const slot = rule.kind === "status" ? "status" : rule.kind === "latency" ? "latency" : "dropAfterCommit";
      if (plan[slot]) continue;
      // A rule that loses the dice roll is not used up: `count` counts faults actually injected.
      if (rule.probability < 1 && Math.random() >= rule.probability) continue;
      rule.remaining -= 1;
      plan[slot] = { ...rule };
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return plan;
  }
}

function parseRule(value: unknown, param: string): FaultRule {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw invalidRequest("parameter_invalid", "Each fault rule must be an object.", param);
  const r = value as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!RULE_FIELDS.has(key)) throw invalidRequest("unknown_parameter", `Unknown fault rule field '${key}'.`, `${param}.${key}`);
  }
  if (!FAULT_KINDS.includes(r.kind as FaultKind)) {
    throw invalidRequest("parameter_invalid", `kind must be one of ${FAULT_KINDS.join(", ")}.`, `${param}.kind`);
  }
  const kind = r.kind as FaultKind;
  const rule: FaultRule = { kind, remaining: 1, probability: 1 };
  if (kind === "status") {
    if (!FAULT_STATUSES.includes(r.status as (typeof FAULT_STATUSES)[number])) {
      throw invalidRequest("parameter_invalid", `status must be one of ${FAULT_STATUSES.join(", ")}.`, `${param}.status`);
    }
    rule.status = r.status as number;
  }
  if (r.retry_after !== undefined) {
    if (!isInt(r.retry_after, 0, 3600)) throw invalidRequest("parameter_invalid", "retry_after must be an integer number of seconds, 0..3600.", `${param}.retry_after`);
    rule.retry_after = r.retry_after as number;
  }
  if (kind === "latency") {
    if (!isInt(r.latency_ms, 0, 60_000)) throw invalidRequest("parameter_invalid", "latency_ms must be an integer, 0..60000.", `${param}.latency_ms`);
    rule.latency_ms = r.latency_ms as number;
  }
  if (r.method !== undefined) {
    if (typeof r.method !== "string") throw invalidRequest("parameter_invalid", "method must be a string such as \"POST\".", `${param}.method`);
    rule.method = r.method.toUpperCase();
  }
  if (r.path_prefix !== undefined) {
    if (typeof r.path_prefix !== "string" || !r.path_prefix.startsWith("/")) {
      throw invalidRequest("parameter_invalid", "path_prefix must be a path starting with '/'.", `${param}.path_prefix`);
    }
    rule.path_prefix = r.path_prefix;
  }
  if (r.count !== undefined) {
    if (!isInt(r.count, 1, 1_000_000)) throw invalidRequest("parameter_invalid", "count must be a positive integer.", `${param}.count`);
    rule.remaining = r.count as number;
  }
  if (r.probability !== undefined) {
    if (typeof r.probability !== "number" || !(r.probability > 0 && r.probability <= 1)) {
      throw invalidRequest("parameter_invalid", "probability must be a number in (0, 1].", `${param}.probability`);
    }
    rule.probability = r.probability;
  }
  return rule;
}

function isInt(v: unknown, min: number, max: number): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}
