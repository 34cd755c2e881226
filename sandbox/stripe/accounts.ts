/**
 * The emulated Stripe accounts (one per mode) and their API keys, and request authentication.
 *
 * Keys are random at first start and persisted, so a restart on the same data dir prints the same
 * keys. Their random part is 99 base62 characters, the length of today's real Stripe keys and
 * unlike the 24 of Selgeo keys, so the two kinds are told apart at a glance (and by a scanner
 * that looks at length). Nothing key-shaped is ever written in the source tree.
 */
import type { SandboxDb } from "../db";
import { newId, randomBase62 } from "../ids";
import { StripeApiError } from "./errors";

/** Length of the random part of an emulated Stripe API key. */
export const STRIPE_KEY_RANDOM_LENGTH = 99;

/** The keys of one mode as `SandboxInfo.stripe_keys` shows them. */
export interface StripeModeKeys {
  secret_key: string;
  publishable_key: string;
  /** The emulated account these keys belong to (`GET /v1/account`). */
  account_id: string;
}

/** Both modes. */
export interface StripeKeys {
  test: StripeModeKeys;
  live: StripeModeKeys;
}

/** A `stripe_emu_accounts` row. */
export interface StripeAccountRow {
  id: string;
  livemode: number;
  secret_key: string;
  publishable_key: string;
  created: number;
}

/** Who is calling: the account and mode the secret key belongs to. */
export interface StripeAuth {
  account: StripeAccountRow;
  livemode: boolean;
  key: string;
}

/** Creates the two accounts on first start and returns their keys. */
export function ensureStripeAccounts(db: SandboxDb, nowSeconds: number): StripeKeys {
  return db.transaction(() => {
    const keys: Partial<StripeKeys> = {};
    for (const mode of ["test", "live"] as const) {
      const livemode = mode === "live" ? 1 : 0;
      let row = db.prepare("SELECT * FROM stripe_emu_accounts WHERE livemode = ?").get(livemode) as StripeAccountRow | undefined;
      if (!row) {
        row = {
          id: newId("acct_"),
          livemode,
          secret_key: `sk_${mode}_${randomBase62(STRIPE_KEY_RANDOM_LENGTH)}`,
          publishable_key: `pk_${mode}_${randomBase62(STRIPE_KEY_RANDOM_LENGTH)}`,
          created: nowSeconds,
        };
        db.prepare("INSERT INTO stripe_emu_accounts (id, livemode, secret_key, publishable_key, created) VALUES (@id, @livemode, @secret_key, @publishable_key, @created)").run(row);
      }
      keys[mode] = { secret_key: row.secret_key, publishable_key: row.publishable_key, account_id: row.id };
    }
    return keys as StripeKeys;
  })();
}

/**
 * Authenticates a request like Stripe: `Authorization: Bearer sk_…`, or HTTP Basic with the key as
 * the user name (what `curl -u sk_test_…:` sends). Stripe answers 401 with type
 * `invalid_request_error` (there is no authentication_error type in its v1 bodies).
 */
export function authenticateStripe(db: SandboxDb, authorization: string | undefined): StripeAuth {
  if (!authorization) {
    throw new StripeApiError(
      401,
      "invalid_request_error",
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). The keys of this emulator are in the sandbox's first output line under stripe_keys.",
    );
  }
  const key = keyFromHeader(authorization);
  if (key === undefined) {
    throw new StripeApiError(401, "invalid_request_error", "Invalid Authorization header: use 'Bearer <secret key>' or HTTP Basic with the key as user name.");
  }
  const row = db.prepare("SELECT * FROM stripe_emu_accounts WHERE secret_key = ? OR publishable_key = ?").get(key, key) as StripeAccountRow | undefined;
  if (!row) {
    // Like Stripe, show only the last four characters.
    throw new StripeApiError(401, "invalid_request_error", `Invalid API Key provided: ${maskKey(key)}`);
  }
  if (row.publishable_key === key) {
    throw new StripeApiError(401, "invalid_request_error", "This API call cannot be made with a publishable API key. Please use a secret API key.");
  }
  return { account: row, livemode: row.livemode === 1, key };
}

function keyFromHeader(value: string): string | undefined {
  const m = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(value);
  if (!m) return undefined;
  if (m[1].toLowerCase() === "bearer") return m[2];
  const decoded = Buffer.from(m[2], "base64").toString("utf8");
  const user = decoded.split(":")[0];
  return user === "" ? undefined : user;
}

function maskKey(key: string): string {
  const prefix = /^[a-z]{2,4}_(test|live)_/.exec(key)?.[0] ?? "";
  if (key.length - prefix.length < 8) return prefix + "****";
  return prefix + "*".repeat(24) + key.slice(-4);
}

/** The `account` object of `GET /v1/account`: what Stripe returns, trimmed to stable fields. */
export function accountObject(row: StripeAccountRow): Record<string, unknown> {
  const name = row.livemode ? "Sandbox Stripe Account" : "Sandbox Stripe Account (test)";
  return {
    id: row.id,
    object: "account",
    business_profile: { mcc: null, name, product_description: null, support_email: null, support_phone: null, support_url: null, url: null },
    business_type: "company",
    capabilities: { card_payments: "active", transfers: "active" },
    charges_enabled: true,
    controller: { type: "account" },
    country: "US",
    created: row.created,
    default_currency: "usd",
    details_submitted: true,
    email: "merchant@example.com",
    metadata: {},
    payouts_enabled: true,
    settings: {
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      card_payments: { statement_descriptor_prefix: "SANDBOX", statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
      dashboard: { display_name: name, timezone: "Etc/UTC" },
      payments: { statement_descriptor: "SANDBOX", statement_descriptor_kana: null, statement_descriptor_kanji: null },
      payouts: { debit_negative_balances: true, schedule: { delay_days: 2, interval: "daily" }, statement_descriptor: null },
    },
    type: "standard",
  };
}
