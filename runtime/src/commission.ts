/**
 * Commission maths: pure functions, no I/O, no clock. Money is integer minor units (cents) and
 * times are unix seconds, so the same inputs always give the same commission in the sandbox,
 * in a provider's preview and in a merchant's own reconciliation.
 *
 * Rounding: a percentage of an amount is rounded half-up to the minor unit (0.5 cent → 1 cent),
 * computed exactly on integers (BigInt), never on floats: 12.5% of 1,999 is 249.875 → 250, and
 * 10% of 5 is 0.5 → 1. A refund's share of a commission is rounded the same way.
 *
 * Status model of a commission (see COMMISSION_STATUSES):
 *   pending            in its hold period (`available_on` in the future), or past it and waiting
 *                      for a manual approval (auto_approve false);
 *   needs_review       cannot be trusted automatically (net basis without fee data, fraud
 *                      suspected); a person approves or rejects it;
 *   approved           payable; reached by a manual approval, or automatically when the hold
 *                      ends (immediately for hold 0) if the rule auto-approves;
 *   rejected           final; never refunded or approved afterwards;
 *   partially_refunded part of the sale was refunded: `refunded_amount` < `amount`;
 *   refunded           the whole sale was refunded: `refunded_amount` = `amount`.
 */
import type { CommissionBasis, CommissionRuleType, CommissionStatus } from "./schemas";

/** Seconds in a day: hold periods are whole days of 86,400 s (no calendar/DST semantics). */
export const SECONDS_PER_DAY = 86_400;

/** The parts of a commission rule the maths needs (a wire `CommissionRule` fits). */
export interface CommissionTerms {
  type: CommissionRuleType;
  /** 0–100, at most 2 decimals; for `percentage` rules. */
  percentage?: number | null;
  /** Integer minor units; for `flat` rules. */
  flat_amount?: number | null;
  /** Currency of `flat_amount`. */
  currency?: string | null;
  basis: CommissionBasis;
  hold_period_days: number;
  auto_approve: boolean;
}

/** Input of {@link computeCommission}. */
export interface CommissionInput {
  rule: CommissionTerms;
  /** The sale, gross, minor units. */
  amount: number;
  /** The processor (Stripe) fee in minor units; null/undefined = unknown. */
  fee?: number | null;
  /** Currency of `amount`. */
  currency: string;
  /** When the commission is created (unix seconds); the hold counts from here. Default 0. */
  created?: number;
}

/** Result of {@link computeCommission}. */
export interface CommissionComputation {
  /** Commission in minor units of `currency`; 0 when there is none. */
  amount: number;
  /** The initial status; null means "no commission" (see `reason`). */
  status: CommissionStatus | null;
  /** The sale amount the percentage was applied to (gross, or gross − fee); null for flat rules. */
  base_amount: number | null;
  /** End of the hold (created + hold days), or null when there is no commission. */
  available_on: number | null;
  /** Why there is no commission, or why it needs review. */
  reason: string | null;
}

/** `round(numerator / denominator)` half-up, for non-negative integers, exactly. */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError("denominator must be positive");
  if (numerator < 0n) throw new RangeError("numerator must be non-negative");
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/** `percentage`% of `amount`, rounded half-up to the minor unit. `percentage` has ≤ 2 decimals. */
export function percentageOf(amount: number, percentage: number): number {
  assertMinorUnits(amount, "amount");
  if (!(percentage >= 0 && percentage <= 100)) throw new RangeError(`percentage must be 0–100, got ${percentage}`);
  // Hundredths of a percent as an integer: 12.5 → 1250. Math.round absorbs binary noise (0.07*100).
  const basisPoints100 = BigInt(Math.round(percentage * 100));
  return Number(divideRoundHalfUp(BigInt(amount) * basisPoints100, 10_000n));
}

/**
 * The commission a rule earns on a sale, and its initial status. See the module comment for the
 * status model and rounding.
 */
export function computeCommission(input: CommissionInput): CommissionComputation {
  const { rule, amount, currency } = input;
  const fee = input.fee ?? null;
  const created = input.created ?? 0;
  assertMinorUnits(amount, "amount");
  if (fee !== null) assertMinorUnits(fee, "fee");
  const none = (reason: string): CommissionComputation => ({ amount: 0, status: null, base_amount: null, available_on: null, reason });

  let value: number;
  let base: number | null = null;
  let review: string | null = null;
  if (rule.type === "flat") {
    if (rule.flat_amount === null || rule.flat_amount === undefined) throw new RangeError("a flat rule needs flat_amount");
    // A flat amount in another currency would need an exchange rate the sandbox does not have;
    // paying nothing and saying why beats paying a wrong amount.
    if ((rule.currency ?? "").toLowerCase() !== currency.toLowerCase()) {
      return none(`currency_mismatch: the rule pays ${rule.flat_amount} ${rule.currency ?? "?"} but the sale is in ${currency}; no commission.`);
    }
    value = rule.flat_amount;
  } else {
    if (rule.percentage === null || rule.percentage === undefined) throw new RangeError("a percentage rule needs percentage");
    if (rule.basis === "net") {
      if (fee === null) {
        // Computed on gross as an upper bound so the reviewer sees an amount; never auto-approved.
        base = amount;
        review = "fee_unknown: the rule pays on net (after Stripe fees) but no fee data is available; amount computed on gross, review it.";
      } else {
        base = Math.max(0, amount - fee);
      }
    } else {
      base = amount;
    }
    value = percentageOf(base, rule.percentage);
  }
  if (value === 0 && review === null) return none("zero: the rule computes a commission of 0 for this sale.");

  const availableOn = created + rule.hold_period_days * SECONDS_PER_DAY;
  let status: CommissionStatus;
  if (review !== null) status = "needs_review";
  else if (rule.auto_approve && rule.hold_period_days === 0) status = "approved";
  else status = "pending";
  return { amount: value, status, base_amount: base, available_on: availableOn, reason: review };
}

/**
 * The status a commission should have at `now`: a `pending` commission of an auto-approving
 * rule becomes `approved` once `available_on` has passed (inclusive). Anything else is unchanged:
 * review, rejection and refunds are decisions, not the passing of time.
 */
export function statusAfterHold(
  commission: { status: CommissionStatus; available_on: number | null; auto_approve: boolean },
  now: number,
): CommissionStatus {
  if (commission.status === "pending" && commission.auto_approve && commission.available_on !== null && commission.available_on <= now) return "approved";
  return commission.status;
}

/** Result of {@link refundCommission}. */
export interface CommissionRefund {
  /** Total refunded part of the commission after this refund (cumulative, minor units). */
  refunded_amount: number;
  /** What this refund added to `refunded_amount` (0 when nothing changed). */
  delta: number;
  status: CommissionStatus;
}

/**
 * Applies a refund of the sale to its commission, proportionally: refunding 25% of the sale
 * refunds 25% of the commission (half-up). `refundedAmount` is the sale's CUMULATIVE refunded
 * amount (Stripe's `charge.amount_refunded`), so replaying the same refund changes nothing.
 * A rejected commission was never owed and stays rejected; refunded amounts never decrease.
 */
export function refundCommission(
  commission: { amount: number; status: CommissionStatus; refunded_amount?: number },
  refundedAmount: number,
  originalAmount: number,
): CommissionRefund {
  assertMinorUnits(refundedAmount, "refundedAmount");
  if (!Number.isSafeInteger(originalAmount) || originalAmount <= 0) throw new RangeError(`originalAmount must be a positive integer, got ${originalAmount}`);
  const before = commission.refunded_amount ?? 0;
  if (commission.status === "rejected") return { refunded_amount: before, delta: 0, status: "rejected" };
  const full = refundedAmount >= originalAmount;
  const share = full ? commission.amount : Number(divideRoundHalfUp(BigInt(commission.amount) * BigInt(refundedAmount), BigInt(originalAmount)));
  const after = Math.min(commission.amount, Math.max(before, share));
  // The status describes the commission, not the sale: a 60% refund of a 1-cent commission
  // refunds the whole cent, so the commission is `refunded`.
  const status: CommissionStatus = refundedAmount === 0 ? commission.status : after >= commission.amount ? "refunded" : "partially_refunded";
  return { refunded_amount: after, delta: after - before, status };
}

/**
 * `ts` plus `months` calendar months in UTC, keeping the time of day; the day is clamped to the
 * target month's last day (Jan 31 + 1 month = Feb 28/29).
 */
export function addMonthsUtc(ts: number, months: number): number {
  const d = new Date(ts * 1000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Math.floor(Date.UTC(y, m, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000);
}

/**
 * Whether a recurring payment at `eventAt` still earns commission: the window is the half-open
 * interval [firstConversionAt, firstConversionAt + recurringMonths calendar months). Exactly at
 * the end is outside. `null` months = forever (any time from the first conversion on).
 */
export function isWithinRecurringWindow(firstConversionAt: number, eventAt: number, recurringMonths: number | null): boolean {
  if (eventAt < firstConversionAt) return false;
  if (recurringMonths === null) return true;
  return eventAt < addMonthsUtc(firstConversionAt, recurringMonths);
}

function assertMinorUnits(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer number of minor units, got ${value}`);
}
