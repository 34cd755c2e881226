/**
 * What a stack declares for each Selgeo object: the request fields of ../schemas.ts under their
 * camelCase names, plus what only a declaration has (`adoptId`, secret rotation). The stack config
 * (config/schema.ts) and the providers' `check` (../resources) both parse with these, so a value
 * passes preview exactly when Selgeo will take it.
 */
import { z } from "zod";
import {
  COMMISSION_RULE_DEFAULTS,
  COMMISSION_RULE_FIELDS,
  ID_PREFIXES,
  PROGRAM_FIELDS,
  ruleTermsProblems,
  StripeIntegrationUpdate,
  SelgeoEventType,
  WEBHOOK_ENDPOINT_FIELDS,
  WEBHOOK_EVENTS_BOUNDS,
  WebhookEndpointCreate,
} from "../schemas";
import { camelCase, camelCaseMessage, camelCaseShape } from "./camelCase";
import { boundedList, Currency, issueMessage, metadataOf, REQUEST_LIMITS } from "./fields";

/** Metadata key that ties a Selgeo object to the stack resource that manages it. */
export const MANAGED_BY_METADATA_KEY = "golive_resource";

/**
 * Declared metadata: one key fewer than Selgeo allows, because selgeo-golive adds
 * {@link MANAGED_BY_METADATA_KEY} to what it sends; that key itself is refused.
 */
export const DeclaredMetadata = metadataOf(REQUEST_LIMITS.metadataKeys - 1, ` (Selgeo allows ${REQUEST_LIMITS.metadataKeys} and selgeo-golive keeps one)`).superRefine((m, ctx) => {
  if (MANAGED_BY_METADATA_KEY in m) ctx.addIssue({ code: "custom", path: [MANAGED_BY_METADATA_KEY], message: "this key is reserved by selgeo-golive: rename it" });
});

/** `adoptId`: an existing object's id, by its prefix. */
export function adoptIdOf(prefix: string, what: string) {
  return z.string({ error: `adoptId must be ${what} id (${prefix}…)` }).regex(new RegExp(`^${prefix}`), `adoptId must be ${what} id (${prefix}…)`);
}

/** Wire field names a declaration spells in camelCase (for {@link declaredMessage}). */
const RENAMED_FIELDS: ReadonlySet<string> = new Set(
  [COMMISSION_RULE_FIELDS, PROGRAM_FIELDS, WEBHOOK_ENDPOINT_FIELDS, StripeIntegrationUpdate.shape].flatMap((f) => Object.keys(f)).filter((k) => k !== camelCase(k)),
);

/** A request field's issue as a declaration shows it (`hold_period_days is 0–365` → `holdPeriodDays is 0–365`). */
export function declaredMessage(issue: z.core.$ZodIssue): string {
  return camelCaseMessage(issueMessage(issue), RENAMED_FIELDS);
}

/** A declared webhook endpoint (`selgeo:webhookEndpoints.<name>`): `enabled` stands for `status`. */
export const WebhookEndpointDeclaration = WebhookEndpointCreate.pick({ url: true, events: true, description: true }).extend({
  // A declaration's events are a set (check sorts and folds them), so a repeat is no error here.
  events: boundedList(SelgeoEventType, "events", WEBHOOK_EVENTS_BOUNDS),
  enabled: z.boolean({ error: "enabled is true or false" }).optional(),
  metadata: DeclaredMetadata.optional(),
  adoptId: adoptIdOf(ID_PREFIXES.webhookEndpoint, "a Selgeo webhook endpoint").optional(),
  secretRotation: z.number({ error: "secretRotation is a whole number you bump to rotate the secret" }).int("secretRotation is a whole number you bump to rotate the secret").min(0).optional(),
  rotationOverlapHours: z
    .number({ error: "rotationOverlapHours is a number of hours" })
    .min(0)
    .max(REQUEST_LIMITS.rotationOverlapSeconds / 3600, `rotationOverlapHours is at most ${REQUEST_LIMITS.rotationOverlapSeconds / 3600} (a week)`)
    .optional(),
});

/** A declared program (`selgeo:program`); its status is the `ProgramStatus` resource's. */
export const ProgramDeclaration = z.object(PROGRAM_FIELDS).pick({ name: true }).extend({
  description: PROGRAM_FIELDS.description.optional(),
  // Lower case only: Selgeo stores it so, and an upper-case declaration would drift.
  currency: Currency.optional(),
  adoptId: adoptIdOf(ID_PREFIXES.program, "a Selgeo program").optional(),
});

const RULE_FIELDS = camelCaseShape(COMMISSION_RULE_FIELDS);

/** A declared commission rule (`selgeo:commissionRules.<name>`), before the terms check ({@link withRuleTerms}). */
export const CommissionRuleDeclaration = z
  .object(RULE_FIELDS)
  .omit({ metadata: true })
  .partial()
  .required({ type: true })
  .extend({
    name: RULE_FIELDS.name.min(1, "name is not empty (omit it to use the rule's key)").optional(),
    currency: Currency.optional(),
    adoptId: adoptIdOf(ID_PREFIXES.commissionRule, "a Selgeo commission rule").optional(),
  });

/** Adds the rule's terms check (`percentage` iff percentage, `flatAmount` + `currency` iff flat) to a declaration. */
export function withRuleTerms<T extends z.ZodType<{ type: "percentage" | "flat"; percentage?: number; flatAmount?: number; currency?: string }>>(schema: T): T {
  return schema.superRefine((r, ctx) => {
    for (const p of ruleTermsProblems({ type: r.type, percentage: r.percentage, flat_amount: r.flatAmount, currency: r.currency })) {
      ctx.addIssue({ code: "custom", path: [camelCase(p.field)], message: p.message });
    }
  }) as unknown as T;
}

/** What `check` fills in for an omitted rule term: the API's own defaults. */
export const RULE_INPUT_DEFAULTS = {
  basis: RULE_FIELDS.basis.default(COMMISSION_RULE_DEFAULTS.basis),
  holdPeriodDays: RULE_FIELDS.holdPeriodDays.default(COMMISSION_RULE_DEFAULTS.hold_period_days),
  autoApprove: RULE_FIELDS.autoApprove.default(COMMISSION_RULE_DEFAULTS.auto_approve),
  appliesTo: RULE_FIELDS.appliesTo.default([...COMMISSION_RULE_DEFAULTS.applies_to]),
  metadata: DeclaredMetadata.default({}),
};
