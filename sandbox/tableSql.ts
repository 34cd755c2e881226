/**
 * `CREATE TABLE` statements for the shapes the sandbox's migrations repeat: tables of one account's
 * objects in one mode, and idempotency key stores.
 *
 * SQLite keeps each statement's text in `sqlite_master`, and a shipped migration must keep
 * producing the schema it always did, so these render exactly the text the migrations were first
 * written with: column names padded to the longest name in the table, four spaces in.
 */

/** `name definition` pairs, one a line, as a migration lists them (the padding does not matter). */
function parseColumns(columns: string): [string, string][] {
  return columns
    .split("\n")
    .map((line) => line.trim().replace(/,$/, ""))
    .filter((line) => line !== "")
    .map((line) => {
      const space = line.indexOf(" ");
      return [line.slice(0, space), line.slice(space + 1).trim()];
    });
}

function createTable(name: string, columns: [string, string][], constraints: string[] = []): string {
  const width = Math.max(...columns.map(([column]) => column.length));
  const lines = [...columns.map(([column, definition]) => `    ${column.padEnd(width)} ${definition}`), ...constraints.map((c) => `    ${c}`)];
  return `CREATE TABLE ${name} (\n${lines.join(",\n")}\n  );`;
}

/**
 * A table of one account's objects in one mode. It starts with the columns every such table has:
 * `seq` gives a total order for "newest first" pagination even when `created` (seconds) ties, `id`
 * is the public id. `columns` are the table's own, one `name definition` a line.
 *
 * `keys: "unchecked"` is how the attribution audit log and fraud alerts were first created, without
 * the foreign key to the account and the check on `livemode`; their migration must stay that way.
 */
export function scopedTable(name: string, columns: string, keys: "checked" | "unchecked" = "checked"): string {
  const checked = keys === "checked";
  const scope: [string, string][] = [
    ["seq", "INTEGER PRIMARY KEY AUTOINCREMENT"],
    ["id", "TEXT NOT NULL UNIQUE"],
    ["account_id", checked ? "TEXT NOT NULL REFERENCES accounts(id)" : "TEXT NOT NULL"],
    ["livemode", checked ? "INTEGER NOT NULL CHECK (livemode IN (0, 1))" : "INTEGER NOT NULL"],
  ];
  return createTable(name, [...scope, ...parseColumns(columns)]);
}

/**
 * An idempotency key store: the first request with a key records its response (`response_status`
 * NULL while it is still executing), and a retry with the same key and request gets that response
 * again. `requestColumns` name what else is kept of the first request (TEXT) to explain a retry
 * whose request differs.
 */
export function idempotencyKeysTable(name: string, requestColumns: readonly string[] = []): string {
  const columns: [string, string][] = [
    ["api_key", "TEXT NOT NULL"],
    ["idempotency_key", "TEXT NOT NULL"],
    ["request_hash", "TEXT NOT NULL"],
    ...requestColumns.map((column): [string, string] => [column, "TEXT NOT NULL"]),
    ["response_status", "INTEGER"],
    ["response_body", "TEXT"],
    ["created", "INTEGER NOT NULL"],
  ];
  return createTable(name, columns, ["PRIMARY KEY (api_key, idempotency_key)"]);
}

/** The columns `scopedTable` starts a table with, as a row type reads them (`livemode` 0 or 1). */
export interface ScopedRow {
  seq: number;
  id: string;
  account_id: string;
  livemode: number;
}
