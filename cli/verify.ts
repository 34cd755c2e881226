/**
 * `golive verify --stack NAME [--json]`: the checks of "Verification before activation" (checklist
 * items 2 and 4) run against a deployed stack.
 *
 * For each webhook endpoint in the stack's outputs:
 *   - ping: a correctly signed `ping` must be delivered (delivery `succeeded`);
 *   - forged ping: a `ping` signed with a wrong secret (`{"signature":"invalid"}`) must be REJECTED
 *     by the merchant's receiver with a 4xx: proof that it validates signatures;
 *   - signature: the `whsec_` read from Secrets Manager (the ARN in `webhookSecretArns`) is the
 *     secret Selgeo signs that endpoint's deliveries with. Selgeo's delivery API does not return
 *     the delivered body or its `Selgeo-Signature` header, so the bytes of a past delivery cannot
 *     be re-verified here. What is checked instead, honestly: (1) if the delivery object ever
 *     carries a body and a signature header, they are verified with the secret; otherwise (2) the
 *     secret's fingerprint equals the endpoint's `secret_fingerprint` (the secret Selgeo signs
 *     with), and a body signed locally with it verifies with the runtime's verifier. Together with
 *     the succeeded ping and the rejected forged ping, this shows the receiver accepts exactly the
 *     deliveries signed with the secret kept in Secrets Manager.
 * Stripe (when the stack declares it): the Stripe endpoint is enabled and posts to Selgeo's
 * webhook_url, and a test event signed as Stripe signs (with the endpoint's whsec_ from Secrets
 * Manager) posted there is in Selgeo's Stripe event log with a valid signature. The same calls on
 * real Stripe and on the sandbox (runtime's checkStripeDelivery).
 *
 * Exit 0 when every check passed, 1 otherwise.
 */
import {
  buildSignatureHeader,
  checkStripeDelivery,
  secrets,
  verifySignatureHeader,
  type WebhookDelivery,
  WEBHOOK_SECRET_PATTERN,
} from "@selgeo-golive/runtime";
import { settingsFailure } from "./stackErrors";
import { runStackReport, type CheckStatus, type StackContext } from "./stackContext";

/** One verification result. */
export interface VerifyCheck {
  check: string;
  /** The stack output name of the endpoint (or "stripe"). */
  target: string;
  status: CheckStatus;
  evidence: string;
  ids?: Record<string, string | number | null>;
}

/** Runs every check on a loaded stack. */
export async function runVerification(ctx: StackContext): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  const ids = (ctx.outputs.webhookEndpointIds ?? {}) as Record<string, string>;
  const arns = (ctx.outputs.webhookSecretArns ?? {}) as Record<string, string>;
  if (Object.keys(ids).length === 0) {
    checks.push({ check: "webhook endpoints", target: "-", status: "failed", evidence: "the stack has no webhook endpoints (selgeo:webhookEndpoints): nothing would receive Selgeo's events" });
  }
  for (const [name, id] of Object.entries(ids)) {
    checks.push(...(await verifyEndpoint(ctx, name, id, arns[name])));
  }
  checks.push(await verifyStripe(ctx));
  return checks;
}

async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    // Selgeo down or a refused key is not a failed check: the command stops with the one line.
    const settings = settingsFailure(e);
    if (settings) throw settings;
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

async function verifyEndpoint(ctx: StackContext, name: string, id: string, arn: string | undefined): Promise<VerifyCheck[]> {
  const out: VerifyCheck[] = [];
  const good = await attempt(() => ctx.client.pingWebhookEndpoint(id, { signature: "valid" }));
  if (!good.ok) {
    out.push({ check: "ping", target: name, status: "failed", evidence: `endpoint ${name} (${id}): ping could not be sent: ${good.error}` });
  } else {
    const d = good.value;
    out.push({
      check: "ping",
      target: name,
      status: d.status === "succeeded" ? "passed" : "failed",
      evidence:
        `endpoint ${name} (${id}): delivery ${d.id} ${d.status}, HTTP ${d.response_status ?? "no response"}` +
        (d.status === "succeeded" ? "" : ": the receiver did not accept a correctly signed ping"),
      ids: { endpoint: id, delivery: d.id, response_status: d.response_status },
    });
  }

  const forged = await attempt(() => ctx.client.pingWebhookEndpoint(id, { signature: "invalid" }));
  if (!forged.ok) {
    out.push({ check: "forged ping rejected", target: name, status: "failed", evidence: `endpoint ${name} (${id}): forged ping could not be sent: ${forged.error}` });
  } else {
    const d = forged.value;
    const code = d.response_status;
    const rejected = d.status !== "succeeded" && code !== null && code >= 400 && code < 500;
    out.push({
      check: "forged ping rejected",
      target: name,
      status: rejected ? "passed" : "failed",
      evidence: rejected
        ? `endpoint ${name} (${id}): the receiver rejected a wrongly signed ping (delivery ${d.id}, HTTP ${code})`
        : d.status === "succeeded"
          ? `endpoint ${name} (${id}): the receiver ACCEPTED a wrongly signed ping (delivery ${d.id}, HTTP ${code}); it does not validate Selgeo-Signature`
          : `endpoint ${name} (${id}): a wrongly signed ping got HTTP ${code ?? "no response"} (delivery ${d.id}), not a 4xx rejection; cannot tell that the receiver validates signatures`,
      ids: { endpoint: id, delivery: d.id, response_status: code },
    });
  }

  out.push(await verifySecret(ctx, name, id, arn, good.ok ? good.value : undefined));
  return out;
}

async function verifySecret(ctx: StackContext, name: string, id: string, arn: string | undefined, ping: WebhookDelivery | undefined): Promise<VerifyCheck> {
  const check = "signature with the Secrets Manager secret";
  if (!arn) return { check, target: name, status: "failed", evidence: `endpoint ${name} (${id}): no webhookSecretArns.${name} output: the signing secret is not in Secrets Manager` };
  const read = await attempt(() => secrets.readGeneratedSecret({ arn, region: ctx.aws.region }));
  if (!read.ok) return { check, target: name, status: "failed", evidence: `endpoint ${name}: cannot read ${arn}: ${read.error}` };
  const secret = read.value.value;
  if (!WEBHOOK_SECRET_PATTERN.test(secret)) return { check, target: name, status: "failed", evidence: `endpoint ${name}: ${arn} does not hold a whsec_ signing secret` };

  // (1) The delivery itself, if the API ever exposes what was sent.
  if (ping) {
    const raw = await attempt(() => ctx.client.request<Record<string, unknown>>("GET", `/api/v1/webhook_deliveries/${encodeURIComponent(ping.id)}`));
    if (raw.ok) {
      const body = pick(raw.value, ["body", "payload", "request_body"]);
      const header = pick(raw.value, ["signature", "signature_header", "selgeo_signature"]) ?? pick((raw.value.request_headers ?? {}) as Record<string, unknown>, ["Selgeo-Signature", "selgeo-signature"]);
      if (body !== undefined && header !== undefined) {
        const v = verifySignatureHeader(header, body, secret, { toleranceSeconds: Number.MAX_SAFE_INTEGER });
        return {
          check,
          target: name,
          status: v.ok ? "passed" : "failed",
          evidence: v.ok
            ? `delivery ${ping.id}'s Selgeo-Signature verifies with the secret from Secrets Manager (${short(arn)}, ${read.value.fingerprint})`
            : `delivery ${ping.id}'s Selgeo-Signature does NOT verify with the secret from Secrets Manager (${short(arn)}): ${v.message}`,
          ids: { endpoint: id, delivery: ping.id },
        };
      }
    }
  }

  // (2) The API returns no delivered bytes: prove the stored secret is the signing secret.
  const ep = await attempt(() => ctx.client.getWebhookEndpoint(id));
  if (!ep.ok) return { check, target: name, status: "failed", evidence: `endpoint ${name} (${id}) cannot be read: ${ep.error}` };
  const t = Math.floor(Date.now() / 1000);
  const sample = JSON.stringify({ id: "evt_golive_verify", object: "event", type: "ping", livemode: ctx.mode === "live", created: t, data: { object: {} } });
  const selfCheck = verifySignatureHeader(buildSignatureHeader(t, [secret], sample), sample, secret).ok;
  const selgeoFp = ep.value.secret_fingerprint;
  if (!selgeoFp) {
    return { check, target: name, status: selfCheck ? "needs_attention" : "failed", evidence: `Selgeo does not report a secret_fingerprint for ${id}; a body signed with the Secrets Manager secret verifies locally, but that it is Selgeo's signing secret cannot be shown` };
  }
  const match = selgeoFp === read.value.fingerprint;
  return {
    check,
    target: name,
    status: match && selfCheck ? "passed" : "failed",
    evidence: match
      ? `the whsec_ in Secrets Manager (${short(arn)}, version ${read.value.versionId.slice(0, 8)}) is the one Selgeo signs ${id}'s deliveries with (${selgeoFp}); a body signed with it verifies locally` +
        (ping ? `; delivery ${ping.id} was signed with it (the API does not return delivered bytes)` : "")
      : `the whsec_ in Secrets Manager (${short(arn)}, ${read.value.fingerprint}) is NOT the secret Selgeo signs ${id}'s deliveries with (${selgeoFp}): run \`pulumi up --refresh\` to repair the secret drift`,
    ids: { endpoint: id, secret_fingerprint: selgeoFp },
  };
}

async function verifyStripe(ctx: StackContext): Promise<VerifyCheck> {
  const check = "stripe test event";
  const endpointId = ctx.outputs.stripeWebhookEndpointId as string | undefined;
  if (!endpointId) return { check, target: "stripe", status: "skipped", evidence: "the stack declares no Stripe endpoint (selgeo:stripe)" };
  const arn = ctx.outputs.stripeWebhookSecretArn as string | undefined;
  if (!arn) {
    return { check, target: "stripe", status: "failed", evidence: `Stripe endpoint ${endpointId}'s signing secret is not in Secrets Manager (adopted?), so no test event can be signed; remove selgeo:stripe.adoptId to rotate it` };
  }
  // Real Stripe has no API that sends a test event: sign one as Stripe does, with the whsec_ kept in
  // Secrets Manager, and post it to Selgeo's webhook_url. The same calls work on the sandbox.
  const result = await attempt(async () => {
    const secret = await secrets.readGeneratedSecret({ arn, region: ctx.aws.region });
    return checkStripeDelivery({ client: ctx.client, stripe: await ctx.stripe(), stripeEndpointId: endpointId, secret: secret.value, livemode: ctx.mode === "live" });
  });
  if (!result.ok) return { check, target: "stripe", status: "failed", evidence: `could not send a Stripe test event for ${endpointId}: ${result.error}` };
  return {
    check,
    target: "stripe",
    status: result.value.ok ? "passed" : "failed",
    evidence: result.value.detail,
    ids: { stripe_endpoint: endpointId, event: result.value.eventId ?? null, log: result.value.logId ?? null },
  };
}

function pick(o: Record<string, unknown>, keys: string[]): string | undefined {
  for (const k of keys) if (typeof o[k] === "string") return o[k] as string;
  return undefined;
}

function short(arn: string): string {
  return arn.includes(":secret:") ? arn.split(":secret:")[1] : arn;
}

/** The `golive verify` command; resolves to the exit code. */
export async function verifyCommand(argv: string[]): Promise<number> {
  const label = (c: VerifyCheck) => `${c.check} [${c.target}]`;
  return runStackReport(argv, {
    command: "verify",
    build: runVerification,
    json: (checks, failed, args, ctx) => ({ stack: args.stack, mode: ctx.mode, passed: failed.length === 0, checks }),
    label,
    summary: (checks, failed) =>
      failed.length === 0
        ? `verification passed: ${checks.filter((c) => c.status === "passed").length} check(s)\n`
        : `verification FAILED: ${failed.map(label).join(", ")}\n`,
  });
}
