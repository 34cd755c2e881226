import { describe, expect, it } from "vitest";
import { didYouMean, hasAtMostTwoDecimals, isIsoCurrency, STRIPE_EVENT_TYPES, textProblem } from "../../../runtime/src/inputRules";

describe("input rules shared by the config and the sandbox", () => {
  it.each([
    [19.99, true],
    [0.01, true],
    [33.33, true],
    [100, true],
    [12.345, false],
    [0.001, false],
  ])("%s has at most two decimals: %s", (n, ok) => {
    expect(hasAtMostTwoDecimals(n)).toBe(ok);
  });

  it.each([
    ["usd", true],
    ["eur", true],
    ["jpy", true],
    ["xyz", false],
    ["btc", false],
    ["xxx", false],
    ["USD", false],
  ])("%s is an ISO 4217 currency: %s", (code, ok) => {
    expect(isIsoCurrency(code)).toBe(ok);
  });

  it.each([
    ["selgeo:comissionRules", ["selgeo:commissionRules", "selgeo:program"], "selgeo:commissionRules"],
    ["selgeo:apiurl", ["selgeo:apiUrl", "selgeo:aws"], "selgeo:apiUrl"],
    ["invoice.payed", STRIPE_EVENT_TYPES, "invoice.paid"],
    ["totally.different", ["selgeo:mode"], undefined],
  ] as Array<[string, readonly string[], string | undefined]>)("did you mean for %s", (input, candidates, expected) => {
    expect(didYouMean(input, candidates)).toBe(expected);
  });

  it.each([
    ["plain", false, null],
    ["two\nlines", true, null],
    ["two\nlines", false, /U\+000A/],
    ["nul\u0000", true, /U\+0000 at position 3/],
    ["bidi \u202e", true, /U\+202E/],
    ["del \u007f", false, /U\+007F/],
  ] as Array<[string, boolean, RegExp | null]>)("textProblem(%j, multiline %s)", (value, multiline, expected) => {
    const p = textProblem(value, multiline);
    if (expected === null) expect(p).toBeNull();
    else expect(p).toMatch(expected);
  });
});
