/**
 * Stripe list pagination: `limit` (1..100, default 10), `starting_after` / `ending_before` cursors,
 * newest first, `{"object":"list","data":[…],"has_more":bool,"url":"/v1/…"}`. Rows are ordered by
 * the table's `seq`, which never ties, so stripe-node's auto-pagination never skips or repeats.
 */
import type { SandboxDb } from "../db";
import { type PageCursor, type SqlCondition, cursorSeq, pageRows } from "../pagination";
import { invalidParam } from "./errors";
import type { FormObject } from "./form";
import { optionalString } from "./form";

/** A Stripe list object. */
export interface StripeList {
  object: "list";
  data: unknown[];
  has_more: boolean;
  url: string;
}

/** Parses `limit` like Stripe (integer 1..100, default 10). */
export function parseLimit(query: FormObject): number {
  const raw = optionalString(query, "limit");
  if (raw === undefined) return 10;
  if (!/^-?\d+$/.test(raw)) throw invalidParam(`Invalid integer: ${raw}`, "limit", "parameter_invalid_integer");
  const n = Number(raw);
  if (n < 1) throw invalidParam("This value must be greater than or equal to 1.", "limit");
  if (n > 100) throw invalidParam("This value must be less than or equal to 100.", "limit");
  return n;
}

/** What a Stripe list route lists: a table (with `seq`, `id`, `livemode`), named for errors and for the list's `url`. */
export interface StripeListSource<Row> {
  table: string;
  /** The object's name in a "No such …" error, e.g. `webhook endpoint`. */
  kind: string;
  url: string;
  toObject: (row: Row) => unknown;
}

/** One page of `source` in the caller's mode, `filter` narrowing it (the cursor only has to be in the mode). */
export function listPage<Row>(db: SandboxDb, source: StripeListSource<Row>, livemode: boolean, query: FormObject, filter: SqlCondition = { where: "1 = 1", args: [] }): StripeList {
  const { table, kind, url, toObject } = source;
  const limit = parseLimit(query);
  const after = optionalString(query, "starting_after");
  const before = optionalString(query, "ending_before");
  if (after !== undefined && before !== undefined) {
    throw invalidParam("You may only specify one of these parameters: ending_before, starting_after.", "ending_before");
  }
  const scope = { where: "livemode = ?", args: [livemode ? 1 : 0] };
  const cursorAt = (id: string, side: PageCursor["side"]): PageCursor => {
    const seq = cursorSeq(db, table, id, scope);
    const param = side === "before" ? "ending_before" : "starting_after";
    if (seq === undefined) throw invalidParam(`No such ${kind}: '${id}'`, param, "resource_missing");
    return { seq, side };
  };
  const cursor = before !== undefined ? cursorAt(before, "before") : after !== undefined ? cursorAt(after, "after") : undefined;
  const { rows, hasMore } = pageRows<Row>(db, table, scope, filter, limit, cursor);
  return { object: "list", data: rows.map(toObject), has_more: hasMore, url };
}
