import * as pulumi from "@pulumi/pulumi";
import type { commissionRule } from "@selgeo-golive/runtime";
import { runtimeProvider } from "./runtimeProvider";
import { runtimeResource } from "./runtimeResource";

/** Inputs of a commission rule (checklist item 6). Money in integer minor units. */
export interface CommissionRuleArgs {
  mode: pulumi.Input<"test" | "live">;
  /** The program (`prog_…`); a change replaces the rule. */
  programId: pulumi.Input<string>;
  name: pulumi.Input<string>;
  type: pulumi.Input<"percentage" | "flat">;
  /** 0–100, at most two decimals (percentage rules). */
  percentage?: pulumi.Input<number>;
  /** Minor units, e.g. 1500 = $15.00 (flat rules). */
  flatAmount?: pulumi.Input<number>;
  /** Lower-case ISO code (flat rules). */
  currency?: pulumi.Input<string>;
  /** `net` = after Stripe fees; needs fee data from the Stripe account. Default `gross`. */
  basis?: pulumi.Input<"gross" | "net">;
  /** Days a commission waits before it can be approved. Default 30. */
  holdPeriodDays?: pulumi.Input<number>;
  autoApprove?: pulumi.Input<boolean>;
  /** Stripe events the rule earns on. Default both checkout.session.completed and invoice.paid. */
  appliesTo?: pulumi.Input<pulumi.Input<string>[]>;
  /** Months of recurring commissions; omit for forever. */
  recurringMonths?: pulumi.Input<number>;
  metadata?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Adopt an existing rule (`cr_…`) instead of creating one. */
  adoptId?: pulumi.Input<string>;
}

/** The dynamic provider (logic in @selgeo-golive/runtime). */
export const commissionRuleProvider: pulumi.dynamic.ResourceProvider = runtimeProvider("commissionRule");

/** A commission rule of a Selgeo program. */
export const CommissionRule = runtimeResource<CommissionRuleArgs, commissionRule.CommissionRuleOutputs>()({
  provider: commissionRuleProvider,
  type: "selgeo:CommissionRule",
  outputs: ["ruleId", "percentage", "livemode"],
  keyed: true,
  adoptWith: "adoptId: cr_… in selgeo:commissionRules.<name>",
});
/** An instance of {@link CommissionRule}. */
export type CommissionRule = InstanceType<typeof CommissionRule>;
