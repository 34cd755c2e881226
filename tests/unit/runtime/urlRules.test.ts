import { describe, expect, it } from "vitest";
import { checkWebhookUrl, isDevelopmentUrl, normalizeWebhookUrl } from "../../../runtime/src/urlRules";

const LIVE_REJECT = "url_not_allowed_in_live_mode";

/** [url, test-mode result, live-mode result]: "ok" or the error code. */
const CASES: [string, string, string][] = [
  ["https://hooks.example.com/selgeo", "ok", "ok"],
  ["HTTPS://hooks.example.com/selgeo", "ok", "ok"],
  ["HtTpS://hooks.example.com:8443/selgeo?x=1", "ok", "ok"],
  ["https://93.184.216.34/hook", "ok", "ok"],
  ["https://[2606:4700::1111]/hook", "ok", "ok"],
  ["http://hooks.example.com/selgeo", "ok", LIVE_REJECT],
  ["http://localhost:3000/webhooks", "ok", LIVE_REJECT],
  ["https://localhost/webhooks", "ok", LIVE_REJECT],
  ["https://LOCALHOST./webhooks", "ok", LIVE_REJECT],
  ["https://app.localhost/webhooks", "ok", LIVE_REJECT],
  ["https://127.0.0.1/hook", "ok", LIVE_REJECT],
  ["https://127.1.2.3/hook", "ok", LIVE_REJECT],
  ["https://127.1/hook", "ok", LIVE_REJECT], // WHATWG shorthand for 127.0.0.1
  ["https://0x7f000001/hook", "ok", LIVE_REJECT], // hex form of 127.0.0.1
  ["https://[::1]/hook", "ok", LIVE_REJECT],
  ["https://[0:0:0:0:0:0:0:1]/hook", "ok", LIVE_REJECT],
  ["https://0.0.0.0/hook", "ok", LIVE_REJECT],
  ["https://[::]/hook", "ok", LIVE_REJECT],
  ["https://10.0.0.5/hook", "ok", LIVE_REJECT],
  ["https://10.255.255.255/hook", "ok", LIVE_REJECT],
  ["https://172.16.0.1/hook", "ok", LIVE_REJECT],
  ["https://172.31.255.254/hook", "ok", LIVE_REJECT],
  ["https://172.15.0.1/hook", "ok", "ok"],
  ["https://172.32.0.1/hook", "ok", "ok"],
  ["https://192.168.1.10/hook", "ok", LIVE_REJECT],
  ["https://192.169.1.10/hook", "ok", "ok"],
  ["https://169.254.169.254/latest/meta-data", "ok", LIVE_REJECT],
  ["https://[fe80::1]/hook", "ok", LIVE_REJECT],
  ["https://[febf::1]/hook", "ok", LIVE_REJECT],
  ["https://[fec0::1]/hook", "ok", LIVE_REJECT], // deprecated site-local
  ["https://[fc00::1]/hook", "ok", LIVE_REJECT],
  ["https://[fd12:3456::1]/hook", "ok", LIVE_REJECT],
  ["https://[::ffff:127.0.0.1]/hook", "ok", LIVE_REJECT],
  ["https://[::ffff:10.1.2.3]/hook", "ok", LIVE_REJECT],
  ["https://[::ffff:192.168.0.1]/hook", "ok", LIVE_REJECT],
  ["https://[::ffff:8.8.8.8]/hook", "ok", "ok"],
  ["https://printer.local/hook", "ok", LIVE_REJECT],
  ["https://api.internal/hook", "ok", LIVE_REJECT],
  ["https://API.INTERNAL/hook", "ok", LIVE_REJECT],
  ["https://internal.example.com/hook", "ok", "ok"],
  ["https://local.example.com/hook", "ok", "ok"],
  ["https://user:pw@hooks.example.com/hook", "invalid_url", "invalid_url"],
  ["https://user@hooks.example.com/hook", "invalid_url", "invalid_url"],
  ["http://user:pw@localhost/hook", "invalid_url", "invalid_url"],
  ["https://hooks.example.com/hook#section", "invalid_url", "invalid_url"],
  ["https://hooks.example.com/hook#", "invalid_url", "invalid_url"],
  ["ftp://hooks.example.com/hook", "invalid_url", "invalid_url"],
  ["javascript:alert(1)", "invalid_url", "invalid_url"],
  ["file:///etc/passwd", "invalid_url", "invalid_url"],
  ["/relative/path", "invalid_url", "invalid_url"],
  ["hooks.example.com/hook", "invalid_url", "invalid_url"],
  ["", "invalid_url", "invalid_url"],
  [" https://hooks.example.com/hook", "invalid_url", "invalid_url"],
  ["https://", "invalid_url", "invalid_url"],
];

describe("checkWebhookUrl", () => {
  it.each(CASES)("%s → test: %s, live: %s", (url, test, live) => {
    for (const [mode, expected] of [["test", test], ["live", live]] as const) {
      const result = checkWebhookUrl(url, mode);
      if (expected === "ok") {
        expect(result, `${mode} mode`).toEqual({ ok: true });
      } else {
        expect(result, `${mode} mode`).toMatchObject({ ok: false, code: expected });
      }
    }
  });

  it("says what to do in its messages", () => {
    const http = checkWebhookUrl("http://hooks.example.com/x", "live");
    expect(http.ok).toBe(false);
    if (!http.ok) expect(http.message).toMatch(/https/);
    const local = checkWebhookUrl("https://localhost/x", "live");
    if (!local.ok) expect(local.message).toMatch(/public/);
    const creds = checkWebhookUrl("https://a:b@example.com/x", "test");
    if (!creds.ok) expect(creds.message).toMatch(/Remove/);
  });
});

describe("normalizeWebhookUrl", () => {
  it("lower-cases the scheme and host and keeps the rest byte for byte", () => {
    expect(normalizeWebhookUrl("HTTPS://Hooks.Example.com/Path?Q=1")).toBe("https://hooks.example.com/Path?Q=1");
    expect(normalizeWebhookUrl("https://example.com")).toBe("https://example.com");
  });
});

describe("isDevelopmentUrl", () => {
  it.each([
    ["http://hooks.example.com/x", true],
    ["https://localhost:8443/x", true],
    ["https://127.0.0.1/x", true],
    ["https://[::1]/x", true],
    ["https://10.1.2.3/x", true],
    ["https://172.20.0.1/x", true],
    ["https://192.168.0.2/x", true],
    ["https://dev-box.local/x", true],
    ["https://api.internal/x", true],
    ["https://hooks.example.com/x", false],
    ["not a url", false],
  ])("%s → %s", (url, expected) => {
    expect(isDevelopmentUrl(url)).toBe(expected);
  });
});
