import { describe, expect, it } from "vitest";
import type { CommissionTerms } from "../../../runtime/src/commission";
import {
  addMonthsUtc,
  computeCommission,
  isWithinRecurringWindow,
  percentageOf,
  refundCommission,
  SECONDS_PER_DAY,
  statusAfterHold,
} from "../../../runtime/src/commission";

const pct = (percentage: number, over: Partial<CommissionTerms> = {}): CommissionTerms => ({
  type: "percentage",
  percentage,
  basis: "gross",
  hold_period_days: 30,
  auto_approve: false,
  ...over,
});
const flat = (flat_amount: number, currency: string, over: Partial<CommissionTerms> = {}): CommissionTerms => ({
  type: "flat",
  flat_amount,
  currency,
  basis: "gross",
  hold_period_days: 30,
  auto_approve: false,
  ...over,
});
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0) / 1000;

describe("computeCommission: amounts", () => {
  it.each([
    // name, rule, amount, fee, currency, expected amount, expected base
    ["20% of 100.00 gross", pct(20), 10_000, null, "usd", 2_000, 10_000],
    ["12.5% of 19.99 rounds 249.875 up", pct(12.5), 1_999, null, "usd", 250, 1_999],
    ["10% of 0.05 is half a cent, rounds up", pct(10), 5, null, "usd", 1, 5],
    ["10% of 0.04 rounds 0.4 down to 0 → no commission", pct(10), 4, null, "usd", 0, null],
    ["33.33% of 10.00 = 333.3 → 333", pct(33.33), 1_000, null, "usd", 333, 1_000],
    ["7.07% (binary-noisy decimal) of 100.00", pct(7.07), 10_000, null, "usd", 707, 10_000],
    ["100% of 1.00", pct(100), 100, null, "usd", 100, 100],
    ["net: 10% of (100.00 − 3.20 fee)", pct(10, { basis: "net" }), 10_000, 320, "usd", 968, 9_680],
    ["net: fee larger than sale → base 0 → no commission", pct(10, { basis: "net" }), 100, 130, "usd", 0, null],
    ["gross ignores a known fee", pct(10), 10_000, 320, "usd", 1_000, 10_000],
    ["flat pays its amount", flat(1_500, "usd"), 10_000, null, "usd", 1_500, null],
    ["flat currency compared case-insensitively", flat(1_500, "usd"), 99, null, "USD", 1_500, null],
    ["flat on net basis needs no fee", flat(500, "eur", { basis: "net" }), 10_000, null, "eur", 500, null],
    ["huge amounts stay exact (BigInt)", pct(12.34), 9_000_000_000_000, null, "usd", 1_110_600_000_000, 9_000_000_000_000],
  ] as const)("%s", (_name, rule, amount, fee, currency, expected, base) => {
    const r = computeCommission({ rule, amount, fee, currency, created: T0 });
    expect(r.amount).toBe(expected);
    expect(r.base_amount).toBe(base);
    if (expected === 0) expect(r.status).toBeNull();
  });

  it("flat rule in another currency: no commission and a reason", () => {
    const r = computeCommission({ rule: flat(1_500, "usd"), amount: 10_000, currency: "eur", created: T0 });
    expect(r).toMatchObject({ amount: 0, status: null, available_on: null });
    expect(r.reason).toMatch(/^currency_mismatch: .*usd.*eur/);
  });

  it("net basis without fee data needs review, with the gross amount as an upper bound", () => {
    const r = computeCommission({ rule: pct(10, { basis: "net", auto_approve: true, hold_period_days: 0 }), amount: 10_000, currency: "usd", created: T0 });
    expect(r).toMatchObject({ amount: 1_000, status: "needs_review", base_amount: 10_000 });
    expect(r.reason).toMatch(/^fee_unknown/);
  });

  it.each([
    ["negative amount", { rule: pct(10), amount: -1, currency: "usd" }],
    ["fractional amount", { rule: pct(10), amount: 10.5, currency: "usd" }],
    ["negative fee", { rule: pct(10, { basis: "net" }), amount: 100, fee: -1, currency: "usd" }],
    ["percentage rule without percentage", { rule: { ...pct(10), percentage: null }, amount: 100, currency: "usd" }],
    ["flat rule without flat_amount", { rule: { ...flat(1, "usd"), flat_amount: undefined }, amount: 100, currency: "usd" }],
  ])("rejects %s", (_name, input) => {
    expect(() => computeCommission(input)).toThrow(RangeError);
  });
});

describe("computeCommission: hold period and auto-approval", () => {
  it.each([
    ["30-day hold, manual", 30, false, "pending", T0 + 30 * SECONDS_PER_DAY],
    ["30-day hold, auto", 30, true, "pending", T0 + 30 * SECONDS_PER_DAY],
    ["no hold, auto → approved now", 0, true, "approved", T0],
    ["no hold, manual → pending approval", 0, false, "pending", T0],
    ["365-day hold", 365, true, "pending", T0 + 365 * SECONDS_PER_DAY],
  ] as const)("%s", (_name, hold, auto, status, availableOn) => {
    const r = computeCommission({ rule: pct(10, { hold_period_days: hold, auto_approve: auto }), amount: 10_000, currency: "usd", created: T0 });
    expect(r.status).toBe(status);
    expect(r.available_on).toBe(availableOn);
  });

  it.each([
    ["auto, before the hold ends", { status: "pending", available_on: T0 + 10, auto_approve: true }, T0 + 9, "pending"],
    ["auto, exactly at available_on", { status: "pending", available_on: T0 + 10, auto_approve: true }, T0 + 10, "approved"],
    ["auto, after", { status: "pending", available_on: T0 + 10, auto_approve: true }, T0 + 999, "approved"],
    ["manual stays pending", { status: "pending", available_on: T0 + 10, auto_approve: false }, T0 + 999, "pending"],
    ["needs_review is never auto-approved", { status: "needs_review", available_on: T0, auto_approve: true }, T0 + 999, "needs_review"],
    ["rejected stays rejected", { status: "rejected", available_on: T0, auto_approve: true }, T0 + 999, "rejected"],
  ] as const)("statusAfterHold: %s", (_name, commission, now, expected) => {
    expect(statusAfterHold(commission, now)).toBe(expected);
  });
});

describe("refundCommission", () => {
  it.each([
    // name, commission, status, already refunded, refunded of sale (cumulative), sale, expected refunded, delta, status
    ["full refund", 2_000, "approved", 0, 10_000, 10_000, 2_000, 2_000, "refunded"],
    ["over-refund is capped", 2_000, "approved", 0, 12_000, 10_000, 2_000, 2_000, "refunded"],
    ["25% of the sale", 2_000, "approved", 0, 2_500, 10_000, 500, 500, "partially_refunded"],
    ["partial of a pending commission", 2_000, "pending", 0, 5_000, 10_000, 1_000, 1_000, "partially_refunded"],
    ["proportional share rounds half-up", 333, "approved", 0, 5_000, 10_000, 167, 167, "partially_refunded"],
    ["second partial refund (cumulative)", 2_000, "partially_refunded", 500, 7_500, 10_000, 1_500, 1_000, "partially_refunded"],
    ["partial then the rest", 2_000, "partially_refunded", 1_500, 10_000, 10_000, 2_000, 500, "refunded"],
    ["replaying the same refund changes nothing", 2_000, "partially_refunded", 500, 2_500, 10_000, 500, 0, "partially_refunded"],
    ["tiny commission: 60% rounds to the whole cent", 1, "approved", 0, 6_000, 10_000, 1, 1, "refunded"],
    ["rejected stays rejected", 2_000, "rejected", 0, 10_000, 10_000, 0, 0, "rejected"],
    ["a zero refund changes nothing", 2_000, "approved", 0, 0, 10_000, 0, 0, "approved"],
  ] as const)("%s", (_name, amount, status, already, refunded, sale, expRefunded, expDelta, expStatus) => {
    expect(refundCommission({ amount, status, refunded_amount: already }, refunded, sale)).toEqual({ refunded_amount: expRefunded, delta: expDelta, status: expStatus });
  });

  it("rejects a non-positive original amount", () => {
    expect(() => refundCommission({ amount: 1, status: "approved" }, 1, 0)).toThrow(RangeError);
  });
});

describe("recurring window", () => {
  const jan31 = Date.UTC(2024, 0, 31, 10, 0, 0) / 1000;
  it.each([
    ["forever (null)", T0, T0 + 10 * 365 * SECONDS_PER_DAY, null, true],
    ["at the first conversion", T0, T0, 12, true],
    ["before the first conversion", T0, T0 - 1, null, false],
    ["one second before 12 months end", T0, addMonthsUtc(T0, 12) - 1, 12, true],
    ["exactly 12 months later (half-open end)", T0, addMonthsUtc(T0, 12), 12, false],
    ["13 months later", T0, addMonthsUtc(T0, 13), 12, false],
    ["1 month: 29 days later", T0, T0 + 29 * SECONDS_PER_DAY, 1, true],
    ["1 month: 31 days later", T0, T0 + 31 * SECONDS_PER_DAY, 1, false],
    ["Jan 31 + 1 month clamps to Feb 29 (leap year): Feb 29 09:59:59 inside", jan31, Date.UTC(2024, 1, 29, 9, 59, 59) / 1000, 1, true],
    ["Jan 31 + 1 month clamps to Feb 29: Feb 29 10:00 outside", jan31, Date.UTC(2024, 1, 29, 10, 0, 0) / 1000, 1, false],
  ] as const)("%s", (_name, first, at, months, expected) => {
    expect(isWithinRecurringWindow(first, at, months)).toBe(expected);
  });

  it("addMonthsUtc crosses years and keeps the time of day", () => {
    expect(new Date(addMonthsUtc(Date.UTC(2024, 10, 30, 8, 30, 5) / 1000, 3) * 1000).toISOString()).toBe("2025-02-28T08:30:05.000Z");
  });
});

describe("percentageOf", () => {
  it.each([
    [0, 50, 0],
    [1, 50, 1],
    [3, 50, 2],
    [199, 0.5, 1],
    [100, 0.01, 0],
  ])("%i × %f%% = %i", (amount, p, expected) => {
    expect(percentageOf(amount, p)).toBe(expected);
  });
  it("rejects percentages outside 0–100", () => {
    expect(() => percentageOf(1, 100.01)).toThrow(RangeError);
    expect(() => percentageOf(1, -1)).toThrow(RangeError);
  });
});
