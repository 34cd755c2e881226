import * as pulumi from "@pulumi/pulumi";
import { givenInputs, refuseImport, runtimeProvider } from "./runtimeProvider";

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
export class CommissionRule extends pulumi.dynamic.Resource {
  declare public readonly ruleId: pulumi.Output<string>;
  declare public readonly percentage: pulumi.Output<number | undefined>;
  declare public readonly livemode: pulumi.Output<boolean>;

  constructor(name: string, args: CommissionRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      commissionRuleProvider,
      name,
      { ...givenInputs(args), percentage: args.percentage, resourceKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`, ruleId: undefined, livemode: undefined },
      refuseImport(opts, "selgeo:CommissionRule", "adoptId: cr_… in selgeo:commissionRules.<name>"),
      "selgeo",
      "CommissionRule",
    );
  }
}
