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
  let cursorSql = "";
  const cursorArgs: unknown[] = [];
  if (startingAfter !== null) {
    // The cursor must be visible in the same scope: otherwise a test key could probe live ids.
    const cursor = db.prepare(`SELECT seq FROM ${table} WHERE id = ? AND ${scope.where}`).get(startingAfter, ...scope.args) as { seq: number } | undefined;
    if (!cursor) {
      throw invalidRequest("resource_missing", `starting_after '${startingAfter}' is not an object of this list (wrong id, or other mode).`, "starting_after");
    }
    cursorSql = " AND seq < ?";
    cursorArgs.push(cursor.seq);
  }
  const rows = db
    .prepare(`SELECT * FROM ${table} WHERE (${scope.where}) AND (${filter.where})${cursorSql} ORDER BY seq DESC LIMIT ?`)
    .all(...scope.args, ...filter.args, ...cursorArgs, limit + 1) as Row[];
  return { object: "list", data: rows.slice(0, limit).map(toObject), has_more: rows.length > limit };
}
