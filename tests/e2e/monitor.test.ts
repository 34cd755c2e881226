/**
 * `golive monitor` exit codes on a stack deployed and verified with the real Pulumi CLI: healthy (0)
 * right after a verified go-live, although verification's forged ping failed on purpose; needs
 * attention (3) after a fraud alert; failing (4) once a real delivery fails.
 */
import { describe, expect, it } from "vitest";
import { goLiveConfig, useRehearsal, verifyFromSecretsManager } from "./helpers/rehearsal";

/** How the receiver answers: verify signatures (a good receiver) or fail with 500. */
let receiverMode: "verify" | "500" = "verify";

const rig = useRehearsal({
  receiver: (d) => (receiverMode === "500" ? 500 : verifyFromSecretsManager(rig.moto, "mon", "orders")(d)),
  stack: "mon",
  config: (r) =>
    goLiveConfig(r, {
      events: ["conversion.created", "conversion.fraud_detected"],
      programName: "Monitored",
      commissionRules: { standard: { type: "percentage", percentage: 10 } },
      verify: true,
    }),
  up: true,
});
const api = (method: string, p: string, body?: unknown) => rig.api(method, p, body);
const monitor = () => rig.golive(["monitor", "--stack", "mon", "--json"], { env: { STRIPE_SECRET_KEY: undefined } });

/** Waits until Selgeo has finished the first attempt of every delivery (none pending). */
async function settled(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await api("GET", "/api/v1/webhook_deliveries?status=pending&limit=100")).data.length === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error("deliveries still pending");
}

describe("golive monitor exit codes", { timeout: 120_000 }, () => {
  it("a freshly verified stack is healthy (0): verification's forged ping is not a failed delivery", async () => {
    // The premise: verification's forged ping is in Selgeo's log as a failed delivery.
    const failed = (await api("GET", "/api/v1/webhook_deliveries?status=failed&limit=100")).data as Array<{ event_type: string; signature?: string }>;
    expect(failed.map((d) => [d.event_type, d.signature])).toEqual([["ping", "invalid"]]);

    const r = await monitor();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.status).toBe("healthy");
    expect(report.deliveries.failed).toEqual([]);
    expect(report.deliveries.forgedPingsRejected).toBe(1);
  });

  it("a fraud alert needs attention (3)", async () => {
    const program = (await rig.ws.outputs()).programId as string;
    const p = await api("POST", `/api/v1/programs/${program}/participants`, { email: "self.referrer@partner.example" });
    await api("POST", `/api/v1/programs/${program}/participants/${p.id}/approve`);
    await api("POST", "/api/v1/conversions", {
      program, partner: p.id, external_id: "order-self", amount: 1000, currency: "usd", customer_email: "self.referrer@partner.example",
    });
    await settled();
    const r = await monitor();
    expect(r.code, r.stdout + r.stderr).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(report.status).toBe("needs_attention");
    expect(report.fraudAlerts).toHaveLength(1);
    expect(report.deliveries.failed).toEqual([]);
  });

  it("a real delivery the receiver fails makes it failing (4), naming the delivery", async () => {
    receiverMode = "500";
    const program = (await rig.ws.outputs()).programId as string;
    const p = await api("POST", `/api/v1/programs/${program}/participants`, { email: "honest@partner.example" });
    await api("POST", `/api/v1/programs/${program}/participants/${p.id}/approve`);
    await api("POST", "/api/v1/conversions", { program, partner: p.id, external_id: "order-1", amount: 2000, currency: "usd" });
    await settled();
    const r = await monitor();
    expect(r.code, r.stdout + r.stderr).toBe(4);
    const report = JSON.parse(r.stdout);
    expect(report.status).toBe("failing");
    expect(report.deliveries.failed.map((d: any) => [d.eventType, d.endpointName, d.responseStatus])).toEqual([["conversion.created", "orders", 500]]);
    expect(report.deliveries.forgedPingsRejected).toBe(1);
  });
});
