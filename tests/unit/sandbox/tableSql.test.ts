/**
 * The statements the migrations are built from. SQLite keeps a table's `CREATE TABLE` text in
 * sqlite_master, and a migration that has shipped must keep producing the schema it always did, so
 * these pin the exact text the migrations were first written with.
 */
import { expect, it } from "vitest";
import { idempotencyKeysTable, scopedTable } from "../../../sandbox/tableSql";

it("a scoped table starts with seq, id, account and mode, names padded to the longest", () => {
  const sql = scopedTable("events", `
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created INTEGER NOT NULL
  `);
  expect(sql).toBe(`CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    livemode   INTEGER NOT NULL CHECK (livemode IN (0, 1)),
    type       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created    INTEGER NOT NULL
  );`);
});

it("an unchecked scoped table has no account foreign key and no livemode check", () => {
  const sql = scopedTable("fraud_alerts", "reasons TEXT NOT NULL", "unchecked");
  expect(sql).toContain("\n    account_id TEXT NOT NULL,\n    livemode   INTEGER NOT NULL,\n");
});

it("an idempotency key table keeps the request columns it is given before the response", () => {
  expect(idempotencyKeysTable("idempotency_keys", ["method", "path"])).toBe(`CREATE TABLE idempotency_keys (
    api_key         TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    response_status INTEGER,
    response_body   TEXT,
    created         INTEGER NOT NULL,
    PRIMARY KEY (api_key, idempotency_key)
  );`);
});
