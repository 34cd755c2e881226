/**
 * Where the Selgeo key ends up in Pulumi's state, for each way of giving it, with the real CLI:
 * the engine stores the stack's config as the inputs of the dynamic providers' default provider
 * (`pulumi:providers:pulumi-nodejs`), so a key set with `pulumi config set --secret` is in state,
 * encrypted; a reference leaves only the reference there; the environment leaves nothing. A live
 * stack takes only the reference.
 */
import { readFileSync } from "node:fs";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import type { PulumiWorkspace } from "../../cli/pulumiCli";
import { useRehearsal } from "./helpers/rehearsal";

const rig = useRehearsal(
  {
    before: async () => {
      await new SecretsManagerClient(rig.moto.clientConfig).send(
        new CreateSecretCommand({ Name: "selgeo-golive/where/keys", SecretString: JSON.stringify({ selgeo: rig.sandbox.info.keys.test.sk }) }),
      );
    },
  },
  120_000,
);
/** Pulumi's marker of an encrypted value in state. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

const baseConfig = () => ({
  "selgeo:mode": "test",
  "selgeo:apiUrl": rig.sandbox.url,
  "selgeo:webhookEndpoints": { orders: { url: "https://hooks.example.com/orders", events: ["conversion.created"] } },
});

/** The default provider's `selgeo:secretKey` input in the state file, as stored. */
function providerKeyInState(ws: PulumiWorkspace): unknown {
  const state = JSON.parse(readFileSync(ws.stateFile(), "utf8"));
  const provider = state.checkpoint.latest.resources.find((r: { type: string }) => r.type === "pulumi:providers:pulumi-nodejs");
  expect(provider, "the dynamic providers' default provider is in state").toBeDefined();
  return provider.inputs["selgeo:secretKey"];
}

type Way = {
  how: string;
  setUp: (ws: PulumiWorkspace) => Promise<void>;
  env: () => Record<string, string>;
  /** What the provider's `selgeo:secretKey` input holds in the state file. */
  inState: (stored: unknown) => void;
  /** Whether `pulumi stack export --show-secrets` reveals the key. */
  revealedByShowSecrets: boolean;
};

const ways: Way[] = [
  {
    how: "an awssm:// reference (the only way a live stack takes)",
    setUp: async (ws) => ws.writeConfig({ ...baseConfig(), "selgeo:secretKey": "awssm://selgeo-golive/where/keys#selgeo" }),
    env: () => ({}),
    inState: (stored) => expect(stored).toBe("awssm://selgeo-golive/where/keys#selgeo"),
    revealedByShowSecrets: false,
  },
  {
    how: "the SELGEO_SECRET_KEY environment variable",
    setUp: async (ws) => ws.writeConfig(baseConfig()),
    env: () => ({ SELGEO_SECRET_KEY: rig.sandbox.info.keys.test.sk }),
    inState: (stored) => expect(stored).toBeUndefined(),
    revealedByShowSecrets: false,
  },
  {
    how: "pulumi config set --secret (test stacks only)",
    setUp: async (ws) => {
      ws.writeConfig(baseConfig());
      await ws.mustRun(["config", "set", "--secret", "selgeo:secretKey", rig.sandbox.info.keys.test.sk]);
    },
    env: () => ({}),
    // Encrypted with the stack's secrets provider: ciphertext, never the key.
    inState: (stored) => expect(stored).toMatchObject({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", ciphertext: expect.any(String) }),
    revealedByShowSecrets: true,
  },
];

describe("where the Selgeo key is kept", { timeout: 300_000 }, () => {
  it.each(ways.map((w, i) => [w.how, i] as const))("%s", async (_how, i) => {
    const way = ways[i];
    const ws = await rig.workspace(`where${i}`, baseConfig(), { keys: [], env: way.env() });
    await way.setUp(ws);
    const up = await ws.mustRun(["up", "--yes", "--skip-preview"]);
    const key = rig.sandbox.info.keys.test.sk;
    way.inState(providerKeyInState(ws));
    expect(readFileSync(ws.stateFile(), "utf8").includes(key), "plaintext key in the state file").toBe(false);
    expect((await ws.mustRun(["stack", "export"])).stdout.includes(key), "plaintext key in stack export").toBe(false);
    expect(up.stdout.includes(key) || up.stderr.includes(key), "key in the CLI's output").toBe(false);
    expect((await ws.mustRun(["stack", "export", "--show-secrets"])).stdout.includes(key)).toBe(way.revealedByShowSecrets);
  });

  it("a live stack refuses a key set with pulumi config set --secret, at preview, steering to awssm://", async () => {
    const ws = await rig.workspace("wherelive", { ...baseConfig(), "selgeo:mode": "live" }, { keys: [] });
    ws.writeConfig({ ...baseConfig(), "selgeo:mode": "live", "selgeo:webhookEndpoints": { orders: { url: "https://hooks.merchant.example/selgeo", events: ["conversion.created"] } } });
    await ws.mustRun(["config", "set", "--secret", "selgeo:secretKey", rig.sandbox.info.keys.live.sk]);
    const r = await ws.run(["preview"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/selgeo:secretKey: a live stack takes the (Selgeo )?key as a Secrets Manager reference \(awssm:\/\/<secret id>\[#field\]\), never as a value/);
    expect((r.stdout + r.stderr).includes(rig.sandbox.info.keys.live.sk)).toBe(false);
  });
});
