/**
 * Selgeo's side of the Stripe integration, one per account and mode: the connected Stripe
 * account, the signing secret of the Stripe webhook endpoint that posts to Selgeo's receiver,
 * and whether fee data (balance transactions) is available for net-basis commissions.
 */
import type { StripeIntegration } from "@selgeo-golive/runtime";
import type { SandboxDb } from "./db";
import { secretFingerprint } from "./endpoints";
import { bit, modeOf } from "./validate";

/** A `stripe_integrations` row. */
export interface StripeIntegrationRow {
  account_id: string;
  livemode: number;
  stripe_account_id: string | null;
  webhook_secret: string | null;
  fee_data_override: number | null;
  updated: number;
}

/** The row, or an empty (disconnected) one if the merchant never touched the integration. */
export function getIntegration(db: SandboxDb, accountId: string, livemode: boolean): StripeIntegrationRow {
  const row = db.prepare("SELECT * FROM stripe_integrations WHERE account_id = ? AND livemode = ?").get(accountId, bit(livemode)) as StripeIntegrationRow | undefined;
  return row ?? { account_id: accountId, livemode: bit(livemode), stripe_account_id: null, webhook_secret: null, fee_data_override: null, updated: 0 };
}

/** Writes the row (insert or replace). */
export function saveIntegration(db: SandboxDb, row: StripeIntegrationRow): void {
  db.prepare(
    `INSERT INTO stripe_integrations (account_id, livemode, stripe_account_id, webhook_secret, fee_data_override, updated) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(account_id, livemode) DO UPDATE SET stripe_account_id = excluded.stripe_account_id, webhook_secret = excluded.webhook_secret,
       fee_data_override = excluded.fee_data_override, updated = excluded.updated`,
  ).run(row.account_id, row.livemode, row.stripe_account_id, row.webhook_secret, row.fee_data_override, row.updated);
}

/** Connected = a Stripe account id is set for that mode. */
export function isStripeConnected(db: SandboxDb, accountId: string, livemode: boolean): boolean {
  return getIntegration(db, accountId, livemode).stripe_account_id !== null;
}

/**
 * Fee data is available whenever Stripe is connected (the emulator, like Stripe, exposes
 * balance-transaction fees), unless the sandbox admin route overrode it to rehearse a merchant
 * whose fee data is missing.
 */
export function feeDataAvailable(row: StripeIntegrationRow): boolean {
  if (row.stripe_account_id === null) return false;
  return row.fee_data_override === null ? true : row.fee_data_override === 1;
}

/** The receiver URL for one merchant and mode: stable, known before Stripe is connected. */
export function stripeWebhookUrl(baseUrl: string, accountId: string, livemode: boolean): string {
  return `${baseUrl}/v1/stripe/webhooks/${accountId}/${modeOf(livemode)}`;
}

/** The wire object; the signing secret itself is never returned. */
export function integrationObject(row: StripeIntegrationRow, baseUrl: string): StripeIntegration {
  return {
    object: "stripe_integration",
    livemode: row.livemode === 1,
    connected: row.stripe_account_id !== null,
    account_id: row.stripe_account_id,
    webhook_url: stripeWebhookUrl(baseUrl, row.account_id, row.livemode === 1),
    webhook_secret_configured: row.webhook_secret !== null,
    // As for webhook endpoints: a non-reversible tag, so a client can tell the secret was replaced.
    webhook_secret_fingerprint: row.webhook_secret !== null ? secretFingerprint(row.webhook_secret) : null,
    fee_data_available: feeDataAvailable(row),
  };
}
