/**
 * Stripe list pagination: `limit` (1..100, default 10), `starting_after` / `ending_before` cursors,
 * newest first, `{"object":"list","data":[…],"has_more":bool,"url":"/v1/…"}`. Rows are ordered by
 * the table's `seq`, which never ties, so stripe-node's auto-pagination never skips or repeats.
 */
import type { SandboxDb } from "../db";
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

/** A SQL condition written in code (never from input) and its parameters. */
export interface SqlFilter {
  where: string;
  args: unknown[];
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

/** One page of `table` (which has `seq`, `id`, `livemode`) in the caller's mode. */
export function listPage<Row>(
  db: SandboxDb,
  table: string,
  kind: string,
  livemode: boolean,
  query: FormObject,
  url: string,
  toObject: (row: Row) => unknown,
  filter: SqlFilter = { where: "1 = 1", args: [] },
): StripeList {
  const limit = parseLimit(query);
  const after = optionalString(query, "starting_after");
  const before = optionalString(query, "ending_before");
  if (after !== undefined && before !== undefined) {
    throw invalidParam("You may only specify one of these parameters: ending_before, starting_after.", "ending_before");
  }
  const mode = livemode ? 1 : 0;
  const cursorSeq = (id: string, param: string): number => {
    // The cursor must be in the caller's mode: a test key must not probe live ids.
    const row = db.prepare(`SELECT seq FROM ${table} WHERE id = ? AND livemode = ?`).get(id, mode) as { seq: number } | undefined;
    if (!row) throw invalidParam(`No such ${kind}: '${id}'`, param, "resource_missing");
    return row.seq;
  };
  let rows: Row[];
  if (before !== undefined) {
    // The page just newer than the cursor, still returned newest first.
    rows = db
      .prepare(`SELECT * FROM ${table} WHERE livemode = ? AND (${filter.where}) AND seq > ? ORDER BY seq ASC LIMIT ?`)
      .all(mode, ...filter.args, cursorSeq(before, "ending_before"), limit + 1) as Row[];
    const hasMore = rows.length > limit;
    return { object: "list", data: rows.slice(0, limit).reverse().map(toObject), has_more: hasMore, url };
  }
  const afterSql = after !== undefined ? " AND seq < ?" : "";
  const afterArgs = after !== undefined ? [cursorSeq(after, "starting_after")] : [];
  rows = db
    .prepare(`SELECT * FROM ${table} WHERE livemode = ? AND (${filter.where})${afterSql} ORDER BY seq DESC LIMIT ?`)
    .all(mode, ...filter.args, ...afterArgs, limit + 1) as Row[];
  return { object: "list", data: rows.slice(0, limit).map(toObject), has_more: rows.length > limit, url };
}
