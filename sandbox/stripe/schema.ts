/**
 * The Stripe emulator's tables, in the sandbox's SQLite database (all prefixed `stripe_emu_`: plain
 * `stripe_` names such as `stripe_events` belong to the Selgeo side's own record of the Stripe
 * events it received, which is a different thing).
 *
 * They live in the same file as the Selgeo tables so one data dir is one rehearsal, but their
 * schema version is tracked separately (meta key `stripe_emu_schema_version`) rather than in the
 * Selgeo migration list: the two halves of the sandbox evolve independently, and neither should
 * have to renumber the other's migrations. Same rule as there: append, never edit.
 */
import type { SandboxDb } from "../db";
import { applyMigrations, getMeta, setMeta } from "../db";
import { idempotencyKeysTable } from "../tableSql";

const VERSION_KEY = "stripe_emu_schema_version";

const MIGRATIONS: readonly string[] = [
  `
  -- One emulated Stripe account per mode, with its secret and publishable key.
  CREATE TABLE stripe_emu_accounts (
    id              TEXT PRIMARY KEY,
    livemode        INTEGER NOT NULL UNIQUE CHECK (livemode IN (0, 1)),
    secret_key      TEXT NOT NULL UNIQUE,
    publishable_key TEXT NOT NULL UNIQUE,
    created         INTEGER NOT NULL
  );

  -- seq orders lists newest first even when created (seconds) ties.
  CREATE TABLE stripe_emu_webhook_endpoints (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    livemode       INTEGER NOT NULL CHECK (livemode IN (0, 1)),
    url            TEXT NOT NULL,
    enabled_events TEXT NOT NULL,
    description    TEXT,
    status         TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
    metadata       TEXT NOT NULL,
    api_version    TEXT,
    secret         TEXT NOT NULL,
    created        INTEGER NOT NULL
  );
  CREATE INDEX stripe_emu_webhook_endpoints_mode ON stripe_emu_webhook_endpoints(livemode, seq);

  -- Customers, payment intents, charges, balance transactions, refunds, checkout sessions and
  -- invoices: read back whole and never queried by field, so one JSON column each is enough.
  CREATE TABLE stripe_emu_objects (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    id       TEXT NOT NULL UNIQUE,
    object   TEXT NOT NULL,
    livemode INTEGER NOT NULL CHECK (livemode IN (0, 1)),
    data     TEXT NOT NULL,
    created  INTEGER NOT NULL
  );

  CREATE TABLE stripe_emu_events (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    id       TEXT NOT NULL UNIQUE,
    livemode INTEGER NOT NULL CHECK (livemode IN (0, 1)),
    type     TEXT NOT NULL,
    data     TEXT NOT NULL,
    created  INTEGER NOT NULL
  );
  CREATE INDEX stripe_emu_events_mode ON stripe_emu_events(livemode, seq);

  -- body: the exact bytes every attempt sends (rendered for the endpoint's api_version).
  -- next_attempt_at is real time in ms; NULL once the delivery succeeded or gave up.
  -- No foreign key to the endpoint: the log outlives a deleted endpoint.
  CREATE TABLE stripe_emu_deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    livemode        INTEGER NOT NULL CHECK (livemode IN (0, 1)),
    endpoint_id     TEXT NOT NULL,
    event_id        TEXT NOT NULL REFERENCES stripe_emu_events(id),
    event_type      TEXT NOT NULL,
    url             TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    response_status INTEGER,
    last_error      TEXT,
    next_attempt_at INTEGER,
    created         INTEGER NOT NULL
  );
  CREATE INDEX stripe_emu_deliveries_due ON stripe_emu_deliveries(next_attempt_at) WHERE next_attempt_at IS NOT NULL;

  ${idempotencyKeysTable("stripe_emu_idempotency_keys")}
  `,
];

/** Creates or upgrades the emulator's tables. */
export function migrateStripeSchema(db: SandboxDb): void {
  applyMigrations(db, MIGRATIONS, "the Stripe emulator tables", {
    read: () => Number(getMeta(db, VERSION_KEY) ?? "0"),
    write: (v) => setMeta(db, VERSION_KEY, String(v)),
  });
}
