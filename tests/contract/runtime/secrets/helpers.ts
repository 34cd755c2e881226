/**
 * Helpers for the Secrets Manager contract tests: a real moto server (a missing install fails the
 * suite with a message naming `npm run setup`, it never skips), a client on it, and made-up values.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { startMoto, type MotoServer } from "../../../../sandbox/moto";

export async function startTestMoto(): Promise<MotoServer> {
  // startMoto throws MotoNotInstalledError ("... run `npm run setup` ...") when .venv has no moto.
  return startMoto({ port: 0 });
}

/** A running moto with a client on it. */
export interface TestMoto extends MotoServer {
  client: SecretsManagerClient;
}

/**
 * moto for the current file: started in `beforeAll`, its client destroyed and the server closed in
 * `afterAll`; the returned object is filled in before the first test.
 */
export function useMoto(): TestMoto {
  const moto = {} as TestMoto;
  beforeAll(async () => {
    const server = await startTestMoto();
    Object.assign(moto, server, { client: motoClient(server) });
  });
  afterAll(async () => {
    moto.client?.destroy();
    await moto.close?.();
  });
  return moto;
}

/** A client on this moto with its made-up credentials (no default chain involved). */
export function motoClient(moto: MotoServer): SecretsManagerClient {
  return new SecretsManagerClient({ ...moto.clientConfig, maxAttempts: 1 });
}

/** A unique secret name per test, so tests never share state. */
export function uniqueName(label: string): string {
  return `selgeo-golive/contract/${label}/${randomBytes(4).toString("hex")}`;
}

/** A made-up signing secret, assembled at run time. */
export function fakeWhsec(): string {
  return "whsec" + "_" + randomBytes(32).toString("base64url");
}

/** A made-up Selgeo secret key, assembled at run time. */
export function fakeSecretKey(mode: "test" | "live" = "live"): string {
  return "sk" + "_" + mode + "_" + randomBytes(18).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 24).padEnd(24, "x");
}
