import { domainToUnicode } from "node:url";

/**
 * Webhook URL rules (Go-Live Checklist item 4): which URLs a webhook endpoint may point at.
 *
 * Shared by the provider's `check`, the sandbox and cleanup tooling so that all three agree on
 * one rule set. Everything here is pure and synchronous: no DNS lookups, because a name that
 * resolves to a public address today can resolve to a private one tomorrow, and `check` must give
 * the same answer offline. The rules therefore judge the URL text, after WHATWG URL parsing has
 * normalised the host (so `http://0x7f000001/` and `http://127.1/` are recognised as loopback).
 */

/** Result of {@link checkWebhookUrl}: `code` is the API error code, `message` says what to do. */
export type UrlCheckResult = { ok: true } | { ok: false; code: string; message: string };

/** Error code for a URL that is not an absolute http(s) URL without credentials or fragment. */
export const INVALID_URL = "invalid_url";
/** Error code for a URL that is acceptable in test mode but not in live mode. */
export const URL_NOT_ALLOWED_IN_LIVE_MODE = "url_not_allowed_in_live_mode";

/**
 * Checks a webhook endpoint URL against the rules of a mode.
 *
 * All modes: absolute URL, scheme http or https (any case), no `user:pass@`, no `#fragment`.
 * Live mode also: https only; the host must be public (not localhost, a `.local` / `.internal` /
 * `.home.arpa` or single-label name, nor an address in any of IANA's special-purpose IPv4 and IPv6
 * blocks, including IPv4-mapped and NAT64 forms of those); and no label may mix scripts or spell a
 * Latin word in Cyrillic or Greek look-alikes (`аpple.com`, `xn--80ak6aa92e.com`).
 */
export function checkWebhookUrl(url: string, mode: "test" | "live"): UrlCheckResult {
  const parsed = parseWebhookUrl(url);
  if (!parsed.ok) return parsed;
  const u = parsed.url;
  if (mode === "live") {
    if (u.protocol !== "https:") {
      return fail(
        URL_NOT_ALLOWED_IN_LIVE_MODE,
        `Live-mode webhook URLs must use https; got ${u.protocol.slice(0, -1)}. Serve the receiver over TLS and use an https:// URL.`,
      );
    }
    const reason = nonPublicHostReason(u.hostname);
    if (reason) {
      return fail(
        URL_NOT_ALLOWED_IN_LIVE_MODE,
        `Live-mode webhook URLs must point at a public host; ${u.hostname} is ${reason}. Use the public https URL of your deployed receiver (keep local URLs for test mode).`,
      );
    }
    const lookalike = lookalikeHostReason(u.hostname);
    if (lookalike) {
      return fail(
        URL_NOT_ALLOWED_IN_LIVE_MODE,
        `Live-mode webhook URLs must not use look-alike host names; ${u.hostname} (${domainToUnicode(u.hostname)}) ${lookalike}. Type the host name in one script, as your receiver's certificate names it.`,
      );
    }
  }
  return { ok: true };
}

/**
 * Returns the URL with its scheme and host lower-cased (`HTTPS://Hooks.Example.COM/P` →
 * `https://hooks.example.com/P`), the path, query and port left byte for byte.
 *
 * Deliberately not `new URL(url).href`: that would add a trailing `/` or re-encode the path, and
 * an API that stored a different string than it was given would show up as permanent drift.
 * Scheme and host are case-insensitive, so comparing declared and stored URLs after this function
 * never reports a difference a receiver could notice. Call it only on URLs that
 * {@link checkWebhookUrl} accepted (no credentials).
 */
export function normalizeWebhookUrl(url: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(url);
  if (!m) {
    const i = url.indexOf(":");
    return i > 0 ? url.slice(0, i).toLowerCase() + url.slice(i) : url;
  }
  return `${m[1].toLowerCase()}://${m[2].toLowerCase()}${url.slice(m[0].length)}`;
}

/**
 * True when a URL looks like a development target: plain http, localhost, loopback, private or
 * link-local addresses, or a `.local` / `.internal` name. Used by cleanup tooling to find test-mode
 * endpoints that should not survive the go-live (checklist item 3). Unparseable URLs are false:
 * the tooling reports what it can classify and leaves the rest to a human.
 */
export function isDevelopmentUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === "http:") return true;
  if (u.protocol !== "https:") return false;
  return nonPublicHostReason(u.hostname) !== null;
}

function fail(code: string, message: string): UrlCheckResult {
  return { ok: false, code, message };
}

function parseWebhookUrl(url: string): { ok: true; url: URL } | { ok: false; code: string; message: string } {
  if (typeof url !== "string" || url.length === 0) {
    return { ok: false, code: INVALID_URL, message: "The webhook URL is empty. Give an absolute URL such as https://example.com/webhooks/selgeo." };
  }
  // The URL parser silently trims whitespace; a stored URL that differs from the one sent is worse
  // than an early, clear error.
  if (url.trim() !== url) {
    return { ok: false, code: INVALID_URL, message: "The webhook URL has leading or trailing whitespace. Remove it." };
  }
  if (url.length > 2048) {
    return { ok: false, code: INVALID_URL, message: "The webhook URL is longer than 2048 characters. Use a shorter URL." };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return {
      ok: false,
      code: INVALID_URL,
      message: `"${url}" is not an absolute URL. Give the full URL including the scheme, e.g. https://example.com/webhooks/selgeo.`,
    };
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    return {
      ok: false,
      code: INVALID_URL,
      message: `Webhook URLs must use http or https; got ${u.protocol.slice(0, -1)}. Use an https:// URL.`,
    };
  }
  if (u.username !== "" || u.password !== "" || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url)) {
    return {
      ok: false,
      code: INVALID_URL,
      message: "Webhook URLs must not contain credentials (user:password@). Remove them; deliveries are authenticated by the Selgeo-Signature header.",
    };
  }
  if (u.hash !== "" || url.includes("#")) {
    return { ok: false, code: INVALID_URL, message: "Webhook URLs must not contain a #fragment (it is never sent to the server). Remove it." };
  }
  if (u.hostname === "") {
    return { ok: false, code: INVALID_URL, message: "The webhook URL has no host. Give an absolute URL such as https://example.com/webhooks/selgeo." };
  }
  return { ok: true, url: u };
}

/**
 * Why a (WHATWG-normalised) hostname is not a public host, or null when it is.
 * IPv6 hostnames arrive in brackets; IPv4 ones already in dotted-decimal form (the URL parser has
 * turned `2130706433`, `0177.1` and `0x7f.1` into `127.0.0.1`), names in lower-case punycode.
 */
export function nonPublicHostReason(hostname: string): string | null {
  // A trailing dot makes a name fully qualified but names the same host.
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[") && host.endsWith("]")) {
    const bytes = parseIPv6(host.slice(1, -1));
    return bytes ? ipv6Reason(bytes) : "not a valid IPv6 address";
  }
  const v4 = parseIPv4(host);
  if (v4) return ipv4Reason(v4);
  if (host === "localhost" || host.endsWith(".localhost")) return "localhost";
  if (host.endsWith(".local")) return "a .local (mDNS) name that only resolves on a local network";
  if (host.endsWith(".internal")) return "an .internal name that only resolves inside a private network";
  if (host.endsWith(".home.arpa")) return "a .home.arpa name that only resolves inside a home network";
  if (!host.includes(".")) return "a single-label name that only resolves inside a private network";
  return null;
}

/**
 * IANA's IPv4 special-purpose blocks that are not globally reachable, plus multicast and the
 * reserved 240/4, as `[CIDR, what it is]`; the broadcast address comes before 240/4 to be named.
 */
const IPV4_BLOCKS: ReadonlyArray<readonly [string, string]> = [
  ["255.255.255.255/32", "the limited broadcast address (255.255.255.255)"],
  ["0.0.0.0/8", "an unspecified address (0.0.0.0/8)"],
  ["10.0.0.0/8", "a private address (10.0.0.0/8)"],
  ["100.64.0.0/10", "a shared carrier-grade NAT address (100.64.0.0/10)"],
  ["127.0.0.0/8", "a loopback address (127.0.0.0/8)"],
  ["169.254.0.0/16", "a link-local address (169.254.0.0/16)"],
  ["172.16.0.0/12", "a private address (172.16.0.0/12)"],
  ["192.0.0.0/24", "an IETF protocol assignment (192.0.0.0/24)"],
  ["192.0.2.0/24", "a documentation address (192.0.2.0/24, TEST-NET-1)"],
  ["192.88.99.0/24", "a deprecated 6to4 relay anycast address (192.88.99.0/24)"],
  ["192.168.0.0/16", "a private address (192.168.0.0/16)"],
  ["198.18.0.0/15", "a benchmarking address (198.18.0.0/15)"],
  ["198.51.100.0/24", "a documentation address (198.51.100.0/24, TEST-NET-2)"],
  ["203.0.113.0/24", "a documentation address (203.0.113.0/24, TEST-NET-3)"],
  ["224.0.0.0/4", "a multicast address (224.0.0.0/4)"],
  ["240.0.0.0/4", "a reserved address (240.0.0.0/4)"],
];

const V4_TABLE = IPV4_BLOCKS.map(([cidr, reason]) => {
  const [addr, len] = cidr.split("/");
  return { base: toUint32(parseIPv4(addr) as number[]), len: Number(len), reason };
});

function toUint32(b: readonly number[]): number {
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

function ipv4Reason(bytes: readonly number[]): string | null {
  const n = toUint32(bytes);
  for (const { base, len, reason } of V4_TABLE) {
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    if (((n & mask) >>> 0) === base) return reason;
  }
  return null;
}

/** Dotted-decimal IPv4 only: the URL parser has already rewritten every other notation to it. */
function parseIPv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255) ? bytes : null;
}

/** Parses an IPv6 address (with optional `::` and dotted IPv4 tail) into 16 bytes. */
function parseIPv6(text: string): number[] | null {
  // Zone ids (fe80::1%eth0) cannot appear in a WHATWG URL host, so they need no handling here.
  let s = text;
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return null;
    tail.push(...v4);
    s = s.slice(0, lastColon + 1) + "0:0"; // placeholder groups, replaced below
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const toGroups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = toGroups(halves[0]);
  const rest = halves.length === 2 ? toGroups(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  const bytes: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    const n = parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** True when the first `len` bits of `b` equal those of `prefix` (given as bytes). */
function inPrefix(b: readonly number[], prefix: readonly number[], len: number): boolean {
  for (let bit = 0; bit < len; bit += 8) {
    const i = bit / 8;
    const bits = Math.min(8, len - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if ((b[i] & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** The embedded IPv4 address of a translation prefix, named for a message. */
function embedded(b: readonly number[]): string {
  return b.slice(12).join(".");
}

/**
 * IANA's IPv6 special-purpose blocks. Forms that carry an IPv4 address (mapped, NAT64) reach that
 * IPv4 host, so the embedded address is judged by the IPv4 rules; everything outside global
 * unicast (2000::/3) is refused, which also covers 100::/64, fec0::/10 and unassigned space.
 */
function ipv6Reason(b: readonly number[]): string | null {
  const zeroUpTo = (n: number) => b.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(16)) return "the unspecified address (::)";
  if (zeroUpTo(15) && b[15] === 1) return "the loopback address (::1)";
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) {
    const inner = ipv4Reason(b.slice(12));
    return inner ? `an IPv4-mapped form (::ffff:${embedded(b)}) of ${inner}` : null;
  }
  if (inPrefix(b, [0x00, 0x64, 0xff, 0x9b], 96)) {
    const inner = ipv4Reason(b.slice(12));
    return inner ? `a NAT64 form (64:ff9b::/96) of ${embedded(b)}, ${inner}` : null;
  }
  if (inPrefix(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48)) {
    return `a local-use NAT64 address (64:ff9b:1::/48, embedding ${embedded(b)})`;
  }
  if (zeroUpTo(12)) return `a deprecated IPv4-compatible address (::${embedded(b)})`;
  if (inPrefix(b, [0x01, 0x00], 64) && b.slice(2, 8).every((x) => x === 0)) return "a discard-only address (100::/64)";
  if (inPrefix(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return "a documentation address (2001:db8::/32)";
  if (inPrefix(b, [0x20, 0x01, 0x00, 0x00], 32)) return "a Teredo tunnel address (2001::/32)";
  if (inPrefix(b, [0x20, 0x01, 0x00], 23)) return "an IETF protocol assignment (2001::/23)";
  if (inPrefix(b, [0x20, 0x02], 16)) return `a 6to4 address (2002::/16, embedding ${b.slice(2, 6).join(".")})`;
  if (inPrefix(b, [0x3f, 0xff], 20)) return "a documentation address (3fff::/20)";
  if (inPrefix(b, [0x5f, 0x00], 16)) return "a segment-routing SID (5f00::/16)";
  if (inPrefix(b, [0xfc], 7)) return "a unique-local (private) address (fc00::/7)";
  if (inPrefix(b, [0xfe, 0x80], 10)) return "a link-local address (fe80::/10)";
  if (inPrefix(b, [0xfe, 0xc0], 10)) return "a deprecated site-local address (fec0::/10)";
  if (inPrefix(b, [0xff], 8)) return "a multicast address (ff00::/8)";
  if (!inPrefix(b, [0x20], 3)) return "outside the global unicast range (2000::/3)";
  return null;
}

/**
 * Scripts a single label may combine (Unicode TS 39 "highly restrictive"): Latin with the CJK
 * scripts written alongside it. Anything else mixing scripts is how look-alike names are built.
 */
const ALLOWED_SCRIPT_MIXES: ReadonlyArray<ReadonlySet<string>> = [
  new Set(["Latin", "Han", "Hiragana", "Katakana"]),
  new Set(["Latin", "Han", "Bopomofo"]),
  new Set(["Latin", "Han", "Hangul"]),
];

/** Scripts checked by name; a letter in none of them counts as its own "Other" script. */
const SCRIPTS = ["Latin", "Cyrillic", "Greek", "Armenian", "Hebrew", "Arabic", "Han", "Hiragana", "Katakana", "Bopomofo", "Hangul", "Cherokee", "Georgian", "Thai", "Devanagari"] as const;
const SCRIPT_RES = SCRIPTS.map((s) => [s, new RegExp(`\\p{Script=${s}}`, "u")] as const);

/** Cyrillic and Greek letters that render like Latin ones: a label made only of them spells a Latin word. */
const LATIN_LOOKALIKES: Readonly<Record<string, string>> = {
  а: "a", в: "b", е: "e", ё: "e", һ: "h", і: "i", ї: "i", ј: "j", к: "k", ӏ: "l", м: "m", н: "h", о: "o", р: "p", с: "c", ԁ: "d",
  ѕ: "s", т: "t", у: "y", х: "x", ԛ: "q", ԝ: "w", ь: "b", ү: "y", α: "a", β: "b", ε: "e", η: "n", ι: "i", κ: "k", ν: "v", ο: "o",
  ρ: "p", τ: "t", υ: "u", χ: "x", ω: "w",
};

function scriptOf(ch: string): string | null {
  if (!/\p{L}/u.test(ch)) return null; // digits, hyphens and marks belong to every script
  for (const [name, re] of SCRIPT_RES) if (re.test(ch)) return name;
  return "Other";
}

/**
 * Why a host name looks like another one, or null. Punycode labels (`xn--…`) are decoded first:
 * the URL parser turns every Unicode name into them, so this is where a homoglyph shows.
 */
export function lookalikeHostReason(hostname: string): string | null {
  if (hostname.startsWith("[")) return null;
  const unicode = domainToUnicode(hostname.toLowerCase());
  if (unicode === "" && /(^|\.)xn--/.test(hostname)) return "has a punycode label that does not decode";
  for (const label of unicode.split(".")) {
    const scripts = new Set<string>();
    for (const ch of label) {
      const s = scriptOf(ch);
      if (s) scripts.add(s);
    }
    if (scripts.size > 1 && !ALLOWED_SCRIPT_MIXES.some((ok) => [...scripts].every((s) => ok.has(s)))) {
      return `mixes ${[...scripts].join(" and ")} letters in "${label}"`;
    }
    const letters = [...label].filter((ch) => /\p{L}/u.test(ch));
    if (letters.length > 0 && (scripts.has("Cyrillic") || scripts.has("Greek")) && letters.every((ch) => ch in LATIN_LOOKALIKES)) {
      return `spells "${letters.map((ch) => LATIN_LOOKALIKES[ch]).join("")}" in ${[...scripts].join(" and ")} look-alike letters ("${label}")`;
    }
  }
  return null;
}

/**
 * What is wrong with the Selgeo or Stripe API base URL for a mode, or null. A live stack sends its
 * live keys with every request, so the URL must be https; plain http is for test stacks, and for a
 * loopback address, where nothing leaves the machine (the sandbox rehearsing a live stack).
 */
export function apiUrlProblem(url: string, mode: "test" | "live"): string | null {
  if (url.trim() !== url) return "has leading or trailing whitespace (a newline from a copied line?); set it again without it";
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not an absolute http(s) URL`;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return `must be an http(s) URL; got ${u.protocol.slice(0, -1)}`;
  if (u.username || u.password) return "must not contain credentials (user:password@): the key goes in selgeo:secretKey";
  if (mode === "live" && u.protocol === "http:" && !isLoopbackHost(u.hostname)) {
    return `a live stack sends its live keys to this URL, so it must use https, not http (${u.origin}); use the https:// URL (plain http is only for test stacks and loopback rehearsals)`;
  }
  return null;
}

/** True for localhost, 127.0.0.0/8 and ::1 (in any notation the URL parser accepts). */
export function isLoopbackHost(hostname: string): boolean {
  const reason = nonPublicHostReason(hostname);
  return reason !== null && /^(localhost|a loopback address|the loopback address|an IPv4-mapped form \(::ffff:[\d.]+\) of a loopback)/.test(reason);
}
