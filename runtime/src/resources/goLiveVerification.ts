/**
 * The logic behind `GoLiveVerification` (checklist items 2 and 4, before item 8): the checks a
 * merchant would click through by hand, run by `pulumi up` after every other resource and before
 * the program's status. A failed check fails the resource, so the program never goes active on a
 * setup that does not work; the next `pulumi up` runs the checks again.
 */
import { canonicalJson } from "../idempotency";
import { awsSettings, selgeoClient, stripeClient } from "../providerSettings";
import { readGeneratedSecret } from "../secrets";
import { MODES, type Mode } from "../schemas";
import { checkStripeDelivery } from "../stripeDeliveryCheck";
import { type CheckFailure, type CheckResult, type CreateResult, type DiffResult, type UpdateResult } from "./common";

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
  /** Where its `whsec_` is in Secrets Manager: the test event is signed with it, as Stripe signs. */
  stripeSecretArn?: string;
  stripeSecretVersionId?: string;
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

export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
  const failures: CheckFailure[] = [];
  if (!(MODES as readonly unknown[]).includes(news.mode)) failures.push({ property: "mode", reason: 'mode is "test" or "live"' });
  if (!Array.isArray(news.endpoints)) failures.push({ property: "endpoints", reason: "endpoints is a list of the webhook endpoints to verify" });
  return { inputs: news, failures };
}

export async function diff(_id: string, olds: Partial<VerificationOutputs>, news: Partial<VerificationInputs>): Promise<DiffResult> {
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
    // The same calls against real Stripe and the emulator: Stripe's API, Selgeo's API and its public receiver.
    if (!inputs.stripeSecretArn) {
      failed.push("stripe: the Stripe endpoint's signing secret is not in Secrets Manager (adopted endpoint?), so no test event can be signed; remove selgeo:stripe.adoptId to rotate it");
    } else {
      const secret = await readGeneratedSecret({ arn: inputs.stripeSecretArn, versionId: inputs.stripeSecretVersionId || undefined, region: awsSettings().region });
      const result = await checkStripeDelivery({ client, stripe: await stripeClient(), stripeEndpointId: inputs.stripeEndpointId, secret: secret.value, livemode: inputs.mode === "live" });
      if (result.ok) passed.push({ check: "stripe", detail: result.detail });
      else failed.push(`stripe: ${result.detail}`);
    }
  }
  if (failed.length > 0) {
    throw new Error(`go-live verification failed, so the program was not activated:\n  - ${failed.join("\n  - ")}\nFix these and run \`pulumi up\` again.`);
  }
  return { ...inputs, checks: passed, verifiedAt: new Date().toISOString() };
}

export async function create(inputs: VerificationInputs): Promise<CreateResult<VerificationOutputs>> {
  return { id: "go-live-verification", outs: await verify(inputs) };
}

export async function update(_id: string, _olds: VerificationOutputs, news: VerificationInputs): Promise<UpdateResult<VerificationOutputs>> {
  return { outs: await verify(news) };
}

/** Nothing to read back: a verification is a record of checks that passed. */
export async function read(id: string, props: VerificationOutputs): Promise<{ id: string; props: VerificationOutputs }> {
  return { id, props };
}

export async function remove(): Promise<void> {}
