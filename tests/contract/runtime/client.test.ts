import { randomBytes } from "crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { SelgeoClient, SelgeoTrackingClient } from "../../../runtime/src/client";
import { SelgeoError, SelgeoNotFoundError } from "../../../runtime/src/errors";
import { RateLimiter } from "../../../runtime/src/rateLimiter";
import { useSandbox } from "../sandbox/helpers";

describe("client: program, rule, integration and flow methods against the sandbox", () => {
  let client: SelgeoClient;
  let tracking: SelgeoTrackingClient;

  const sb = useSandbox();
  beforeAll(async () => {
    // Private limiters: the process-wide default buckets are shared with other suites.
    const opts = () => ({ baseUrl: sb.url, limiter: new RateLimiter({ perMinute: 10_000 }), maxRetries: 0 });
    client = new SelgeoClient({ ...opts(), apiKey: sb.info.keys.test.sk });
    tracking = new SelgeoTrackingClient({ ...opts(), apiKey: sb.info.keys.test.pk });
  });

  it("walks program → rule → integration → partner → click → conversion → commission → audit", async () => {
    const program = await client.createProgram({ name: "Client program" });
    expect(program.status).toBe("draft");
    expect((await client.listPrograms({ limit: 5 })).data.map((p) => p.id)).toContain(program.id);
    expect(await client.findProgram("prog_missing")).toBeUndefined();

    const rule = await client.createCommissionRule(program.id, { type: "percentage", percentage: 25, hold_period_days: 0, auto_approve: true });
    expect((await client.updateCommissionRule(program.id, rule.id, { percentage: 30 })).percentage).toBe(30);
    expect((await client.getCommissionRule(program.id, rule.id)).name).toBe("30% of gross");
    expect((await client.listCommissionRules(program.id)).data).toHaveLength(1);

    const integration = await client.updateStripeIntegration({ account_id: `acct_${randomBytes(6).toString("hex")}`, webhook_signing_secret: `whsec_${randomBytes(16).toString("hex")}` });
    expect(integration).toMatchObject({ connected: true, webhook_secret_configured: true });
    expect((await client.getStripeIntegration()).webhook_url).toMatch(/\/v1\/stripe\/webhooks\/acct_\w+\/test$/);
    expect((await client.listStripeEvents()).data).toEqual([]);

    expect((await client.updateProgram(program.id, { status: "active" })).status).toBe("active");
    const partner = await client.createParticipant(program.id, { email: "pat@example.com", name: "Pat" });
    expect((await client.approveParticipant(program.id, partner.id)).status).toBe("approved");
    expect((await client.listParticipants(program.id, { status: "approved" })).data.map((p) => p.id)).toEqual([partner.id]);

    const click = await tracking.createClick({ program: program.id, partner: partner.id, url: "https://shop.example.com/" });
    expect(click.id).toMatch(/^clk_/);
    const conv = await client.createConversion({ click: click.id, amount: 1_000, currency: "usd", external_id: "order-1" });
    expect(conv.commissions).toHaveLength(1);
    expect((await client.listConversions({ click: click.id })).data.map((c) => c.id)).toEqual([conv.id]);
    expect((await client.getConversion(conv.id)).amount).toBe(1_000);
    const com = await client.getCommission(conv.commissions[0]);
    expect(com).toMatchObject({ amount: 300, status: "approved" });
    expect((await client.listCommissions({ status: "approved", program: program.id })).data.map((c) => c.id)).toEqual([com.id]);

    const second = await client.createConversion({ partner: partner.id, program: program.id, amount: 500, currency: "usd", external_id: "order-2", customer_email: "pat@example.com" });
    expect(second.fraud_suspected).toBe(true);
    const review = await client.getCommission(second.commissions[0]);
    expect(review.status).toBe("needs_review");
    expect((await client.rejectCommission(review.id, { reason: "self-referral" })).status).toBe("rejected");
    await expect(client.approveCommission(review.id)).rejects.toBeInstanceOf(SelgeoError);
    expect((await client.listFraudAlerts({ conversion: second.id })).data).toHaveLength(1);
    expect((await client.listAttributionAuditLog({ conversion: conv.id, type: "attributed" })).data).toHaveLength(1);

    await client.deleteCommissionRule(program.id, rule.id);
    await client.deleteCommissionRule(program.id, rule.id); // already gone: still fine
    await expect(client.getCommissionRule(program.id, rule.id)).rejects.toBeInstanceOf(SelgeoNotFoundError);
    expect((await client.deleteStripeIntegration()).connected).toBe(false);
  });

  it("the tracking client refuses a secret key up front", () => {
    expect(() => new SelgeoTrackingClient({ baseUrl: sb.url, apiKey: sb.info.keys.test.sk })).toThrow(/publishable key/);
  });
});
