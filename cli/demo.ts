/**
 * `golive demo`: the go-live rehearsed end to end on the embedded sandbox, with no credentials and
 * no network: sandbox up, stack created on a local backend, preview shown, `pulumi up`, each
 * endpoint pinged and its signature verified by a local receiver (and a forged one rejected), a
 * change made behind Pulumi's back detected and repaired. Exit 0 only when every step passed.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SelgeoClient, SelgeoTrackingClient, RECOMMENDED_EVENTS, secrets, type ClickCreate } from "@selgeo-golive/runtime";
import { startSandbox } from "../sandbox/server";
import { startMoto } from "../sandbox/moto";
import { PulumiWorkspace, REPO_ROOT } from "./pulumiCli";
import { VerifyingReceiver } from "../sandbox/receiver";

interface Step {
  name: string;
  ok: boolean;
  detail: string;
}

const say = (s: string) => process.stdout.write(s + "\n");

/** Records one check and prints its line; the summary at the end counts the failures. */
type RecordCheck = (name: string, ok: boolean, detail: string) => boolean;

/** What the demo's steps share: the running parts and the way each check is recorded. */
interface Rehearsal {
  root: string;
  verbose: boolean;
  record: RecordCheck;
  moto: Awaited<ReturnType<typeof startMoto>>;
  sandbox: Awaited<ReturnType<typeof startSandbox>>;
  receiver: VerifyingReceiver;
  /** The sandbox's test-mode client (secret key). */
  client: SelgeoClient;
}

/** What `up` produced that later steps use. */
interface Deployed {
  ws: PulumiWorkspace;
  ids: Record<string, string>;
  secretArns: Record<string, string>;
  programId: string;
}

/** Runs the demo; resolves to the exit code. */
export async function demoCommand(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose");
  const steps: Step[] = [];
  const record: RecordCheck = (name, ok, detail) => {
    steps.push({ name, ok, detail });
    say(`${ok ? "  ✔" : "  ✘"} ${name}: ${detail}`);
    return ok;
  };
  const root = mkdtempSync(path.join(tmpdir(), "golive-demo-"));
  say(`golive demo: rehearsing the go-live on the embedded sandbox (work dir ${root})`);

  const r = await startParts(root, verbose, record);
  try {
    record("sandbox", true, `Selgeo API at ${r.sandbox.url}`);
    const ws = await createStack(r);
    const deployed = await previewAndUp(r, ws);
    await verifyEndpoints(r, deployed);
    await verifyStripe(r);
    await fullFlow(r, deployed.programId);
    await driftAndRepair(r, deployed);
    await runChecklist(r, ws);
  } catch (e) {
    record("demo", false, e instanceof Error ? e.message : String(e));
  } finally {
    await r.receiver.close();
    await r.sandbox.close();
    await r.moto.close();
  }

  const failed = steps.filter((s) => !s.ok);
  say("");
  say(failed.length === 0 ? `demo passed: ${steps.length} checks` : `demo FAILED: ${failed.map((s) => s.name).join(", ")}`);
  return failed.length === 0 ? 0 : 1;
}

async function startParts(root: string, verbose: boolean, record: RecordCheck): Promise<Rehearsal> {
  say("1/8 starting the Selgeo sandbox (with its Stripe emulator), moto (AWS Secrets Manager) and a signature-checking webhook receiver");
  const moto = await startMoto({ port: 0 });
  const sandbox = await startSandbox({ port: 0, dataDir: path.join(root, "sandbox-data") });
  const receiver = new VerifyingReceiver(async (p) => {
    const name = secrets.secretNameFor({ stack: "sandbox", kind: "webhook-endpoint", name: p.replace(/^\//, "") });
    return (await secrets.readGeneratedSecret({ arn: name, ...moto.clientConfig })).value;
  });
  await receiver.start();
  const client = new SelgeoClient({ baseUrl: sandbox.url, apiKey: sandbox.info.keys.test.sk });
  return { root, verbose, record, moto, sandbox, receiver, client };
}

async function createStack({ root, verbose, moto, sandbox, receiver }: Rehearsal): Promise<PulumiWorkspace> {
  // The demo's stack lives in its own throw-away backend, so it sets its own passphrase (said out loud).
  const passphrase = "golive-demo";
  say(`2/8 creating the \`sandbox\` stack on a local file backend (${path.join(root, "pulumi", "state")}; passphrase "${passphrase}", the demo's own)`);
  const endpoints = {
    orders: {
      url: `${receiver.url}/orders`,
      events: [...RECOMMENDED_EVENTS, "commission.refunded"],
      description: "order system",
    },
    partners: { url: `${receiver.url}/partners`, events: ["participant.approved", "commission.approved"], description: "partner portal" },
  };
  return PulumiWorkspace.create({
    stack: "sandbox",
    dir: path.join(root, "pulumi"),
    config: {
      "selgeo:mode": "test",
      "selgeo:apiUrl": sandbox.url,
      "selgeo:stripeApiUrl": sandbox.stripeUrl,
      "selgeo:publishableKey": sandbox.info.keys.test.pk,
      "selgeo:webhookEndpoints": endpoints,
      "selgeo:stripe": {},
      // Live stacks verify before activation by default; the rehearsal does it too.
      "selgeo:verify": true,
      "selgeo:program": { name: "Acme Partners", description: "Rehearsal program", status: "active" },
      "selgeo:commissionRules": {
        standard: { type: "percentage", percentage: 20, basis: "gross", holdPeriodDays: 0, autoApprove: true, recurringMonths: 12 },
      },
    },
    env: { ...moto.env, SELGEO_SECRET_KEY: sandbox.info.keys.test.sk, STRIPE_SECRET_KEY: sandbox.info.stripe_keys!.test.secret_key, PULUMI_CONFIG_PASSPHRASE: passphrase },
    echo: verbose,
  });
}

async function previewAndUp({ record }: Rehearsal, ws: PulumiWorkspace): Promise<Deployed> {
  say("3/8 pulumi preview (the review diff)");
  const preview = await ws.mustRun(["preview", "--diff"]);
  say(indent(preview.stdout));
  record("preview", /\+ 9 to create/.test(preview.stdout), "2 webhook endpoints, the Stripe endpoint and integration, program, rule, verification and status, and the stack to create");

  say("4/8 pulumi up, with the go-live policy pack (advisory on a test stack, mandatory on live)");
  const up = await ws.mustRun(["up", "--yes", "--skip-preview", "--policy-pack", path.join(REPO_ROOT, "policy")]);
  say(indent(up.stdout.split("\n").filter((l) => /created|Resources|Duration|\+ /.test(l)).join("\n")));
  record("verified before activation", /GoLiveVerification go-live created/.test(up.stdout), "pings, a rejected forged ping, stored secrets and a Stripe test event all passed before the program's status was applied");
  const out = await ws.outputs(true);
  const ids = out.webhookEndpointIds as Record<string, string>;
  const secretArns = out.webhookSecretArns as Record<string, string>;
  record("up", Object.keys(ids).length === 2 && out.programStatusValue === "active", `endpoints ${Object.values(ids).join(", ")}; program ${out.programId} active`);
  say(`    invite link: ${out.inviteUrl}\n    application form: ${out.applicationUrl}\n    tracking snippet: ${out.trackingSnippet}`);
  return { ws, ids, secretArns, programId: String(out.programId) };
}

async function verifyEndpoints({ client, record }: Rehearsal, { ids, secretArns }: Deployed): Promise<void> {
  say("5/8 verifying each webhook endpoint (checklist item 4)");
  record("secrets", Object.keys(secretArns).length === 2, `each whsec_ is in Secrets Manager (${Object.values(secretArns).map((a) => a.split(":secret:")[1]).join(", ")}), not in state`);
  for (const [name, id] of Object.entries(ids)) {
    const good = await client.pingWebhookEndpoint(id, { signature: "valid" });
    record(`ping ${name}`, good.status === "succeeded", `delivery ${good.id} ${good.status} (HTTP ${good.response_status})`);
    const forged = await client.pingWebhookEndpoint(id, { signature: "invalid" });
    record(
      `forged ping ${name}`,
      forged.status !== "succeeded" && forged.response_status === 400,
      `receiver rejected a wrongly signed delivery (HTTP ${forged.response_status})`,
    );
  }
}

async function verifyStripe({ sandbox, client, record }: Rehearsal): Promise<void> {
  say("6/8 verifying the Stripe connection (checklist item 2)");
  await stripeAdmin(sandbox.stripeUrl, "/_stripe/test_event", { type: "checkout.session.completed", wait: true });
  const stripeEvents = (await client.request<{ data: Array<{ type: string; signature_valid: boolean }> }>("GET", "/api/v1/integrations/stripe/events", { query: { limit: 100 } })).data;
  record("stripe test event", stripeEvents.some((e) => e.signature_valid), `Selgeo's Stripe event log shows ${stripeEvents.length} event(s) with a valid signature`);
}

async function fullFlow({ sandbox, receiver, client, record }: Rehearsal, prog: string): Promise<void> {
  say("7/8 the full flow (checklist item 7): click → purchase → conversion → commission → webhooks → refund");
  const partner = await client.request<{ id: string }>("POST", `/api/v1/programs/${prog}/participants`, { body: { email: "pat@partner.example", name: "Pat Partner" } });
  await client.request("POST", `/api/v1/programs/${prog}/participants/${partner.id}/approve`, { body: {} });
  const click = await trackClick(sandbox.url, sandbox.info.keys.test.pk, { program: prog, partner: partner.id, url: "https://shop.example/pricing" });
  const checkout = await stripeAdmin(sandbox.stripeUrl, "/_stripe/checkout", { amount_total: 4900, currency: "usd", client_reference_id: click.id, wait: true });
  await waitUntil(() => receiver.events.includes("commission.created"));
  const commissions = (await client.request<{ data: Array<{ amount: number; status: string }> }>("GET", "/api/v1/commissions", { query: { program: prog } })).data;
  record("purchase", receiver.events.includes("conversion.created") && commissions.length === 1, `click ${click.id} → $49.00 checkout → commission of ${commissions[0]?.amount} cents (${commissions[0]?.status}); conversion.created and commission.created delivered and verified`);
  await stripeAdmin(sandbox.stripeUrl, "/_stripe/refund", { payment_intent: (checkout as { payment_intent: { id: string } }).payment_intent.id, wait: true });
  await waitUntil(() => receiver.events.includes("commission.refunded"));
  record("refund", receiver.events.includes("commission.refunded"), "refund in Stripe → commission.refunded delivered and verified");
}

async function driftAndRepair({ client, record }: Rehearsal, { ws, ids, programId: prog }: Deployed): Promise<void> {
  say("8/8 drift: pausing the program and disabling `orders` behind Pulumi's back");
  await client.updateWebhookEndpoint(ids.orders, { status: "disabled" });
  await client.request("POST", `/api/v1/programs/${prog}`, { body: { status: "paused" } });
  const drift = await ws.run(["preview", "--refresh", "--expect-no-changes", "--diff"]);
  record(
    "drift detected",
    drift.code !== 0 && /enabled/.test(drift.stdout) && /paused/.test(drift.stdout),
    "preview --refresh --expect-no-changes reports `enabled: false => true` and `status: paused => active`",
  );
  await ws.mustRun(["up", "--refresh", "--yes", "--skip-preview"]);
  const repaired = await client.getWebhookEndpoint(ids.orders);
  const program = await client.request<{ status: string }>("GET", `/api/v1/programs/${prog}`);
  record("drift repaired", repaired.status === "enabled" && program.status === "active", `orders is ${repaired.status} again (same id), the program is ${program.status}`);
}

async function runChecklist({ record }: Rehearsal, ws: PulumiWorkspace): Promise<void> {
  say("the go-live checklist (golive checklist --stack sandbox)");
  // Not spawnSync: the sandbox it talks to runs in this very process.
  const checklist = await new Promise<{ status: number; output: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "golive.js"), "checklist", "--stack", "sandbox"], { cwd: ws.projectDir, env: ws.cliEnv() });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    child.on("close", (code) => resolve({ status: code ?? 1, output }));
  });
  say(indent(checklist.output));
  record("checklist", checklist.status === 0, "no checklist item failed");
}

async function stripeAdmin(base: string, route: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${route}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${route} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** A tracking click, as the snippet on the merchant's site records it (publishable key). */
function trackClick(base: string, pk: string, body: ClickCreate): Promise<{ id: string }> {
  return new SelgeoTrackingClient({ baseUrl: base, apiKey: pk }).createClick(body);
}

async function waitUntil(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}

function indent(s: string): string {
  return s
    .trimEnd()
    .split("\n")
    .map((l) => "    " + l)
    .join("\n");
}
