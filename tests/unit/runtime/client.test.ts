/**
 * The one pagination loop (`listAll` in runtime/src/client.ts) every list-all caller uses: the
 * provider's snapshots, `golive checklist`, `verify`, `monitor` and `cleanup-test`.
 */
import { describe, expect, it } from "vitest";
import { listAll, type ListAllOptions } from "../../../runtime/src/client";

type Item = { id: string; log_id: string; created: number };

/** A newest-first list of `n` items served `size` at a time; records the cursors it was asked for. */
function server(n: number, size: number, opts: { emptyPageClaimsMore?: boolean } = {}) {
  const items: Item[] = Array.from({ length: n }, (_, i) => ({ id: `we_${n - i}`, log_id: `sel_${n - i}`, created: 1000 - i }));
  const asked: Array<string | undefined> = [];
  const fetchPage = async (after?: string) => {
    asked.push(after);
    const start = after === undefined ? 0 : items.findIndex((x) => x.id === after || x.log_id === after) + 1;
    const data = opts.emptyPageClaimsMore && start > 0 ? [] : items.slice(start, start + size);
    return { data, has_more: opts.emptyPageClaimsMore ? true : start + size < items.length };
  };
  return { fetchPage, asked };
}

describe("listAll", () => {
  it.each<[string, number, number, ListAllOptions<Item>, number, Array<string | undefined>]>([
    ["one page", 3, 100, {}, 3, [undefined]],
    ["follows has_more with the last id", 5, 2, {}, 5, [undefined, "we_4", "we_2"]],
    ["an empty list", 0, 100, {}, 0, [undefined]],
    ["stops at max, mid-page", 5, 2, { max: 3 }, 3, [undefined, "we_4"]],
    ["stops before the first item stopAt picks", 5, 2, { stopAt: (x) => x.created < 997 }, 4, [undefined, "we_4", "we_2"]],
    ["pages by another cursor", 4, 2, { cursor: (x) => x.log_id }, 4, [undefined, "sel_3"]],
  ])("%s", async (_name, n, size, opts, count, cursors) => {
    const { fetchPage, asked } = server(n, size);
    expect((await listAll(fetchPage, opts)).length).toBe(count);
    expect(asked).toEqual(cursors);
  });

  it("trusts an empty page over a has_more that says otherwise (no endless loop)", async () => {
    const { fetchPage, asked } = server(5, 2, { emptyPageClaimsMore: true });
    expect((await listAll(fetchPage)).map((x) => x.id)).toEqual(["we_5", "we_4"]);
    expect(asked).toEqual([undefined, "we_4"]);
  });
});
