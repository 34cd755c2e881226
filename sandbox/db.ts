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
import { idempotencyKeysTable, scopedTable } from "./tableSql";

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

  ${scopedTable("webhook_endpoints", `
    url                        TEXT NOT NULL,
    events                     TEXT NOT NULL,
    description                TEXT NOT NULL,
    status                     TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
    metadata                   TEXT NOT NULL,
    secret                     TEXT NOT NULL,
    previous_secret            TEXT,
    previous_secret_expires_at INTEGER,
    created                    INTEGER NOT NULL
  `)}
  CREATE INDEX webhook_endpoints_scope ON webhook_endpoints(account_id, livemode, seq);

  ${scopedTable("events", `
    type    TEXT NOT NULL,
    payload TEXT NOT NULL,
    created INTEGER NOT NULL
  `)}

  -- No foreign key to webhook_endpoints: the delivery log outlives a deleted endpoint.
  ${scopedTable("webhook_deliveries", `
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
  `)}
  CREATE INDEX webhook_deliveries_scope ON webhook_deliveries(account_id, livemode, seq);
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_retry_at) WHERE next_retry_at IS NOT NULL;

  ${idempotencyKeysTable("idempotency_keys", ["method", "path"])}
  CREATE INDEX idempotency_keys_created ON idempotency_keys(created);
  `,
  // 2: programs, commission rules, the Stripe integration and the conversion flow, added as a
// second migration so that databases created before them upgrade in place.
  `
  ${scopedTable("programs", `
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    currency     TEXT NOT NULL,
    metadata     TEXT NOT NULL,
    created      INTEGER NOT NULL,
    activated_at INTEGER
  `)}
  CREATE INDEX programs_scope ON programs(account_id, livemode, seq);

  ${scopedTable("commission_rules", `
    program_id       TEXT NOT NULL REFERENCES programs(id),
    name             TEXT NOT NULL,
    type             TEXT NOT NULL CHECK (type IN ('percentage', 'flat')),
    percentage       REAL,
    flat_amount      INTEGER,
    currency         TEXT,
    basis            TEXT NOT NULL CHECK (basis IN ('gross', 'net')),
    hold_period_days INTEGER NOT NULL,
    auto_approve     INTEGER NOT NULL CHECK (auto_approve IN (0, 1)),
    applies_to       TEXT NOT NULL,
    recurring_months INTEGER,
    metadata         TEXT NOT NULL,
    created          INTEGER NOT NULL
  `)}
  CREATE INDEX commission_rules_program ON commission_rules(program_id, seq);

  -- One row per account and mode; created on first write. fee_data_override NULL = derived.
  CREATE TABLE stripe_integrations (
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    livemode          INTEGER NOT NULL CHECK (livemode IN (0, 1)),
    stripe_account_id TEXT,
    webhook_secret    TEXT,
    fee_data_override INTEGER,
    updated           INTEGER NOT NULL,
    PRIMARY KEY (account_id, livemode)
  );

  -- Every request the public Stripe receiver got. livemode = the receiver URL's mode;
  -- event_livemode = what the event claims. processed = 1 only for a valid, first delivery.
  ${scopedTable("stripe_events", `
    event_id             TEXT,
    type                 TEXT,
    event_livemode       INTEGER,
    signature_valid      INTEGER NOT NULL CHECK (signature_valid IN (0, 1)),
    processed            INTEGER NOT NULL DEFAULT 0,
    duplicate_deliveries INTEGER NOT NULL DEFAULT 0,
    error                TEXT,
    received_at          INTEGER NOT NULL
  `)}
  CREATE INDEX stripe_events_scope ON stripe_events(account_id, livemode, seq);
  CREATE INDEX stripe_events_event ON stripe_events(account_id, livemode, event_id);

  ${scopedTable("participants", `
    program_id  TEXT NOT NULL REFERENCES programs(id),
    email       TEXT NOT NULL,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    metadata    TEXT NOT NULL,
    created     INTEGER NOT NULL,
    approved_at INTEGER
  `)}
  CREATE INDEX participants_program ON participants(program_id, seq);

  ${scopedTable("clicks", `
    program_id     TEXT NOT NULL REFERENCES programs(id),
    participant_id TEXT NOT NULL REFERENCES participants(id),
    url            TEXT NOT NULL,
    created        INTEGER NOT NULL
  `)}

  ${scopedTable("conversions", `
    program_id        TEXT NOT NULL,
    participant_id    TEXT NOT NULL,
    click_id          TEXT,
    source            TEXT NOT NULL CHECK (source IN ('api', 'stripe')),
    stripe_event_type TEXT,
    stripe_event_id   TEXT,
    external_id       TEXT,
    customer          TEXT,
    customer_email    TEXT,
    payment_intent    TEXT,
    subscription      TEXT,
    recurring         INTEGER NOT NULL DEFAULT 0,
    amount            INTEGER NOT NULL,
    currency          TEXT NOT NULL,
    fee               INTEGER,
    refunded_amount   INTEGER NOT NULL DEFAULT 0,
    status            TEXT NOT NULL,
    fraud_reasons     TEXT NOT NULL DEFAULT '[]',
    metadata          TEXT NOT NULL DEFAULT '{}',
    created           INTEGER NOT NULL
  `)}
  CREATE INDEX conversions_scope ON conversions(account_id, livemode, seq);
  CREATE UNIQUE INDEX conversions_external_id ON conversions(account_id, livemode, external_id) WHERE external_id IS NOT NULL;
  CREATE INDEX conversions_payment_intent ON conversions(account_id, livemode, payment_intent);
  CREATE INDEX conversions_click ON conversions(click_id);

  ${scopedTable("commissions", `
    program_id      TEXT NOT NULL,
    participant_id  TEXT NOT NULL,
    conversion_id   TEXT NOT NULL REFERENCES conversions(id),
    rule_id         TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    status          TEXT NOT NULL,
    available_on    INTEGER,
    auto_approve    INTEGER NOT NULL,
    refunded_amount INTEGER NOT NULL DEFAULT 0,
    reason          TEXT,
    created         INTEGER NOT NULL,
    approved_at     INTEGER
  `)}
  CREATE INDEX commissions_scope ON commissions(account_id, livemode, seq);
  CREATE INDEX commissions_conversion ON commissions(conversion_id);
  CREATE INDEX commissions_hold ON commissions(status, available_on);

  -- Which partner a Stripe customer belongs to, per program, from its first conversion.
  CREATE TABLE customer_attributions (
    account_id          TEXT NOT NULL,
    livemode            INTEGER NOT NULL,
    program_id          TEXT NOT NULL,
    customer            TEXT NOT NULL,
    participant_id      TEXT NOT NULL,
    first_conversion_id TEXT NOT NULL,
    first_conversion_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, livemode, program_id, customer)
  );

  ${scopedTable("attribution_audit_log", `
    type            TEXT NOT NULL,
    message         TEXT NOT NULL,
    conversion_id   TEXT,
    commission_id   TEXT,
    program_id      TEXT,
    participant_id  TEXT,
    click_id        TEXT,
    customer        TEXT,
    stripe_event_id TEXT,
    created         INTEGER NOT NULL
  `, "unchecked")}
  CREATE INDEX attribution_audit_log_scope ON attribution_audit_log(account_id, livemode, seq);

  ${scopedTable("fraud_alerts", `
    conversion_id  TEXT NOT NULL,
    program_id     TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    reasons        TEXT NOT NULL,
    created        INTEGER NOT NULL
  `, "unchecked")}
  CREATE INDEX fraud_alerts_scope ON fraud_alerts(account_id, livemode, seq);
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
  applyMigrations(db, MIGRATIONS, "the sandbox database", {
    read: () => db.pragma("user_version", { simple: true }) as number,
    write: (v) => db.pragma(`user_version = ${v}`),
  });
}

/**
 * Runs the migrations a database has not had yet, each in a transaction with its version bump, and
 * refuses a database newer than the list (`what` names it in that error). The Selgeo tables keep
 * their version in `PRAGMA user_version`, the Stripe emulator's in a `meta` key.
 */
export function applyMigrations(db: SandboxDb, migrations: readonly string[], what: string, version: { read(): number; write(v: number): void }): void {
  const current = version.read();
  if (current > migrations.length) {
    throw new Error(`${what} has schema version ${current}, newer than this sandbox supports (${migrations.length}); use a newer sandbox or a fresh --data-dir`);
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]);
      version.write(v + 1);
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
