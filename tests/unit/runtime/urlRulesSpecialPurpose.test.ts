/**
 * Live URL rules against IANA's special-purpose address registries, odd IPv4 notations, look-alike
 * host names and case: each row is a URL a merchant (or an attacker) could declare.
 */
import { describe, expect, it } from "vitest";
import { checkWebhookUrl, isDevelopmentUrl, lookalikeHostReason, normalizeWebhookUrl } from "../../../runtime/src/urlRules";

/** [url, what the live-mode message must name]; every row is accepted in test mode. */
const LIVE_REFUSED: Array<[string, RegExp]> = [
  // IPv4 special-purpose blocks, at both edges where it matters.
  ["https://0.1.2.3/h", /unspecified address \(0\.0\.0\.0\/8\)/],
  ["https://10.20.30.40/h", /private address \(10\.0\.0\.0\/8\)/],
  ["https://100.64.0.1/h", /carrier-grade NAT address \(100\.64\.0\.0\/10\)/],
  ["https://100.127.255.254/h", /100\.64\.0\.0\/10/],
  ["https://127.0.0.1/h", /loopback address \(127\.0\.0\.0\/8\)/],
  ["https://169.254.169.254/latest", /link-local address \(169\.254\.0\.0\/16\)/],
  ["https://172.16.0.1/h", /private address \(172\.16\.0\.0\/12\)/],
  ["https://172.31.255.255/h", /172\.16\.0\.0\/12/],
  ["https://192.0.0.8/h", /IETF protocol assignment \(192\.0\.0\.0\/24\)/],
  ["https://192.0.2.10/h", /documentation address \(192\.0\.2\.0\/24/],
  ["https://192.88.99.1/h", /6to4 relay anycast address \(192\.88\.99\.0\/24\)/],
  ["https://192.168.0.1/h", /private address \(192\.168\.0\.0\/16\)/],
  ["https://198.18.0.1/h", /benchmarking address \(198\.18\.0\.0\/15\)/],
  ["https://198.19.255.255/h", /198\.18\.0\.0\/15/],
  ["https://198.51.100.7/h", /documentation address \(198\.51\.100\.0\/24/],
  ["https://203.0.113.9/h", /documentation address \(203\.0\.113\.0\/24/],
  ["https://224.0.0.1/h", /multicast address \(224\.0\.0\.0\/4\)/],
  ["https://239.255.255.250/h", /multicast/],
  ["https://240.0.0.1/h", /reserved address \(240\.0\.0\.0\/4\)/],
  ["https://255.255.255.255/h", /limited broadcast address/],
  // IPv4 in the notations the WHATWG URL parser normalises.
  ["https://2130706433/h", /loopback/], // decimal 127.0.0.1
  ["https://0177.0.0.1/h", /loopback/], // octal first part
  ["https://0x7f.1/h", /loopback/], // hex, short form
  ["https://0xa9fea9fe/h", /link-local/], // 169.254.169.254 as one hex number
  ["https://100.64.1/h", /carrier-grade NAT/], // three-part form: 100.64.0.1
  ["https://017700000001/h", /loopback/], // one octal number
  // IPv6 special-purpose blocks.
  ["https://[::]/h", /unspecified address \(::\)/],
  ["https://[::1]/h", /loopback address \(::1\)/],
  ["https://[::ffff:127.0.0.1]/h", /IPv4-mapped form .* loopback/],
  ["https://[::ffff:a9fe:a9fe]/h", /IPv4-mapped form \(::ffff:169\.254\.169\.254\) of a link-local/],
  ["https://[::ffff:100.64.0.1]/h", /IPv4-mapped.*100\.64\.0\.0\/10/],
  ["https://[64:ff9b::a9fe:a9fe]/h", /NAT64 form \(64:ff9b::\/96\) of 169\.254\.169\.254, a link-local/],
  ["https://[64:ff9b::10.0.0.1]/h", /NAT64 form.*private/],
  ["https://[64:ff9b:1::8.8.8.8]/h", /local-use NAT64 address \(64:ff9b:1::\/48/],
  ["https://[::8.8.8.8]/h", /deprecated IPv4-compatible address/],
  ["https://[100::1]/h", /discard-only address \(100::\/64\)/],
  ["https://[2001:db8::1]/h", /documentation address \(2001:db8::\/32\)/],
  ["https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/h", /Teredo tunnel address \(2001::\/32\)/],
  ["https://[2001:2::1]/h", /IETF protocol assignment \(2001::\/23\)/],
  ["https://[2001:1ff::1]/h", /2001::\/23/],
  ["https://[2002:c0a8:101::1]/h", /6to4 address \(2002::\/16, embedding 192\.168\.1\.1\)/],
  ["https://[3fff::1]/h", /documentation address \(3fff::\/20\)/],
  ["https://[5f00::1]/h", /segment-routing/],
  ["https://[fc00::1]/h", /unique-local/],
  ["https://[fdff:ffff::1]/h", /unique-local/],
  ["https://[fe80::1]/h", /link-local address \(fe80::\/10\)/],
  ["https://[fec0::1]/h", /site-local/],
  ["https://[ff02::1]/h", /multicast address \(ff00::\/8\)/],
  ["https://[4000::1]/h", /outside the global unicast range/],
  // Names that only resolve privately.
  ["https://router.home.arpa/h", /home\.arpa/],
  ["https://intranet/h", /single-label name/],
  // Look-alike (homoglyph) names: Cyrillic letters in Latin words, raw and as punycode.
  ["https://hооks.example.com/h", /mixes Latin and Cyrillic letters/],
  ["https://аpple.com/h", /mixes (Cyrillic and Latin|Latin and Cyrillic)/],
  ["https://xn--80ak6aa92e.com/h", /spells "apple" in Cyrillic look-alike letters/],
  ["https://раураӏ.com/h", /spells "paypal"/], // every letter Cyrillic
  ["https://examplε.com/h", /mixes Latin and Greek/],
  ["https://xn--ample-ywe6i.com/h", /mixes/],
];

/** [url]: public hosts that live mode accepts. */
const LIVE_ACCEPTED: string[] = [
  "https://hooks.example.com/h",
  "https://100.63.255.255/h", // just below 100.64/10
  "https://100.128.0.1/h", // just above it
  "https://198.17.255.255/h",
  "https://198.20.0.1/h",
  "https://192.0.3.1/h",
  "https://223.255.255.255/h",
  "https://8.8.8.8/h",
  "https://[2606:4700:4700::1111]/h",
  "https://[::ffff:8.8.8.8]/h", // IPv4-mapped public address
  "https://[64:ff9b::808:808]/h", // NAT64 of 8.8.8.8
  "https://[2001:200::1]/h", // just past 2001::/23
  "https://bücher.example/h", // one script (Latin with diacritics)
  "https://пример.рф/h", // one script, not a Latin look-alike
  "https://例え.テスト/h", // Han with Katakana/Hiragana is an allowed mix
];

describe("live webhook URL rules", () => {
  it.each(LIVE_REFUSED)("%s is refused in live mode (%s) and accepted in test mode", (url, reason) => {
    const live = checkWebhookUrl(url, "live");
    expect(live).toMatchObject({ ok: false, code: "url_not_allowed_in_live_mode" });
    if (!live.ok) expect(live.message).toMatch(reason);
    expect(checkWebhookUrl(url, "test")).toEqual({ ok: true });
  });

  it.each(LIVE_ACCEPTED)("%s is accepted in live mode", (url) => {
    expect(checkWebhookUrl(url, "live")).toEqual({ ok: true });
  });

  it("treats non-public addresses as development URLs, look-alike names as not", () => {
    expect(isDevelopmentUrl("https://100.64.0.1/x")).toBe(true);
    expect(isDevelopmentUrl("https://[64:ff9b::a9fe:a9fe]/x")).toBe(true);
    expect(isDevelopmentUrl("https://xn--80ak6aa92e.com/x")).toBe(false);
    expect(lookalikeHostReason("hooks.example.com")).toBeNull();
  });
});

describe("normalizeWebhookUrl", () => {
  it.each([
    ["HTTPS://Example.COM/x", "https://example.com/x"],
    ["HtTpS://Hooks.Example.com:8443/Path/To?Q=Case#", "https://hooks.example.com:8443/Path/To?Q=Case#"],
    ["https://[2001:DB8::1]/A", "https://[2001:db8::1]/A"],
    ["https://example.com", "https://example.com"],
    ["HTTPS://EXAMPLE.COM?Q=1", "https://example.com?Q=1"],
  ])("%s → %s (path and query untouched)", (url, expected) => {
    expect(normalizeWebhookUrl(url)).toBe(expected);
    expect(normalizeWebhookUrl(expected)).toBe(expected);
  });
});
