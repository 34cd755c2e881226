/**
 * Verification before activation with the real Pulumi CLI: an endpoint that answers 500, or a Stripe
 * signing secret Selgeo cannot verify, stops `pulumi up` before the program goes active, saying
 * which check failed; a rerun after the fix activates it.
 */
import { describe, expect, it } from "vitest";
import { goLiveConfig, useRehearsal, verifyFromSecretsManager } from "./helpers/rehearsal";

let answer500 = true;

// The merchant's receiver reads its signing secret from Secrets Manager, by the name the providers use.
const rig = useRehearsal(
  {
    receiver: (d) => (answer500 ? 500 : verifyFromSecretsManager(rig.moto, "verify", "orders")(d)),
    stack: "verify",
    config: (r) =>
      goLiveConfig(r, {
        events: ["conversion.created", "commission.created"],
        commissionRules: { standard: { type: "percentage", percentage: 20 } },
        verify: true,
      }),
  },
  180_000,
);
const api = (method: string, p: string, body?: unknown) => rig.request(method, p, body);

async function programStatus(): Promise<string | undefined> {
  const progs = (await api("GET", "/api/v1/programs?limit=100")).data as Array<{ status: string; name: string }>;
  return progs.find((p) => p.name === "Acme Partners")?.status;
}

describe("verification before activation", { timeout: 300_000 }, () => {
  it("an endpoint that answers 500 stops the program from going active, naming the check", async () => {
    const up = await rig.ws.run(["up", "--yes", "--skip-preview"]);
    const text = up.stdout + up.stderr;
    expect(up.code).not.toBe(0);
    expect(text).toMatch(/go-live verification failed, so the program was not activated/);
    expect(text).toMatch(/ping orders: the receiver answered HTTP 500/);
    expect(await programStatus()).toBe("draft");
  });

  it("a Stripe signing secret Selgeo cannot verify stops it too", async () => {
    answer500 = false;
    // Behind Pulumi's back, Selgeo is given a signing secret that is not the Stripe endpoint's.
    await api("POST", "/api/v1/integrations/stripe", { webhook_signing_secret: "whsec" + "_" + "not-the-stripe-endpoint-secret" });
    const up = await rig.ws.run(["up", "--yes", "--skip-preview"]);
    const text = up.stdout + up.stderr;
    expect(up.code).not.toBe(0);
    expect(text).toMatch(/stripe: test event evt_\w+ reached Selgeo but its signature did not verify/);
    expect(await programStatus()).toBe("draft");
  });

  it("after the fixes, a rerun (with refresh, which repairs Selgeo's Stripe secret) activates the program", async () => {
    const up = await rig.ws.mustRun(["up", "--refresh", "--yes", "--skip-preview"]);
    expect(up.stdout).toMatch(/selgeo:GoLiveVerification go-live created/);
    expect(await programStatus()).toBe("active");
    const out = await rig.ws.outputs();
    expect(out.programStatusValue).toBe("active");
  });
});
