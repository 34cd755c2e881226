import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SandboxInfo } from "@selgeo-golive/runtime";
import type { RunningSandbox } from "../../../../sandbox/server";
import { eventually, startTestSandbox, startVerifyingReceiver, stripeAt, stripeCall, stripeFor } from "./helpers";
import { spawnSandboxCommand } from "../helpers";

describe("Stripe emulator: persistence across restarts", () => {
  let dataDir: string;
  let sb: RunningSandbox | undefined;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "stripe-emulator-"));
  });
  afterAll(async () => {
    await sb?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps keys, endpoints and their secrets, objects, idempotency keys and due deliveries", async () => {
    const receiver = await startVerifyingReceiver();
    try {
      sb = await startTestSandbox({ dataDir });
      const firstKeys = sb.info.stripe_keys;
      let test = stripeFor(sb, "test");
      const params = { url: receiver.url, enabled_events: ["charge.refunded" as const], metadata: { k: "v" } };
      const endpoint = await test.webhookEndpoints.create(params, { idempotencyKey: "persisted-create" });
      receiver.secret = endpoint.secret!;
      const checkout = (await stripeCall(sb, "POST", "/_stripe/checkout", { body: { amount_total: 4200, currency: "usd" } })).body;
      // The first attempt fails, so the delivery is still due when the sandbox stops.
      receiver.respond = (n) => (n === 1 ? 503 : 200);
      const refund = (await stripeCall(sb, "POST", "/_stripe/refund", { body: { payment_intent: checkout.payment_intent.id, wait: true } })).body;
      expect(refund.deliveries[0]).toMatchObject({ status: "pending", attempts: 1, response_status: 503 });
      await sb.close();
      sb = undefined;

      sb = await startTestSandbox({ dataDir });
      expect(sb.info.stripe_keys).toEqual(firstKeys);
      test = stripeFor(sb, "test");
      const got = await test.webhookEndpoints.retrieve(endpoint.id);
      expect({ ...got, lastResponse: undefined }).toEqual({ ...endpoint, secret: undefined, lastResponse: undefined });
      const replay = await test.webhookEndpoints.create(params, { idempotencyKey: "persisted-create" });
      expect(replay.id).toBe(endpoint.id);
      expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");
      expect((await test.charges.retrieve(checkout.charge.id)).refunded).toBe(true);
      expect((await test.customers.retrieve(checkout.customer.id)).id).toBe(checkout.customer.id);

      // The due retry goes out after the restart, signed with the secret from before it.
      const done = await eventually(async () => {
        const d = (await stripeCall(sb!, "GET", `/_stripe/deliveries?event=${refund.event.id}`)).body.data[0];
        return d?.status === "succeeded" ? d : undefined;
      });
      expect(done.attempts).toBe(2);
      const last = receiver.deliveries[receiver.deliveries.length - 1];
      expect(last.error).toBeUndefined();
      expect(last.event!.type).toBe("charge.refunded");
    } finally {
      await receiver.close();
    }
  });
});

describe("Stripe emulator: `golive sandbox` prints stripe_url and stripe_keys", () => {
  it("first stdout line carries the emulator, and the SDK can use it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stripe-emulator-cmd-"));
    const { child, firstLine } = spawnSandboxCommand(["--port", "0", "--stripe-port", "0", "--data-dir", dir]);
    try {
      const line = await firstLine;
      const info = SandboxInfo.parse(JSON.parse(line));
      expect(info.stripe_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const acct = await stripeAt(info.stripe_url!, info.stripe_keys!.live.secret_key).accounts.retrieveCurrent();
      expect(acct.id).toBe(info.stripe_keys!.live.account_id);
      const { parseSandboxArgs } = await import("../../../../sandbox/main");
      expect(parseSandboxArgs(["--stripe-port", "12111"])).toMatchObject({ stripePort: 12111 });
      expect(() => parseSandboxArgs(["--stripe-port", "x"])).toThrow(/--stripe-port/);
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
