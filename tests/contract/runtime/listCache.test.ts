/**
 * Reads near the floor, over real HTTP to the sandbox: a refresh's worth of concurrent reads is
 * answered by a couple of list pages, a write invalidates the snapshot, and a miss is confirmed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SelgeoClient } from "../../../runtime/src/client";
import { invalidateSnapshots, readWebhookEndpoint } from "../../../runtime/src/listCache";
import { startSandbox } from "../../../sandbox/server";

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
let sandbox: Sandbox;
let client: SelgeoClient;
const ids: string[] = [];

const counters = async () => (await (await fetch(`${sandbox.url}/_sandbox/requests`)).json()) as { by_method: Record<string, number> };
const reset = () => fetch(`${sandbox.url}/_sandbox/requests`, { method: "DELETE" });

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  // Setting up 150 endpoints is not what is measured: lift the limit for it.
  await fetch(`${sandbox.url}/_sandbox/rate_limits`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ general_per_ip: 100_000 }) });
  client = new SelgeoClient({ baseUrl: sandbox.url, apiKey: sandbox.info.keys.test.sk });
  for (let i = 0; i < 150; i++) {
    ids.push((await client.createWebhookEndpoint({ url: `https://hooks.example.com/${i}`, events: ["ping"] })).id);
  }
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
});

describe("list snapshot for reads", () => {
  it("150 concurrent reads cost 2 list pages, not 150 GETs", async () => {
    invalidateSnapshots();
    await reset();
    const found = await Promise.all(ids.map((id) => readWebhookEndpoint(client, id)));
    expect(found.every((ep, i) => ep?.id === ids[i])).toBe(true);
    expect((await counters()).by_method.GET).toBe(2);
  });

  it("a write invalidates the snapshot, and a deleted object is confirmed gone with one GET", async () => {
    await client.deleteWebhookEndpoint(ids[0]);
    invalidateSnapshots();
    await reset();
    expect(await readWebhookEndpoint(client, ids[0])).toBeUndefined();
    // Two list pages for the new snapshot, one GET to confirm the miss.
    expect((await counters()).by_method.GET).toBe(3);
  });

  it("an object created after the snapshot is still found (by a direct GET)", async () => {
    invalidateSnapshots();
    await readWebhookEndpoint(client, ids[1]);
    const late = await client.createWebhookEndpoint({ url: "https://hooks.example.com/late", events: ["ping"] });
    expect((await readWebhookEndpoint(client, late.id))?.id).toBe(late.id);
  });
});
