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
 * Live mode also: https only, and the host must not be localhost, loopback, private, link-local,
 * unspecified (or an IPv4-mapped IPv6 form of those), nor a `.local` / `.internal` name.
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
  }
  return { ok: true };
}

/**
 * Returns the URL with its scheme lower-cased (`HTTPS://x` → `https://x`), otherwise unchanged.
 *
 * Deliberately not `new URL(url).href`: that would add a trailing `/` or re-encode the path, and
 * an API that stored a different string than it was given would show up as permanent drift.
 * Call it only on URLs that {@link checkWebhookUrl} accepted.
 */
export function normalizeWebhookUrl(url: string): string {
  const i = url.indexOf(":");
  return i > 0 ? url.slice(0, i).toLowerCase() + url.slice(i) : url;
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
 * IPv6 hostnames arrive in brackets; IPv4 ones already in dotted-decimal form.
 */
function nonPublicHostReason(hostname: string): string | null {
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
  return null;
}

function parseIPv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255) ? bytes : null;
}

function ipv4Reason([a, b]: number[]): string | null {
  if (a === 0) return "an unspecified address (0.0.0.0/8)";
  if (a === 127) return "a loopback address (127.0.0.0/8)";
  if (a === 10) return "a private address (10.0.0.0/8)";
  if (a === 172 && b >= 16 && b <= 31) return "a private address (172.16.0.0/12)";
  if (a === 192 && b === 168) return "a private address (192.168.0.0/16)";
  if (a === 169 && b === 254) return "a link-local address (169.254.0.0/16)";
  return null;
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

function ipv6Reason(b: number[]): string | null {
  const zeroUpTo = (n: number) => b.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(16)) return "the unspecified address (::)";
  if (zeroUpTo(15) && b[15] === 1) return "the loopback address (::1)";
  // IPv4-mapped (::ffff:a.b.c.d) reaches the IPv4 host, so judge the embedded address.
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) {
    const inner = ipv4Reason(b.slice(12));
    return inner ? `${inner.replace(/^an? /, "an IPv4-mapped form of a ")}` : null;
  }
  // Deprecated IPv4-compatible form (::a.b.c.d): some stacks still route it to the IPv4 host.
  if (zeroUpTo(12)) {
    const inner = ipv4Reason(b.slice(12));
    if (inner) return `an IPv4-compatible form of ${inner}`;
  }
  if ((b[0] & 0xfe) === 0xfc) return "a unique-local (private) address (fc00::/7)";
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return "a link-local address (fe80::/10)";
  return null;
}
