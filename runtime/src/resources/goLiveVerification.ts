/**
 * The logic behind `GoLiveVerification` (checklist items 2 and 4, before item 8): the checks a
 * merchant would click through by hand, run by `pulumi up` after every other resource and before
 * the program's status. A failed check fails the resource, so the program never goes active on a
 * setup that does not work; the next `pulumi up` runs the checks again.
 */
import { canonicalJson } from "../idempotency";
import { awsSettings, rawSettings, selgeoClient } from "../providerSettings";
import { readGeneratedSecret } from "../secrets";
import { MODES, type Mode } from "../schemas";
import { type CheckFailure } from "./common";

/** One webhook endpoint to verify. */
export interface VerifiedEndpoint {
  name: string;
  endpointId: string;
  secretArn: string;
  secretVersionId: string;
}

/** Inputs: what to verify. Any change (a new endpoint, URL or secret version) runs the checks again. */
export interface VerificationInputs {
  mode: Mode;
  endpoints: VerifiedEndpoint[];
  /** The Stripe endpoint feeding Selgeo, when the stack declares one. */
  stripeEndpointId?: string;
  /** Changes whenever something verified changes (URLs, events, the Stripe secret's version). */
  fingerprint: string;
}

/** One passed check, for the outputs. */
export interface VerificationCheck {
  check: string;
  detail: string;
}

export interface VerificationOutputs extends VerificationInputs {
  checks: VerificationCheck[];
  verifiedAt: string;
}

export async function check(
  _olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const failures: CheckFailure[] = [];
  if (!(MODES as readonly unknown[]).includes(news.mode)) failures.push({ property: "mode", reason: 'mode is "test" or "live"' });
  if (!Array.isArray(news.endpoints)) failures.push({ property: "endpoints", reason: "endpoints is a list of the webhook endpoints to verify" });
  return { inputs: news, failures };
}

export async function diff(
  _id: string,
  olds: Partial<VerificationOutputs>,
  news: Partial<VerificationInputs>,
): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
  const same = canonicalJson([olds.mode, olds.endpoints, olds.stripeEndpointId ?? null, olds.fingerprint]) === canonicalJson([news.mode, news.endpoints, news.stripeEndpointId ?? null, news.fingerprint]);
  return { changes: !same, replaces: [], deleteBeforeReplace: false };
}

async function verify(inputs: VerificationInputs): Promise<VerificationOutputs> {
  const client = await selgeoClient();
  const passed: VerificationCheck[] = [];
  const failed: string[] = [];
  for (const ep of inputs.endpoints) {
    const good = await client.pingWebhookEndpoint(ep.endpointId, { signature: "valid" });
    if (good.status === "succeeded") passed.push({ check: `ping ${ep.name}`, detail: `delivery ${good.id} answered HTTP ${good.response_status}` });
    else failed.push(`ping ${ep.name}: the receiver answered ${good.response_status === null ? "nothing" : `HTTP ${good.response_status}`} (delivery ${good.id}); it must answer 2xx to a correctly signed delivery`);

    const forged = await client.pingWebhookEndpoint(ep.endpointId, { signature: "invalid" });
    const rejected = forged.status !== "succeeded" && forged.response_status !== null && forged.response_status >= 400 && forged.response_status < 500;
    if (rejected) passed.push({ check: `forged ping ${ep.name}`, detail: `a wrongly signed delivery was rejected with HTTP ${forged.response_status}` });
    else failed.push(`forged ping ${ep.name}: the receiver ${forged.status === "succeeded" ? "ACCEPTED" : "did not reject with a 4xx"} a delivery signed with a wrong secret (delivery ${forged.id}); it must verify Selgeo-Signature`);

    if (ep.secretArn) {
      const stored = await readGeneratedSecret({ arn: ep.secretArn, versionId: ep.secretVersionId || undefined, region: awsSettings().region });
      const live = await client.getWebhookEndpoint(ep.endpointId);
      if (!live.secret_fingerprint || live.secret_fingerprint === stored.fingerprint) {
        passed.push({ check: `secret ${ep.name}`, detail: `the whsec_ in Secrets Manager (${stored.fingerprint}) is the one Selgeo signs with` });
      } else {
        failed.push(`secret ${ep.name}: the whsec_ in Secrets Manager is not the one Selgeo signs with; run \`pulumi up --refresh\` to rotate to a stored secret`);
      }
    }
  }
  if (inputs.stripeEndpointId) {
    const stripeUrl = rawSettings()?.stripeApiUrl ?? "https://api.stripe.com";
    if (new URL(stripeUrl).hostname === "api.stripe.com") {
      // Stripe has no API to send a test event: the dashboard's "Send test event" is the check.
      const integration = await client.getStripeIntegration();
      if (integration.connected && integration.webhook_secret_configured) {
        passed.push({ check: "stripe", detail: `connected (${integration.account_id}); send a test event from the Stripe dashboard and run \`golive verify\`` });
      } else failed.push("stripe: Selgeo's Stripe integration is not connected with a signing secret");
    } else {
      const res = await fetch(`${stripeUrl}/_stripe/test_event`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ endpoint: inputs.stripeEndpointId, livemode: inputs.mode === "live", wait: true }),
      });
      const sent = (await res.json()) as { event?: { id: string }; id?: string };
      const eventId = sent.event?.id ?? sent.id;
      const log = (await client.listStripeEvents({ limit: 100 })).data as Array<{ id: string | null; signature_valid: boolean }>;
      const entry = log.find((e) => e.id === eventId);
      if (entry?.signature_valid) passed.push({ check: "stripe", detail: `test event ${eventId} reached Selgeo with a valid signature` });
      else failed.push(`stripe: test event ${eventId ?? "?"} ${entry ? "reached Selgeo but its signature did not verify: Selgeo holds a different Stripe signing secret; run `pulumi up --refresh`" : "never reached Selgeo's Stripe event log"}`);
    }
  }
  if (failed.length > 0) {
    throw new Error(`go-live verification failed, so the program was not activated:\n  - ${failed.join("\n  - ")}\nFix these and run \`pulumi up\` again.`);
  }
  return { ...inputs, checks: passed, verifiedAt: new Date().toISOString() };
}

export async function create(inputs: VerificationInputs): Promise<{ id: string; outs: VerificationOutputs }> {
  return { id: "go-live-verification", outs: await verify(inputs) };
}

export async function update(_id: string, _olds: VerificationOutputs, news: VerificationInputs): Promise<{ outs: VerificationOutputs }> {
  return { outs: await verify(news) };
}

/** Nothing to read back: a verification is a record of checks that passed. */
export async function read(id: string, props: VerificationOutputs): Promise<{ id: string; props: VerificationOutputs }> {
  return { id, props };
}

export async function remove(): Promise<void> {}
