/**
 * SQLite storage for the sandbox (better-sqlite3, synchronous).
 *
 * Synchronous access is a feature here: a request handler's reads and writes cannot interleave
 * with another request's, so each handler is effectively a transaction without locking code.
 * WAL mode keeps readers (e.g. a second process inspecting the file) from blocking the server.
 * Schema changes are append-only migrations tracked in `PRAGMA user_version`, so a data dir
 * created by an older sandbox upgrades in place instead of being thrown away.
 */
import Database from "better-sqlite3";
import * as fs from "fs";
import * as path from "path";

/** The sandbox database handle. */
export type SandboxDb = Database.Database;

/** File name of the database inside the data dir. */
export const DB_FILE_NAME = "selgeo-sandbox.sqlite";

/** Append-only: never edit a shipped migration, add a new one. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE accounts (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    created INTEGER NOT NULL
  );

  CREATE TABLE api_keys (
    key        TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    kind       TEXT NOT NULL CHECK (kind IN ('pk', 'sk')),
    livemode   INTEGER NOT NULL CHECK (livemode IN (0, 1)),
    created    INTEGER NOT NULL
  );
  CREATE INDEX api_keys_account ON api_keys(account_id);

  -- seq gives a total order for "newest first" pagination even when created (seconds) ties.
  CREATE TABLE webhook_endpoints (
    seq                        INTEGER PRIMARY KEY AUTOINCREMENT,
    id                         TEXT NOT NULL UNIQUE,
    account_id                 TEXT NOT NULL REFERENCES accounts(id),
    livemode                   INTEGER NOT NULL CHECK (livemode IN (0, 1)),
    url                        TEXT NOT NULL,
    events                     TEXT NOT NULL,
    description                TEXT NOT NULL,
    status                     TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
    metadata                   TEXT NOT NULL,
    secret                     TEXT NOT NULL,
    previous_secret            TEXT,
    previous_secret_expires_at INTEGER,
    created                    INTEGER NOT NULL
  );
  CREATE INDEX webhook_endpoints_scope ON webhook_endpoints(account_id, livemode, seq);

  CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    livemode   INTEGER NOT NULL CHECK (livemode IN (0, 1)),
    type       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created    INTEGER NOT NULL
  );

  -- No foreign key to webhook_endpoints: the delivery log outlives a deleted endpoint.
  CREATE TABLE webhook_deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    livemode        INTEGER NOT NULL CHECK (livemode IN (0, 1)),
    endpoint_id     TEXT NOT NULL,
    event_id        TEXT NOT NULL REFERENCES events(id),
    event_type      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'dead_lettered')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    response_status INTEGER,
    next_retry_at   INTEGER,
    forge_signature INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created         INTEGER NOT NULL
  );
  CREATE INDEX webhook_deliveries_scope ON webhook_deliveries(account_id, livemode, seq);
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_retry_at) WHERE next_retry_at IS NOT NULL;

  -- response_status NULL = the first request with this key is still executing.
  CREATE TABLE idempotency_keys (
    api_key         TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    response_status INTEGER,
    response_body   TEXT,
    created         INTEGER NOT NULL,
    PRIMARY KEY (api_key, idempotency_key)
  );
  CREATE INDEX idempotency_keys_created ON idempotency_keys(created);
  `,
];

/** Opens (creating if needed) the database in `dataDir` and brings its schema up to date. */
export function openDatabase(dataDir: string): SandboxDb {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, DB_FILE_NAME));
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  // Another process (a second sandbox on the same dir by mistake, a debugging sqlite3 shell)
  // should make us wait briefly, not fail the request outright.
  db.pragma("busy_timeout = 5000");
  migrate(db);
  return db;
}

function migrate(db: SandboxDb): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `the sandbox database has schema version ${current}, newer than this sandbox supports (${MIGRATIONS.length}); use a newer sandbox or a fresh --data-dir`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** Reads a value from the key/value `meta` table. */
export function getMeta(db: SandboxDb, key: string): string | undefined {
  const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
  return row?.value;
}

/** Writes a value to the key/value `meta` table. */
export function setMeta(db: SandboxDb, key: string, value: string): void {
  db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);
}
