/**
 * check/diff tables for WebhookEndpoint: what `pulumi preview` tells a user before anything changes.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { configureFromStack } from "../../../../runtime/src/providerSettings";
import { check, diff } from "../../../../runtime/src/resources/webhookEndpoint";

// Made up at run time, obviously fake.
const fakeKey = (mode: string) => `sk_${mode}_` + "x".repeat(8) + "fake" + "y".repeat(12);

function configure(mode: string, key = fakeKey(mode), apiUrl = "http://127.0.0.1:1") {
  const values: Record<string, string> = { "selgeo:mode": mode, "selgeo:apiUrl": apiUrl, "selgeo:secretKey": key };
  configureFromStack({ get: (k) => values[k] }, {});
}

const base = {
  resourceKey: "selgeo-golive/test/orders",
  mode: "test" as const,
  url: "https://hooks.example.com/selgeo",
  events: ["conversion.created"],
  description: "",
  enabled: true,
  metadata: {},
};

describe("WebhookEndpoint check", () => {
  beforeEach(() => configure("test"));

  const cases: Array<{ name: string; mode?: string; input: Record<string, unknown>; property?: string; reason?: RegExp }> = [
    { name: "a valid endpoint", input: {} },
    { name: "localhost is fine in test mode", input: { url: "http://localhost:3000/hook" } },
    { name: "an unknown event", input: { events: ["conversion.created", "order.paid"] }, property: "events[1]", reason: /not a Selgeo event type; use one of/ },
    { name: "no events", input: { events: [] }, property: "events", reason: /at least one event/ },
    { name: "a long description", input: { description: "d".repeat(501) }, property: "description", reason: /at most 500/ },
    { name: "credentials in the URL", input: { url: "https://user:pw@hooks.example.com/x" }, property: "url" },
    { name: "not a URL", input: { url: "hooks" }, property: "url" },
    { name: "the reserved metadata key", input: { metadata: { golive_resource: "x" } }, property: "metadata.golive_resource", reason: /reserved/ },
    { name: "an adoptId that is not an endpoint id", input: { adoptId: "prog_1" }, property: "adoptId", reason: /we_/ },
    { name: "a resource mode that differs from the stack", input: { mode: "live", url: "https://hooks.example.com/x" }, property: "mode", reason: /selgeo:mode is "test"/ },
  ];
  it.each(cases)("$name", async ({ input, property, reason }) => {
    const { failures } = await check({}, { ...base, ...input });
    if (!property) {
      expect(failures).toEqual([]);
      return;
    }
    const f = failures.find((x) => x.property === property);
    expect(f, JSON.stringify(failures)).toBeDefined();
    if (reason) expect(f!.reason).toMatch(reason);
  });

  it.each([
    ["http://hooks.example.com/x", /https/i],
    ["https://localhost/x", /localhost|loopback|public/i],
    ["https://10.0.0.5/x", /private|public/i],
    ["https://hooks.internal/x", /internal|public/i],
  ])("live mode rejects %s", async (url, reason) => {
    configure("live");
    const { failures } = await check({}, { ...base, mode: "live", url });
    const f = failures.find((x) => x.property === "url");
    expect(f, JSON.stringify(failures)).toBeDefined();
    expect(f!.reason).toMatch(reason);
  });

  it("normalises events to a sorted set", async () => {
    const { inputs, failures } = await check({}, { ...base, events: ["commission.created", "conversion.created", "commission.created"] });
    expect(failures).toEqual([]);
    expect(inputs.events).toEqual(["commission.created", "conversion.created"]);
  });

  it("a test key on a live stack names the config path and never echoes the key", async () => {
    const key = fakeKey("test");
    configure("live", key);
    const { failures } = await check({}, { ...base, mode: "live" });
    const msg = failures.map((f) => f.reason).join("\n");
    expect(msg).toMatch(/selgeo:secretKey is a test-mode key but selgeo:mode is "live"/);
    expect(msg).not.toContain(key);
  });

  it("a missing key says how to set it", async () => {
    configureFromStack({ get: (k) => ({ "selgeo:mode": "test", "selgeo:apiUrl": "http://127.0.0.1:1" })[k] }, {});
    const { failures } = await check({}, base);
    expect(failures.map((f) => f.reason).join("\n")).toMatch(/pulumi config set --secret selgeo:secretKey/);
  });
});

describe("WebhookEndpoint diff", () => {
  const olds = { ...base, endpointId: "we_1", secret: "s", secretFingerprint: "f", livemode: false, status: "enabled" as const, created: 1 };
  const cases: Array<{ name: string; news: Record<string, unknown>; changes: boolean; replaces: string[] }> = [
    { name: "nothing changed", news: {}, changes: false, replaces: [] },
    { name: "events reordered", news: { events: ["conversion.created"] }, changes: false, replaces: [] },
    { name: "an event added", news: { events: ["conversion.created", "commission.created"] }, changes: true, replaces: [] },
    { name: "url changed", news: { url: "https://hooks.example.com/v2" }, changes: true, replaces: [] },
    { name: "disabled", news: { enabled: false }, changes: true, replaces: [] },
    { name: "description changed", news: { description: "x" }, changes: true, replaces: [] },
    { name: "metadata changed", news: { metadata: { team: "growth" } }, changes: true, replaces: [] },
    { name: "mode changed", news: { mode: "live" }, changes: true, replaces: ["mode"] },
    { name: "adoption target changed", news: { adoptId: "we_2" }, changes: true, replaces: ["adoptId"] },
  ];
  it.each(cases)("$name", async ({ news, changes, replaces }) => {
    const d = await diff("we_1", olds, { ...base, ...news } as never);
    expect(d.changes).toBe(changes);
    expect(d.replaces).toEqual(replaces);
  });
});
