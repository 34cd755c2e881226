/**
 * The key chain every idempotent create follows: which link a create ends on, and what it answers
 * with, for the histories a stack lives through (first up, crashed rerun, destroy→up, repair).
 */
import { describe, expect, it } from "vitest";
import { chainedIdempotencyKey, deriveIdempotencyKey, MAX_KEY_CHAIN_LINKS } from "../../../../runtime/src/idempotency";
import { createWithKeyChain } from "../../../../runtime/src/resources/common";

describe("chainedIdempotencyKey", () => {
  const base = deriveIdempotencyKey(["program.create", "proj/stack/program", "{}"]);
  it.each([
    [1, base],
    [2, `${base}~2`],
    [3, `${base}~3`],
    [MAX_KEY_CHAIN_LINKS, `${base}~${MAX_KEY_CHAIN_LINKS}`],
  ])("link %i is %s", (link, key) => expect(chainedIdempotencyKey(base, link)).toBe(key));

  it.each([0, -1, 1.5])("link %s is refused", (link) => expect(() => chainedIdempotencyKey(base, link)).toThrow(/start at 1/));

  it("every link stays within Selgeo's 255-character key limit", () => {
    expect(chainedIdempotencyKey(base, MAX_KEY_CHAIN_LINKS).length).toBeLessThanOrEqual(255);
  });
});

/**
 * A replay store like Selgeo's and Stripe's: the first request with a key creates, later ones answer
 * with the first response, whatever happened to the object since.
 */
class ReplayStore {
  private next = 1;
  readonly replays = new Map<string, string>();
  readonly state = new Map<string, "live" | "deleted" | "archived">();
  creates = 0;

  create(key: string): { id: string } {
    const seen = this.replays.get(key);
    if (seen) return { id: seen };
    const id = `obj_${this.next++}`;
    this.creates++;
    this.replays.set(key, id);
    this.state.set(id, "live");
    return { id };
  }
}

type Step = "up" | "destroy" | "archive" | "crashed-up" | "repair" | "repair-crashed";

describe("createWithKeyChain", () => {
  const baseKey = "golive-base";

  /** Runs one create the way a provider does, avoiding `avoid`. */
  const up = (store: ReplayStore, avoid: string[] = []) =>
    createWithKeyChain({
      what: "endpoint proj/stack/orders",
      baseKey,
      create: async (k) => store.create(k),
      idOf: (o) => o.id,
      isLive: async (o) => store.state.get(o.id) === "live",
      avoid,
    });

  const cases: Array<{ name: string; history: Step[]; link: number; creates: number; live: number }> = [
    { name: "first up creates on the base key", history: ["up"], link: 1, creates: 1, live: 1 },
    { name: "an up crashed after the create commits: the rerun gets the same object", history: ["crashed-up", "up"], link: 1, creates: 1, live: 1 },
    { name: "destroy then up: the replay is deleted, link 2 creates", history: ["up", "destroy", "up"], link: 2, creates: 2, live: 1 },
    { name: "an archived replay (programs) counts as gone", history: ["up", "archive", "up"], link: 2, creates: 2, live: 1 },
    { name: "destroy, up, destroy, up: link 3", history: ["up", "destroy", "up", "destroy", "up"], link: 3, creates: 3, live: 1 },
    { name: "destroy then a crashed up then up: no duplicate", history: ["up", "destroy", "crashed-up", "up"], link: 2, creates: 2, live: 1 },
    { name: "a repair avoids the object it replaces", history: ["up", "repair"], link: 2, creates: 2, live: 2 },
    { name: "a repair whose first run crashed: the rerun finds the replacement", history: ["up", "repair-crashed", "repair"], link: 2, creates: 2, live: 2 },
  ];

  it.each(cases)("$name", async ({ history, link, creates, live }) => {
    const store = new ReplayStore();
    let current: string | undefined;
    let last: { link: number; object: { id: string } } | undefined;
    for (const step of history) {
      if (step === "destroy" || step === "archive") {
        store.state.set(current!, step === "destroy" ? "deleted" : "archived");
        current = undefined;
      } else if (step === "crashed-up" || step === "repair-crashed") {
        // The create committed but the engine never recorded it.
        await up(store, step === "repair-crashed" ? [current!] : []);
      } else {
        last = await up(store, step === "repair" ? [current!] : []);
        if (step === "up") current = last.object.id;
      }
    }
    expect(last!.link).toBe(link);
    expect(last!.object.id).not.toBe(history.includes("repair") ? current : undefined);
    expect(store.creates).toBe(creates);
    expect([...store.state.values()].filter((s) => s === "live")).toHaveLength(live);
  });

  it("a freshly created answer skips the liveness read", async () => {
    const store = new ReplayStore();
    let reads = 0;
    await createWithKeyChain({
      what: "x",
      baseKey,
      create: async (k) => store.create(k),
      idOf: (o) => o.id,
      isLive: async () => (reads++, true),
      wasReplayed: () => false,
    });
    expect(reads).toBe(0);
  });

  it("gives up with the resource named after the last link", async () => {
    const gone = createWithKeyChain({
      what: "program proj/stack/program",
      baseKey,
      create: async (k) => ({ id: k }),
      idOf: (o) => o.id,
      isLive: async () => false,
    });
    await expect(gone).rejects.toThrow(new RegExp(`creating program proj/stack/program: the last ${MAX_KEY_CHAIN_LINKS} idempotent creates`));
  });
});
