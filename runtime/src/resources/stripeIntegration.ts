/**
 * The logic behind `SelgeoStripeIntegration` (checklist item 2): Selgeo connected to the merchant's
 * Stripe account in the stack's mode, holding the signing secret of the Stripe endpoint so it can
 * verify Stripe's events. The secret is compared by fingerprint; it is never an output.
 */
import { SelgeoNotFoundError } from "../errors";
import { CONFIG_KEYS, requireSettings, selgeoClient, settingsProblems, stripeClient, stripeSettingsProblems } from "../providerSettings";
import { StripeAccountId } from "../requests/fields";
import { MODES, type Mode, type StripeIntegration } from "../schemas";
import { fingerprint, readGeneratedSecret } from "../secrets";
import { awsSettings } from "../providerSettings";
import { UNKNOWN, type CheckFailure, type CheckResult, type CreateResult, type DiffResult, type ReadResult, type UpdateResult } from "./common";

export interface StripeIntegrationInputs {
  mode: Mode;
  /** The Stripe account (`acct_…`); default: the account of the stack's Stripe key. */
  accountId?: string;
  /** Secrets Manager ARN of the Stripe endpoint's `whsec_` (StripeWebhookEndpoint.secretArn). */
  webhookSigningSecretArn: string;
  /** Its version: a new version (a new Stripe endpoint) hands Selgeo the new secret. */
  webhookSigningSecretVersionId: string;
}

export interface StripeIntegrationOutputs {
  mode: Mode;
  accountId: string;
  connected: boolean;
  livemode: boolean;
  /** The Selgeo-provided URL to register in Stripe. */
  webhookUrl: string;
  webhookSecretConfigured: boolean;
  /** Fingerprint of the secret Selgeo was given, so a changed secret is a diff without storing it. */
  webhookSecretFingerprint: string;
  webhookSigningSecretArn: string;
  webhookSigningSecretVersionId: string;
  feeDataAvailable: boolean;
}


export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
  const base = await settingsProblems();
  const failures: CheckFailure[] = (base.length > 0 ? base : await stripeSettingsProblems()).map((reason) => ({ property: "mode", reason }));
  const mode = news.mode;
  if (!(MODES as readonly unknown[]).includes(mode)) failures.push({ property: "mode", reason: 'mode is "test" or "live"' });
  else if (base.length === 0 && mode !== (await requireSettings()).mode) {
    failures.push({ property: "mode", reason: `declared for ${String(mode)} mode but ${CONFIG_KEYS.mode} is "${(await requireSettings()).mode}"` });
  }
  const accountId = news.accountId;
  if (accountId !== undefined && accountId !== UNKNOWN && !StripeAccountId.safeParse(accountId).success) {
    failures.push({ property: "accountId", reason: "accountId must be a Stripe account id (acct_…), or omit it to use the Stripe key's account" });
  }
  const arn = news.webhookSigningSecretArn;
  if (arn === "") {
    failures.push({
      property: "webhookSigningSecretArn",
      reason:
        "the Stripe endpoint's signing secret is not in Secrets Manager (an adopted endpoint: Stripe reveals a secret only on create). " +
        "Remove selgeo:stripe.adoptId: `pulumi up` then creates a new endpoint at Selgeo's URL, stores its secret, hands it to Selgeo and deletes the adopted one",
    });
  } else if (arn !== UNKNOWN && !(typeof arn === "string" && arn.startsWith("arn:"))) {
    failures.push({ property: "webhookSigningSecretArn", reason: "webhookSigningSecretArn must be the Secrets Manager ARN of the Stripe endpoint's signing secret (StripeWebhookEndpoint.secretArn)" });
  }
  return { inputs: news, failures };
}

export async function diff(_id: string, olds: Partial<StripeIntegrationOutputs>, news: Partial<StripeIntegrationInputs>): Promise<DiffResult> {
  const replaces = olds.mode !== news.mode ? ["mode"] : [];
  const secretChanged =
    !olds.webhookSecretConfigured ||
    news.webhookSigningSecretArn !== olds.webhookSigningSecretArn ||
    news.webhookSigningSecretVersionId !== olds.webhookSigningSecretVersionId;
  const accountChanged = news.accountId !== undefined && news.accountId !== olds.accountId;
  const changes = replaces.length > 0 || secretChanged || accountChanged || !olds.connected;
  return { changes, replaces, deleteBeforeReplace: true };
}

async function connect(inputs: StripeIntegrationInputs): Promise<StripeIntegrationOutputs> {
  // Read in this process only, handed straight to Selgeo: the value never reaches Pulumi.
  const { value: signingSecret } = await readGeneratedSecret({
    arn: inputs.webhookSigningSecretArn,
    versionId: inputs.webhookSigningSecretVersionId || undefined,
    region: awsSettings().region,
  });
  const accountId = inputs.accountId ?? (await (await stripeClient()).accounts.retrieveCurrent()).id;
  const wire = await (await selgeoClient()).updateStripeIntegration({ account_id: accountId, webhook_signing_secret: signingSecret });
  const wantLive = inputs.mode === "live";
  if (!wire.connected || wire.livemode !== wantLive) {
    throw new Error(
      `Selgeo's Stripe integration is not connected in ${inputs.mode} mode after connecting ${accountId}: ` +
        `check that ${CONFIG_KEYS.stripeSecretKey} is the ${inputs.mode}-mode key of the Stripe account you mean`,
    );
  }
  if (!wire.webhook_secret_configured) {
    throw new Error("Selgeo did not accept the Stripe webhook signing secret: check the StripeWebhookEndpoint's secret");
  }
  return { ...toOutputs(inputs.mode, wire, fingerprint(signingSecret)), webhookSigningSecretArn: inputs.webhookSigningSecretArn, webhookSigningSecretVersionId: inputs.webhookSigningSecretVersionId };
}

export async function create(inputs: StripeIntegrationInputs): Promise<CreateResult<StripeIntegrationOutputs>> {
  const outs = await connect(inputs);
  return { id: `stripe-integration-${inputs.mode}`, outs };
}

export async function update(_id: string, _olds: StripeIntegrationOutputs, news: StripeIntegrationInputs): Promise<UpdateResult<StripeIntegrationOutputs>> {
  return { outs: await connect(news) };
}

/** Reads the integration; a disconnected one counts as deleted so the next `up` reconnects it. */
export async function read(id: string, props: Partial<StripeIntegrationOutputs>): Promise<ReadResult<StripeIntegrationOutputs, StripeIntegrationInputs>> {
  const wire = await (await selgeoClient()).getStripeIntegration();
  if (!wire.connected) return { id: "" };
  const mode: Mode = wire.livemode ? "live" : "test";
  // Selgeo never reveals the secret; its fingerprint tells whether it is still the one we handed over.
  // One replaced behind Pulumi's back counts as not configured, so the next `up` hands ours over again.
  if (wire.webhook_secret_fingerprint && props.webhookSecretFingerprint && wire.webhook_secret_fingerprint !== props.webhookSecretFingerprint) {
    wire.webhook_secret_configured = false;
  }
  return {
    id,
    props: {
      ...toOutputs(mode, wire, wire.webhook_secret_configured ? (props.webhookSecretFingerprint ?? "") : ""),
      webhookSigningSecretArn: props.webhookSigningSecretArn ?? "",
      webhookSigningSecretVersionId: props.webhookSigningSecretVersionId ?? "",
    },
  };
}

/** Disconnects Selgeo from Stripe in this mode. */
export async function remove(): Promise<void> {
  try {
    await (await selgeoClient()).deleteStripeIntegration();
  } catch (e) {
    if (!(e instanceof SelgeoNotFoundError)) throw e;
  }
}

/**
 * The Selgeo-provided Stripe webhook URL for the configured account and mode, read before anything
 * is declared so the Stripe endpoint can point at it. A read: safe during preview.
 */
export async function lookupWebhookUrl(): Promise<string> {
  return (await (await selgeoClient()).getStripeIntegration()).webhook_url;
}

function toOutputs(mode: Mode, w: StripeIntegration, secretFingerprint: string): Omit<StripeIntegrationOutputs, "webhookSigningSecretArn" | "webhookSigningSecretVersionId"> {
  return {
    mode,
    accountId: w.account_id ?? "",
    connected: w.connected,
    livemode: w.livemode,
    webhookUrl: w.webhook_url,
    webhookSecretConfigured: w.webhook_secret_configured,
    webhookSecretFingerprint: secretFingerprint,
    feeDataAvailable: w.fee_data_available,
  };
}
