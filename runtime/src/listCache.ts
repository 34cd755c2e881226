/**
 * Reads near the floor. `pulumi refresh` (and `preview --refresh`, and `golive drift`) calls a
 * provider's `read` once per resource, concurrently, in one provider process. Answering each from a
 * list snapshot shared by the whole process turns N GETs into about N/100 list pages, which keeps a
 * refresh of hundreds of resources far under Selgeo's 300/min.
 *
 * A snapshot is taken by the first read that needs it and shared by every read that starts within
 * SNAPSHOT_TTL_MS; any write this process makes clears it, so nothing reads its own stale writes.
 * A miss is confirmed with a direct GET before an object is reported deleted.
 */
import { listAll, type SelgeoClient } from "./client";
import type { CommissionRule, WebhookEndpoint } from "./schemas";

/** How long a snapshot answers reads. Short: a refresh reads everything within a few seconds. */
export const SNAPSHOT_TTL_MS = 10_000;

interface Snapshot<T> {
  takenAt: number;
  items: Promise<Map<string, T>>;
}

// Per client (so per API URL and key, hence per account and mode), then per list.
let snapshots = new WeakMap<SelgeoClient, Map<string, Snapshot<unknown>>>();

function snapshot<T extends { id: string }>(client: SelgeoClient, key: string, list: () => Promise<T[]>, now = Date.now()): Promise<Map<string, T>> {
  let perClient = snapshots.get(client);
  if (!perClient) snapshots.set(client, (perClient = new Map()));
  const existing = perClient.get(key) as Snapshot<T> | undefined;
  if (existing && now - existing.takenAt < SNAPSHOT_TTL_MS) return existing.items;
  const items = list().then((all) => new Map(all.map((x) => [x.id, x])));
  // A failed list must not poison later reads.
  items.catch(() => perClient.delete(key));
  perClient.set(key, { takenAt: now, items });
  return items;
}

/** Forgets every snapshot: called on each write this process makes. */
export function invalidateSnapshots(): void {
  snapshots = new WeakMap();
}

/** A webhook endpoint from the shared snapshot; undefined only when a direct GET agrees it is gone. */
export async function readWebhookEndpoint(client: SelgeoClient, id: string): Promise<WebhookEndpoint | undefined> {
  const map = await snapshot(client, "webhook_endpoints", () => client.listAllWebhookEndpoints());
  return map.get(id) ?? client.findWebhookEndpoint(id);
}

/** A commission rule from its program's shared snapshot; undefined only when a direct GET agrees. */
export async function readCommissionRule(client: SelgeoClient, programId: string, id: string): Promise<CommissionRule | undefined> {
  const map = await snapshot(client, `commission_rules:${programId}`, () =>
    listAll((startingAfter) => client.listCommissionRules(programId, { limit: 100, startingAfter })),
  );
  return map.get(id) ?? client.findCommissionRule(programId, id);
}
