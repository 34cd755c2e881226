/**
 * Cursor pagination shared by every list route: `?limit` (1..100, default 10) and
 * `?starting_after=<id>`, newest first, `{"object":"list","data":[…],"has_more":bool}`.
 * Rows are ordered by the table's `seq` column, which never ties, so pages never overlap or skip.
 */
import type { SandboxDb } from "./db";
import { invalidRequest } from "./errors";

/** Default and maximum page size. */
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 100;

/** A list page. */
export interface ListPage<T> {
  object: "list";
  data: T[];
  has_more: boolean;
}

/** Parses and validates `limit`. */
export function parseLimit(query: URLSearchParams): number {
  const raw = query.get("limit");
  if (raw === null) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIMIT) {
    throw invalidRequest("parameter_invalid", `limit must be an integer from 1 to ${MAX_LIMIT}; got '${raw}'.`, "limit");
  }
  return Number(raw);
}

/** A SQL condition written in code (never from input) and its parameters. */
export interface SqlCondition {
  where: string;
  args: unknown[];
}

/** Where a page starts: just older than the cursor row (`starting_after`) or just newer (`ending_before`). */
export interface PageCursor {
  seq: number;
  side: "after" | "before";
}

/**
 * `seq` of row `id` of `table` within `scope`, undefined when there is none there: a cursor must be
 * visible in the caller's scope, otherwise a test key could probe live ids.
 */
export function cursorSeq(db: SandboxDb, table: string, id: string, scope: SqlCondition): number | undefined {
  const row = db.prepare(`SELECT seq FROM ${table} WHERE id = ? AND (${scope.where})`).get(id, ...scope.args) as { seq: number } | undefined;
  return row?.seq;
}

/**
 * One page of the rows of `table` in `scope` that match `filter`, newest first, and whether more
 * follow beyond it (older ones, or newer ones for a `before` cursor). Both the Selgeo API and the
 * Stripe emulator page this way; they differ only in their parameters and errors.
 */
export function pageRows<Row>(db: SandboxDb, table: string, scope: SqlCondition, filter: SqlCondition, limit: number, cursor?: PageCursor): { rows: Row[]; hasMore: boolean } {
  const newer = cursor?.side === "before";
  const cursorSql = cursor === undefined ? "" : newer ? " AND seq > ?" : " AND seq < ?";
  // The page just newer than a `before` cursor is read oldest first, then returned newest first.
  const rows = db
    .prepare(`SELECT * FROM ${table} WHERE (${scope.where}) AND (${filter.where})${cursorSql} ORDER BY seq ${newer ? "ASC" : "DESC"} LIMIT ?`)
    .all(...scope.args, ...filter.args, ...(cursor === undefined ? [] : [cursor.seq]), limit + 1) as Row[];
  const page = rows.slice(0, limit);
  return { rows: newer ? page.reverse() : page, hasMore: rows.length > limit };
}

/**
 * Lists rows of `table` within a scope (account and mode), optionally filtered, newest first.
 * The cursor only has to exist in the scope, not match the filter: a delivery whose status
 * changed between two page requests must not break the walk through `?status=failed`.
 */
export function listPage<Row, T>(
  db: SandboxDb,
  table: string,
  scope: SqlCondition,
  query: URLSearchParams,
  toObject: (row: Row) => T,
  filter: SqlCondition = { where: "1 = 1", args: [] },
): ListPage<T> {
  const limit = parseLimit(query);
  const startingAfter = query.get("starting_after");
  let cursor: PageCursor | undefined;
  if (startingAfter !== null) {
    const seq = cursorSeq(db, table, startingAfter, scope);
    if (seq === undefined) {
      throw invalidRequest("resource_missing", `starting_after '${startingAfter}' is not an object of this list (wrong id, or other mode).`, "starting_after");
    }
    cursor = { seq, side: "after" };
  }
  const { rows, hasMore } = pageRows<Row>(db, table, scope, filter, limit, cursor);
  return { object: "list", data: rows.map(toObject), has_more: hasMore };
}
