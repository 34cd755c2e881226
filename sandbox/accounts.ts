/** Merchant accounts and their API keys. */
import { type Mode, type SandboxInfo, ID_PREFIXES } from "@selgeo-golive/runtime";
import type { SandboxDb } from "./db";
import { getMeta, setMeta } from "./db";
import { newApiKey, newId } from "./ids";

/** The four keys of an account. */
export type AccountKeys = SandboxInfo["keys"];

/** An account as stored. */
export interface AccountRecord {
  id: string;
  name: string;
  created: number;
}

/** Name of the account created on first start. */
export const DEFAULT_ACCOUNT_NAME = "Sandbox Merchant";
const DEFAULT_ACCOUNT_KEY = "default_account_id";

/** Creates an account with a publishable and a secret key for each mode. */
export function createAccount(db: SandboxDb, name: string, nowSeconds: number): { account: AccountRecord; keys: AccountKeys } {
  const account: AccountRecord = { id: newId(ID_PREFIXES.account), name, created: nowSeconds };
  const keys: AccountKeys = {
    test: { pk: newApiKey("pk", "test"), sk: newApiKey("sk", "test") },
    live: { pk: newApiKey("pk", "live"), sk: newApiKey("sk", "live") },
  };
  db.transaction(() => {
    db.prepare("INSERT INTO accounts (id, name, created) VALUES (?, ?, ?)").run(account.id, account.name, account.created);
    const insertKey = db.prepare("INSERT INTO api_keys (key, account_id, kind, livemode, created) VALUES (?, ?, ?, ?, ?)");
    for (const mode of ["test", "live"] as const) {
      insertKey.run(keys[mode].pk, account.id, "pk", mode === "live" ? 1 : 0, nowSeconds);
      insertKey.run(keys[mode].sk, account.id, "sk", mode === "live" ? 1 : 0, nowSeconds);
    }
  })();
  return { account, keys };
}

/** The account created on first start (creating it if this data dir is new), with its keys. */
export function ensureDefaultAccount(db: SandboxDb, nowSeconds: number): { account: AccountRecord; keys: AccountKeys } {
  return db.transaction(() => {
    const id = getMeta(db, DEFAULT_ACCOUNT_KEY);
    if (id) {
      const account = getAccount(db, id);
      if (account) return { account, keys: accountKeys(db, id) };
    }
    const created = createAccount(db, DEFAULT_ACCOUNT_NAME, nowSeconds);
    setMeta(db, DEFAULT_ACCOUNT_KEY, created.account.id);
    return created;
  })();
}

/** An account by id. */
export function getAccount(db: SandboxDb, id: string): AccountRecord | undefined {
  return db.prepare("SELECT id, name, created FROM accounts WHERE id = ?").get(id) as AccountRecord | undefined;
}

function accountKeys(db: SandboxDb, accountId: string): AccountKeys {
  const rows = db.prepare("SELECT key, kind, livemode FROM api_keys WHERE account_id = ? ORDER BY created, rowid").all(accountId) as {
    key: string;
    kind: "pk" | "sk";
    livemode: number;
  }[];
  const pick = (kind: "pk" | "sk", mode: Mode) => {
    const row = rows.find((r) => r.kind === kind && r.livemode === (mode === "live" ? 1 : 0));
    if (!row) throw new Error(`account ${accountId} has no ${kind} key for ${mode} mode; the data dir is damaged`);
    return row.key;
  };
  return { test: { pk: pick("pk", "test"), sk: pick("sk", "test") }, live: { pk: pick("pk", "live"), sk: pick("sk", "live") } };
}
