/**
 * Secrets on a real `pulumi up` against the sandbox and moto: keys by reference from Secrets
 * Manager, every `whsec_` written there and never in state, exports or CLI output (even --debug);
 * rotation through the API is drift; declarative rotation keeps both secrets valid for the overlap.
 */
import { readFileSync } from "node:fs";
import { CreateSecretCommand, DeleteSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { beforeAll, describe, expect, it } from "vitest";
import type { CliResult, PulumiWorkspace } from "../../cli/pulumiCli";
import { secrets } from "@selgeo-golive/runtime";
import { verifySignatureHeader } from "@selgeo-golive/runtime";
import { useRehearsal } from "./helpers/rehearsal";

const { readGeneratedSecret } = secrets;

let sm: SecretsManagerClient;
let lastSignature = "";
let lastBody = "";
const printed: string[] = [];

const rig = useRehearsal(
  {
    receiver: (d) => {
      lastSignature = d.signature;
      lastBody = d.body;
      return 200;
    },
    before: async ({ moto, sandbox }) => {
      sm = new SecretsManagerClient(moto.clientConfig);
      await sm.send(
        new CreateSecretCommand({ Name: "selgeo-golive/e2e/keys", SecretString: JSON.stringify({ selgeo_secret_key: sandbox.info.keys.test.sk }) }),
      );
    },
    stack: "e2e",
    config: () => config(),
    // No SELGEO_SECRET_KEY in the environment: the reference is the only way to the key.
    keys: [],
  },
  180_000,
);
const api = (method: string, p: string, body?: unknown) => rig.request(method, p, body);

async function run(args: string[], must = true): Promise<CliResult> {
  const r = must ? await rig.ws.mustRun(args) : await rig.ws.run(args);
  printed.push(r.stdout, r.stderr);
  return r;
}

/** Every key and secret value this test knows, to search outputs for. */
function knownSecrets(): string[] {
  return [rig.sandbox.info.keys.test.sk, rig.sandbox.info.keys.live.sk];
}

const config = (rotation = 0) => ({
  "selgeo:mode": "test",
  "selgeo:apiUrl": rig.sandbox.url,
  // The key by reference: resolved by the providers at run time, never written anywhere else.
  "selgeo:secretKey": "awssm://selgeo-golive/e2e/keys#selgeo_secret_key",
  "selgeo:aws": { region: "us-east-1", recoveryWindowDays: 0 },
  "selgeo:webhookEndpoints": {
    orders: { url: `${rig.receiver.url}/orders`, events: ["conversion.created", "ping"], secretRotation: rotation, rotationOverlapHours: 1 },
  },
});

describe("secrets with the real Pulumi CLI on moto", { timeout: 300_000 }, () => {
  let arn = "";

  it("up writes the whsec_ to Secrets Manager, and it verifies a real ping delivery", async () => {
    await run(["up", "--yes", "--skip-preview"]);
    const out = await rig.ws.outputs();
    arn = (out.webhookSecretArns as Record<string, string>).orders;
    expect(arn).toMatch(/^arn:aws:secretsmanager:us-east-1:\d+:secret:selgeo-golive\/e2e\/webhook-endpoint\/orders-/);
    const { value } = await readGeneratedSecret({ arn, ...rig.moto.clientConfig });
    expect(value).toMatch(/^whsec_/);
    const id = (out.webhookEndpointIds as Record<string, string>).orders;
    const ping = await api("POST", `/api/v1/webhook_endpoints/${id}/ping`, {});
    expect(ping.status).toBe("succeeded");
    expect(verifySignatureHeader(lastSignature, lastBody, value).ok).toBe(true);
  });

  it("no sk_ or whsec_ value appears in the state file, the stack export or anything the CLI printed (even with --debug)", async () => {
    await run(["preview", "--debug", "--diff"]);
    await run(["refresh", "--yes", "--skip-preview", "--debug"]);
    const exported = (await run(["stack", "export"])).stdout;
    const exportedWithSecrets = (await run(["stack", "export", "--show-secrets"])).stdout;
    const state = readFileSync(rig.ws.stateFile(), "utf8");
    const { value: whsec } = await readGeneratedSecret({ arn, ...rig.moto.clientConfig });
    for (const [what, text] of [["state", state], ["export", exported], ["export --show-secrets", exportedWithSecrets], ["CLI output", printed.join("\n")]] as const) {
      expect(text, what).not.toMatch(/whsec_[A-Za-z0-9]/);
      for (const k of [...knownSecrets(), whsec]) expect(text.includes(k), `${what} contains a secret`).toBe(false);
    }
    expect(state).toContain(arn);
  });

  it("a secret rotated through the API shows as drift, and up repairs it with a stored secret", async () => {
    const id = ((await rig.ws.outputs()).webhookEndpointIds as Record<string, string>).orders;
    await api("POST", `/api/v1/webhook_endpoints/${id}/rotate_secret`, { expires_in: 0 });
    const drift = await run(["preview", "--refresh", "--expect-no-changes", "--diff"], false);
    expect(drift.code).not.toBe(0);
    expect(drift.stdout).toMatch(/secretState\s*: "rotated_outside_pulumi" => "in_sync"/);
    await run(["up", "--refresh", "--yes", "--skip-preview"]);
    const { value } = await readGeneratedSecret({ arn, ...rig.moto.clientConfig });
    await api("POST", `/api/v1/webhook_endpoints/${id}/ping`, {});
    expect(verifySignatureHeader(lastSignature, lastBody, value).ok).toBe(true);
    expect((await run(["preview", "--refresh", "--expect-no-changes"], false)).code).toBe(0);
  });

  it("a secret deleted from Secrets Manager shows as drift, and up writes a new one", async () => {
    await sm.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
    const drift = await run(["preview", "--refresh", "--expect-no-changes", "--diff"], false);
    expect(drift.code).not.toBe(0);
    expect(drift.stdout).toMatch(/secretState\s*: "(missing|deleted)_from_secrets_manager" => "in_sync"/);
    await run(["up", "--refresh", "--yes", "--skip-preview"]);
    const out = await rig.ws.outputs();
    arn = (out.webhookSecretArns as Record<string, string>).orders;
    const { value } = await readGeneratedSecret({ arn, ...rig.moto.clientConfig });
    await api("POST", `/api/v1/webhook_endpoints/${(out.webhookEndpointIds as Record<string, string>).orders}/ping`, {});
    expect(verifySignatureHeader(lastSignature, lastBody, value).ok).toBe(true);
  });

  it("a declarative rotation keeps both secrets valid for the overlap, then only the new one", async () => {
    const { value: before } = await readGeneratedSecret({ arn, ...rig.moto.clientConfig });
    rig.ws.writeConfig(config(1));
    await run(["up", "--yes", "--skip-preview"]);
    const out = await rig.ws.outputs();
    const id = (out.webhookEndpointIds as Record<string, string>).orders;
    const { value: after } = await readGeneratedSecret({ arn: (out.webhookSecretArns as Record<string, string>).orders, ...rig.moto.clientConfig });
    expect(after).not.toBe(before);
    await api("POST", `/api/v1/webhook_endpoints/${id}/ping`, {});
    expect(verifySignatureHeader(lastSignature, lastBody, before).ok).toBe(true);
    expect(verifySignatureHeader(lastSignature, lastBody, after).ok).toBe(true);
    // Past the one-hour overlap, only the new secret signs.
    await fetch(`${rig.sandbox.url}/_sandbox/clock/advance`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ seconds: 3601 }) });
    await api("POST", `/api/v1/webhook_endpoints/${id}/ping`, {});
    expect(verifySignatureHeader(lastSignature, lastBody, before).ok).toBe(false);
    expect(verifySignatureHeader(lastSignature, lastBody, after).ok).toBe(true);
  });

  it("destroy deletes the endpoint and its secret", async () => {
    const out = await rig.ws.outputs();
    const current = (out.webhookSecretArns as Record<string, string>).orders;
    await run(["destroy", "--yes", "--skip-preview"]);
    expect((await api("GET", "/api/v1/webhook_endpoints")).data).toHaveLength(0);
    await expect(readGeneratedSecret({ arn: current, ...rig.moto.clientConfig })).rejects.toThrow();
  });
});

describe("a live stack refuses keys of the wrong mode at preview, before any request", { timeout: 300_000 }, () => {
  let live: PulumiWorkspace;

  beforeAll(async () => {
    // The live stack's keys, by reference; the Selgeo one is (wrongly) a test key.
    await sm.send(
      new CreateSecretCommand({
        Name: "selgeo-golive/live/keys",
        SecretString: JSON.stringify({
          wrong_selgeo: rig.sandbox.info.keys.test.sk,
          selgeo: rig.sandbox.info.keys.live.sk,
          wrong_stripe: rig.sandbox.info.stripe_keys!.test.secret_key,
        }),
      }),
    );
    live = await rig.workspace(
      "live",
      {
        "selgeo:mode": "live",
        "selgeo:apiUrl": rig.sandbox.url,
        "selgeo:secretKey": "awssm://selgeo-golive/live/keys#wrong_selgeo",
        "selgeo:webhookEndpoints": { orders: { url: "https://hooks.merchant.example/selgeo", events: ["conversion.created"] } },
      },
      { keys: [] },
    );
  }, 120_000);

  const counters = async () => {
    const selgeo = (await (await fetch(`${rig.sandbox.url}/_sandbox/requests`)).json()) as { total: number };
    const stripe = (await (await fetch(`${rig.sandbox.stripeUrl}/_stripe/requests`)).json()) as { total: number };
    return selgeo.total + stripe.total;
  };
  const reset = async () => {
    await fetch(`${rig.sandbox.url}/_sandbox/requests`, { method: "DELETE" });
    await fetch(`${rig.sandbox.stripeUrl}/_stripe/requests`, { method: "DELETE" });
  };

  it("a test Selgeo key behind the live stack's reference", async () => {
    await reset();
    const r = await live.run(["preview"]);
    const text = r.stdout + r.stderr;
    expect(r.code).not.toBe(0);
    expect(text).toMatch(/selgeo:secretKey is a test-mode key but selgeo:mode is "live"/);
    expect(text.includes(rig.sandbox.info.keys.test.sk)).toBe(false);
    expect(await counters()).toBe(0);
  });

  it("a Stripe key of the other mode", async () => {
    live.writeConfig({
      "selgeo:mode": "live",
      "selgeo:apiUrl": rig.sandbox.url,
      "selgeo:stripeApiUrl": rig.sandbox.stripeUrl,
      "selgeo:secretKey": "awssm://selgeo-golive/live/keys#selgeo",
      "selgeo:stripeSecretKey": "awssm://selgeo-golive/live/keys#wrong_stripe",
      "selgeo:webhookEndpoints": { orders: { url: "https://hooks.merchant.example/selgeo", events: ["conversion.created"] } },
      "selgeo:stripe": {},
    });
    await reset();
    const r = await live.run(["preview"]);
    const text = r.stdout + r.stderr;
    expect(r.code).not.toBe(0);
    expect(text).toMatch(/selgeo:stripeSecretKey is a Stripe test-mode key but selgeo:mode is "live"/);
    expect(text.includes(rig.sandbox.info.stripe_keys!.test.secret_key)).toBe(false);
    expect(await counters()).toBe(0);
  });

  it("a live key written as a plain value is refused on the live stack", async () => {
    live.writeConfig({
      "selgeo:mode": "live",
      "selgeo:apiUrl": rig.sandbox.url,
      "selgeo:webhookEndpoints": { orders: { url: "https://hooks.merchant.example/selgeo", events: ["conversion.created"] } },
    });
    await reset();
    const plain = await live.run(["preview"], { SELGEO_SECRET_KEY: rig.sandbox.info.keys.live.sk });
    expect(plain.code).not.toBe(0);
    expect(plain.stdout + plain.stderr).toMatch(/selgeo:secretKey: a live stack takes the Selgeo key as a Secrets Manager reference/);
    expect((plain.stdout + plain.stderr).includes(rig.sandbox.info.keys.live.sk)).toBe(false);
    expect(await counters()).toBe(0);
  });
});
