/**
 * The logic behind `CommissionRule` (checklist item 6): percentage or flat commissions, gross or net
 * basis, hold period, auto-approval, the Stripe events they apply to, recurring months.
 */
import { z } from "zod";
import { canonicalJson, deriveIdempotencyKey } from "../idempotency";
import { invalidateSnapshots, readCommissionRule } from "../listCache";
import { selgeoClient } from "../providerSettings";
import { type COMMISSION_BASES, type COMMISSION_RULE_TYPES, MODES, type CommissionRule, type CommissionRuleCreate, type Mode } from "../schemas";
import { CommissionRuleDeclaration, MANAGED_BY_METADATA_KEY, RULE_INPUT_DEFAULTS, withRuleTerms } from "../requests/declarations";
import { adoptionChanges, adoptionTargetMissing, isNewAdoption } from "./adoption";
import { checkInputs, createWithKeyChain, dropUndefined, keyedDiff, replacementOf, replacingChanges } from "./common";
import type { CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult } from "./common";

/** Inputs after `check`. Money in integer minor units. */
export interface CommissionRuleInputs {
  resourceKey: string;
  mode: Mode;
  /** The program (`prog_…`) the rule belongs to; a change replaces the rule. */
  programId: string;
  name: string;
  type: (typeof COMMISSION_RULE_TYPES)[number];
  /** 0–100, at most two decimals; only with type percentage. */
  percentage?: number;
  /** Integer minor units (cents), > 0; only with type flat. */
  flatAmount?: number;
  /** ISO currency, lower case; required with type flat. */
  currency?: string;
  basis: (typeof COMMISSION_BASES)[number];
  holdPeriodDays: number;
  autoApprove: boolean;
  appliesTo: string[];
  /** Months of recurring commissions after the first conversion; absent = forever. */
  recurringMonths?: number;
  metadata: Record<string, string>;
  /** Adopt an existing rule (`cr_…`) of the program instead of creating one. */
  adoptId?: string;
  /**
   * Computed by `check` when `adoptId` is new: each field the take-over will change, as
   * `field: <as found> => <as declared>`, so the preview shows it.
   */
  adoptChanges?: string[];
}

export interface CommissionRuleOutputs extends CommissionRuleInputs {
  ruleId: string;
  livemode: boolean;
}


/** The declaration (runtime/src/requests) with what `check` adds: identity, mode, program and the API's defaults. */
const Shape = withRuleTerms(
  CommissionRuleDeclaration.extend({
    resourceKey: z.string().min(1),
    mode: z.enum(MODES),
    programId: z.string().min(1),
    name: CommissionRuleDeclaration.shape.name.unwrap(),
    ...RULE_INPUT_DEFAULTS,
  }),
);

/** Validates a rule; failures name the property and the fix. */
export async function check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
  const { data, failures } = await checkInputs(news, Shape);
  if (!data) return { inputs: news, failures };
  const inputs: CommissionRuleInputs = { ...data, appliesTo: [...new Set(data.appliesTo)].sort() };
  if (failures.length === 0 && isNewAdoption(olds, inputs)) {
    // One direct GET: a miss must not cost a list and a GET.
    const rule = await (await selgeoClient()).findCommissionRule(inputs.programId, inputs.adoptId);
    if (!rule) failures.push(adoptionTargetMissing("commissionRule", inputs.resourceKey, inputs.adoptId, "commission rule", `program ${inputs.programId} in this account's mode`));
    else inputs.adoptChanges = adoptionChanges(fromWire(inputs.resourceKey, rule), inputs, UPDATABLE);
  }
  return { inputs: dropUndefined({ ...inputs }), failures };
}

const UPDATABLE = ["name", "type", "percentage", "flatAmount", "currency", "basis", "holdPeriodDays", "autoApprove", "appliesTo", "recurringMonths", "metadata"] as const;

/** The program and the mode replace; every term of the rule updates in place. */
export async function diff(id: string, olds: Partial<CommissionRuleOutputs>, news: Partial<CommissionRuleInputs>): Promise<DiffResult> {
  const norm = (k: string, v: unknown) => (k === "appliesTo" ? [...new Set((v as string[]) ?? [])].sort() : k === "metadata" ? (v ?? {}) : (v ?? null));
  const changed = UPDATABLE.filter((k) => canonicalJson(norm(k, olds[k])) !== canonicalJson(norm(k, news[k])));
  return keyedDiff(id, news.resourceKey, replacingChanges(olds, news, ["mode", "programId"]), changed);
}

function wireBody(i: CommissionRuleInputs): CommissionRuleCreate {
  return {
    name: i.name,
    type: i.type,
    ...(i.type === "percentage" ? { percentage: i.percentage } : { flat_amount: i.flatAmount, currency: i.currency }),
    basis: i.basis,
    hold_period_days: i.holdPeriodDays,
    auto_approve: i.autoApprove,
    applies_to: i.appliesTo as CommissionRuleCreate["applies_to"],
    recurring_months: i.recurringMonths ?? null,
    metadata: { ...i.metadata, [MANAGED_BY_METADATA_KEY]: i.resourceKey },
  };
}

/** Creates the rule with an idempotency key derived from identity and inputs. */
export async function create(inputs: CommissionRuleInputs): Promise<CreateResult<CommissionRuleOutputs>> {
  invalidateSnapshots();
  const client = (await selgeoClient());
  const body = wireBody(inputs);
  if (inputs.adoptId) {
    const rule = await client.updateCommissionRule(inputs.programId, inputs.adoptId, body);
    return { id: rule.id, outs: toOutputs(inputs, rule) };
  }
  const { object: rule } = await createWithKeyChain({
    what: `commission rule ${inputs.resourceKey}`,
    baseKey: deriveIdempotencyKey(["commission_rule.create", inputs.resourceKey, inputs.programId, canonicalJson(body)]),
    create: (idempotencyKey) => client.createCommissionRule(inputs.programId, body, { idempotencyKey }),
    idOf: (r) => r.id,
    isLive: async (r) => (await client.findCommissionRule(inputs.programId, r.id)) !== undefined,
    // Only a replay can name a deleted object: a fresh create is not read back.
    wasReplayed: (r) => r.replayed,
    avoid: replacementOf(inputs.resourceKey),
  });
  return { id: rule.id, outs: toOutputs(inputs, rule) };
}

/** Reads the rule as Selgeo has it; a deleted rule returns an empty id. */
export async function read(id: string, props: Partial<CommissionRuleOutputs>): Promise<ReadResult<CommissionRuleOutputs, CommissionRuleInputs>> {
  if (!props.programId) return { id: "" };
  const rule = await readCommissionRule(await selgeoClient(), props.programId, id);
  if (!rule) return { id: "" };
  const inputs = dropUndefined({ ...fromWire(props.resourceKey ?? id, rule), adoptId: props.adoptId, adoptChanges: props.adoptChanges });
  return { id: rule.id, props: toOutputs(inputs, rule), inputs };
}

/** Updates the rule's terms in place. */
export async function update(id: string, _olds: CommissionRuleOutputs, news: CommissionRuleInputs): Promise<UpdateResult<CommissionRuleOutputs>> {
  invalidateSnapshots();
  const rule = await (await selgeoClient()).updateCommissionRule(news.programId, id, wireBody(news));
  return { outs: toOutputs(news, rule) };
}

/** Deletes the rule; one already gone counts as deleted. */
export async function remove(id: string, props: Partial<CommissionRuleOutputs>): Promise<void> {
  if (!props.programId) return;
  invalidateSnapshots();
  await (await selgeoClient()).deleteCommissionRule(props.programId, id);
}

function fromWire(resourceKey: string, r: CommissionRule): CommissionRuleInputs {
  const { [MANAGED_BY_METADATA_KEY]: _ours, ...metadata } = r.metadata;
  return dropUndefined({
    resourceKey,
    mode: r.livemode ? "live" : "test",
    programId: r.program,
    name: r.name,
    type: r.type,
    percentage: r.type === "percentage" ? (r.percentage ?? undefined) : undefined,
    flatAmount: r.type === "flat" ? (r.flat_amount ?? undefined) : undefined,
    currency: r.type === "flat" ? (r.currency ?? undefined) : undefined,
    basis: r.basis,
    holdPeriodDays: r.hold_period_days,
    autoApprove: r.auto_approve,
    appliesTo: [...r.applies_to].sort(),
    recurringMonths: r.recurring_months ?? undefined,
    metadata,
  });
}

function toOutputs(inputs: CommissionRuleInputs, r: CommissionRule): CommissionRuleOutputs {
  return dropUndefined({ ...inputs, ruleId: r.id, livemode: r.livemode });
}

