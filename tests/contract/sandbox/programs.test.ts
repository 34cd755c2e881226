import { randomBytes } from "crypto";
import { describe, expect, it } from "vitest";
import { CommissionRule, CommissionRuleList, Program, ProgramList, StripeIntegration } from "@selgeo-golive/runtime";
import { call, expectError, useSandbox } from "./helpers";

/** A Stripe-shaped account id made at run time. */
const fakeAcct = () => `acct_${randomBytes(8).toString("hex")}`;

describe("sandbox: programs and commission rules", () => {
  const sb = useSandbox();

  const createProgram = async (key: string, body: Record<string, unknown> = { name: "Partners" }) => {
    const res = await call(sb.url, "POST", "/api/v1/programs", { key, body });
    expect(res.status, res.text).toBe(200);
    return Program.parse(res.body);
  };
  const setStatus = (key: string, id: string, status: string) => call(sb.url, "POST", `/api/v1/programs/${id}`, { key, body: { status } });

  it("creates a draft program with defaults, stable URLs, and reads it back", async () => {
    const p = await createProgram(sb.sk, { name: "Affiliates", description: "Main program", metadata: { team: "growth" } });
    expect(p).toMatchObject({ object: "program", livemode: false, name: "Affiliates", status: "draft", currency: "usd", activated_at: null, metadata: { team: "growth" } });
    expect(p.id).toMatch(/^prog_/);
    expect(p.invite_url).toBe(`${sb.url}/p/${p.id}/invite`);
    expect(p.application_url).toBe(`${sb.url}/p/${p.id}/apply`);
    expect(Program.parse((await call(sb.url, "GET", `/api/v1/programs/${p.id}`, { key: sb.sk })).body)).toEqual(p);
    expect((await createProgram(sb.sk, { name: "EU", currency: "EUR" })).currency).toBe("eur");
    const list = ProgramList.parse((await call(sb.url, "GET", "/api/v1/programs?limit=1", { key: sb.sk })).body);
    expect(list.data).toHaveLength(1);
    expect(list.has_more).toBe(true);
    // Other mode: invisible.
    expectError(await call(sb.url, "GET", `/api/v1/programs/${p.id}`, { key: sb.liveSk }), 404, "resource_missing");
  });

  it("validates program fields", async () => {
    expectError(await call(sb.url, "POST", "/api/v1/programs", { key: sb.sk, body: {} }), 400, "parameter_missing");
    expectError(await call(sb.url, "POST", "/api/v1/programs", { key: sb.sk, body: { name: "x", currency: "dollars" } }), 400, "parameter_invalid");
    expectError(await call(sb.url, "POST", "/api/v1/programs", { key: sb.sk, body: { name: "x", stauts: "active" } }), 400, "unknown_parameter");
    expectError(await call(sb.url, "POST", "/api/v1/programs", { key: sb.sk, body: { name: "x", status: "live" } }), 400, "parameter_invalid");
  });

  it("walks the status machine; archived is final", async () => {
    const p = await createProgram(sb.sk);
    const paused = await setStatus(sb.sk, p.id, "paused");
    expect(expectError(paused, 409, "invalid_status_transition").message).toMatch(/draft.*active, archived/);
    const active = await setStatus(sb.sk, p.id, "active");
    expect(active.body).toMatchObject({ status: "active" });
    const activatedAt = active.body.activated_at;
    expect(activatedAt).toEqual(expect.any(Number));
    expect((await setStatus(sb.sk, p.id, "active")).status).toBe(200); // same status: no-op
    expect((await setStatus(sb.sk, p.id, "paused")).body.status).toBe("paused");
    expect((await setStatus(sb.sk, p.id, "active")).body).toMatchObject({ status: "active", activated_at: activatedAt });
    expect((await setStatus(sb.sk, p.id, "archived")).body.status).toBe("archived");
    for (const to of ["active", "paused", "draft"]) expectError(await setStatus(sb.sk, p.id, to), 409, "invalid_status_transition");
    expectError(await call(sb.url, "POST", `/api/v1/programs/${p.id}`, { key: sb.sk, body: { name: "renamed" } }), 409, "program_archived");
    expectError(await call(sb.url, "POST", `/api/v1/programs/${p.id}/commission_rules`, { key: sb.sk, body: { type: "percentage", percentage: 10 } }), 409, "program_archived");
  });

  it("live activation lists exactly what is missing, until everything is there", async () => {
    const p = await createProgram(sb.liveSk, { name: "Live program" });
    expect(p.livemode).toBe(true);
    const first = expectError(await setStatus(sb.liveSk, p.id, "active"), 409, "program_not_ready");
    expect(first.missing).toEqual(["commission_rule", "stripe_integration", "webhook_endpoint"]);
    expect(first.message).toMatch(/commission_rule, stripe_integration, webhook_endpoint/);
    // A create asking for active directly is refused the same way, and leaves nothing behind.
    const before = (await call(sb.url, "GET", "/api/v1/programs?limit=100", { key: sb.liveSk })).body.data.length;
    expectError(await call(sb.url, "POST", "/api/v1/programs", { key: sb.liveSk, body: { name: "x", status: "active" } }), 409, "program_not_ready");
    expect((await call(sb.url, "GET", "/api/v1/programs?limit=100", { key: sb.liveSk })).body.data.length).toBe(before);

    const connected = await call(sb.url, "POST", "/api/v1/integrations/stripe", { key: sb.liveSk, body: { account_id: fakeAcct() } });
    expect(connected.body).toMatchObject({ connected: true, livemode: true });
    expect(expectError(await setStatus(sb.liveSk, p.id, "active"), 409, "program_not_ready").missing).toEqual(["commission_rule", "webhook_endpoint"]);

    await call(sb.url, "POST", `/api/v1/programs/${p.id}/commission_rules`, { key: sb.liveSk, body: { type: "percentage", percentage: 20 } });
    expect(expectError(await setStatus(sb.liveSk, p.id, "active"), 409, "program_not_ready").missing).toEqual(["webhook_endpoint"]);

    // A disabled endpoint does not count.
    const ep = await call(sb.url, "POST", "/api/v1/webhook_endpoints", { key: sb.liveSk, body: { url: "https://hooks.example.com/selgeo", events: ["commission.created"], status: "disabled" } });
    expect(expectError(await setStatus(sb.liveSk, p.id, "active"), 409, "program_not_ready").missing).toEqual(["webhook_endpoint"]);
    await call(sb.url, "POST", `/api/v1/webhook_endpoints/${ep.body.id}`, { key: sb.liveSk, body: { status: "enabled" } });

    const ok = await setStatus(sb.liveSk, p.id, "active");
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ status: "active", livemode: true });

    // Test mode has no such requirement, and the live integration is not the test one.
    expect((await call(sb.url, "GET", "/api/v1/integrations/stripe", { key: sb.sk })).body.connected).toBe(false);
  });

  it("creates rules with defaults and reads, updates, lists and deletes them", async () => {
    const p = await createProgram(sb.sk);
    const path = `/api/v1/programs/${p.id}/commission_rules`;
    const created = await call(sb.url, "POST", path, { key: sb.sk, body: { type: "percentage", percentage: 12.5 } });
    expect(created.status, created.text).toBe(200);
    const rule = CommissionRule.parse(created.body);
    expect(rule).toMatchObject({
      object: "commission_rule", program: p.id, livemode: false, name: "12.5% of gross", type: "percentage", percentage: 12.5, flat_amount: null, currency: null,
      basis: "gross", hold_period_days: 30, auto_approve: false, applies_to: ["checkout.session.completed", "invoice.paid"], recurring_months: null, metadata: {},
    });
    expect(rule.id).toMatch(/^cr_/);

    const updated = CommissionRule.parse((await call(sb.url, "POST", `${path}/${rule.id}`, { key: sb.sk, body: { percentage: 15, basis: "net", recurring_months: 12 } })).body);
    expect(updated).toMatchObject({ id: rule.id, percentage: 15, basis: "net", recurring_months: 12, name: "15% of net", hold_period_days: 30 });
    // Switching type drops the other type's fields.
    const switched = CommissionRule.parse((await call(sb.url, "POST", `${path}/${rule.id}`, { key: sb.sk, body: { type: "flat", flat_amount: 1500, currency: "usd", name: "Bounty" } })).body);
    expect(switched).toMatchObject({ type: "flat", percentage: null, flat_amount: 1500, currency: "usd", name: "Bounty" });
    expect(CommissionRule.parse((await call(sb.url, "GET", `${path}/${rule.id}`, { key: sb.sk })).body)).toEqual(switched);
    expect(CommissionRuleList.parse((await call(sb.url, "GET", path, { key: sb.sk })).body).data.map((r) => r.id)).toEqual([rule.id]);

    const del = await call(sb.url, "DELETE", `${path}/${rule.id}`, { key: sb.sk });
    expect(del.body).toEqual({ id: rule.id, object: "commission_rule", deleted: true });
    expectError(await call(sb.url, "GET", `${path}/${rule.id}`, { key: sb.sk }), 404, "resource_missing");
    expectError(await call(sb.url, "GET", path, { key: sb.liveSk }), 404, "resource_missing");
  });

  it.each([
    ["no type", {}, "parameter_missing", "type"],
    ["unknown type", { type: "tiered" }, "parameter_invalid", "type"],
    ["percentage missing", { type: "percentage" }, "parameter_missing", "percentage"],
    ["percentage over 100", { type: "percentage", percentage: 101 }, "parameter_invalid", "percentage"],
    ["percentage negative", { type: "percentage", percentage: -1 }, "parameter_invalid", "percentage"],
    ["percentage with 3 decimals", { type: "percentage", percentage: 12.345 }, "parameter_invalid", "percentage"],
    ["percentage as a string", { type: "percentage", percentage: "10" }, "parameter_invalid", "percentage"],
    ["flat_amount on a percentage rule", { type: "percentage", percentage: 10, flat_amount: 100 }, "parameter_invalid", "flat_amount"],
    ["currency on a percentage rule", { type: "percentage", percentage: 10, currency: "usd" }, "parameter_invalid", "currency"],
    ["flat without amount", { type: "flat", currency: "usd" }, "parameter_missing", "flat_amount"],
    ["flat without currency", { type: "flat", flat_amount: 100 }, "parameter_missing", "currency"],
    ["flat amount zero", { type: "flat", flat_amount: 0, currency: "usd" }, "parameter_invalid", "flat_amount"],
    ["flat amount fractional", { type: "flat", flat_amount: 9.99, currency: "usd" }, "parameter_invalid", "flat_amount"],
    ["percentage on a flat rule", { type: "flat", flat_amount: 100, currency: "usd", percentage: 5 }, "parameter_invalid", "percentage"],
    ["bad basis", { type: "percentage", percentage: 10, basis: "after_tax" }, "parameter_invalid", "basis"],
    ["hold too long", { type: "percentage", percentage: 10, hold_period_days: 366 }, "parameter_invalid", "hold_period_days"],
    ["hold fractional", { type: "percentage", percentage: 10, hold_period_days: 1.5 }, "parameter_invalid", "hold_period_days"],
    ["auto_approve as a string", { type: "percentage", percentage: 10, auto_approve: "yes" }, "parameter_invalid", "auto_approve"],
    ["applies_to empty", { type: "percentage", percentage: 10, applies_to: [] }, "parameter_invalid", "applies_to"],
    ["applies_to unknown event", { type: "percentage", percentage: 10, applies_to: ["charge.refunded"] }, "parameter_invalid", "applies_to[0]"],
    ["applies_to duplicate", { type: "percentage", percentage: 10, applies_to: ["invoice.paid", "invoice.paid"] }, "parameter_invalid", "applies_to[1]"],
    ["recurring_months zero", { type: "percentage", percentage: 10, recurring_months: 0 }, "parameter_invalid", "recurring_months"],
    ["unknown field", { type: "percentage", percentage: 10, percent: 10 }, "unknown_parameter", "percent"],
  ])("rejects a rule with %s", async (_name, body, code, param) => {
    const p = await createProgram(sb.sk);
    const err = expectError(await call(sb.url, "POST", `/api/v1/programs/${p.id}/commission_rules`, { key: sb.sk, body }), 400, code);
    expect(err.param).toBe(param);
    expect(err.message.length).toBeGreaterThan(20);
  });

  it("accepts the edges: 0 and 100 percent, 2 decimals, hold 0 and 365, recurring null", async () => {
    const p = await createProgram(sb.sk);
    for (const body of [
      { type: "percentage", percentage: 0 },
      { type: "percentage", percentage: 100, hold_period_days: 0, auto_approve: true },
      { type: "percentage", percentage: 0.07, hold_period_days: 365, recurring_months: null, applies_to: ["invoice.paid"] },
      { type: "flat", flat_amount: 1, currency: "EUR", basis: "net" },
    ]) {
      const res = await call(sb.url, "POST", `/api/v1/programs/${p.id}/commission_rules`, { key: sb.sk, body });
      expect(res.status, res.text).toBe(200);
    }
  });
});

describe("sandbox: the Stripe integration (Selgeo side)", () => {
  const sb = useSandbox();

  it("has a stable webhook_url per account and mode before anything is connected", async () => {
    const accountId = (await call(sb.url, "GET", "/api/v1/account", { key: sb.sk })).body.id;
    const test = StripeIntegration.parse((await call(sb.url, "GET", "/api/v1/integrations/stripe", { key: sb.sk })).body);
    expect(test).toEqual({
      object: "stripe_integration", livemode: false, connected: false, account_id: null,
      webhook_url: `${sb.url}/v1/stripe/webhooks/${accountId}/test`, webhook_secret_configured: false, webhook_secret_fingerprint: null, fee_data_available: false,
    });
    const live = StripeIntegration.parse((await call(sb.url, "GET", "/api/v1/integrations/stripe", { key: sb.info.keys.live.sk })).body);
    expect(live.webhook_url).toBe(`${sb.url}/v1/stripe/webhooks/${accountId}/live`);
  });

  it("connects, takes the signing secret without ever returning it, and disconnects", async () => {
    const acct = fakeAcct();
    const secret = `whsec_${randomBytes(24).toString("base64url")}`;
    const res = await call(sb.url, "POST", "/api/v1/integrations/stripe", { key: sb.sk, body: { account_id: acct, webhook_signing_secret: secret } });
    expect(res.body).toMatchObject({ connected: true, account_id: acct, webhook_secret_configured: true, fee_data_available: true });
    expect(res.text).not.toContain(secret);
    expect((await call(sb.url, "GET", "/api/v1/integrations/stripe", { key: sb.sk })).text).not.toContain(secret);

    // The admin route flips fee data off (for needs_review rehearsals) and back.
    expect((await call(sb.url, "POST", "/_sandbox/stripe_integration", { body: { livemode: false, fee_data_available: false } })).body.fee_data_available).toBe(false);
    expect((await call(sb.url, "GET", "/api/v1/integrations/stripe", { key: sb.sk })).body.fee_data_available).toBe(false);
    expect((await call(sb.url, "POST", "/_sandbox/stripe_integration", { body: { livemode: false, fee_data_available: null } })).body.fee_data_available).toBe(true);

    const off = await call(sb.url, "DELETE", "/api/v1/integrations/stripe", { key: sb.sk });
    expect(off.body).toMatchObject({ connected: false, account_id: null, webhook_secret_configured: false, fee_data_available: false });
  });

  it.each([
    ["an empty body", {}, "parameter_missing", undefined],
    ["a non-Stripe account id", { account_id: "1234" }, "parameter_invalid", "account_id"],
    ["an API key as secret", { webhook_signing_secret: "sk_" + "test_abc" }, "parameter_invalid", "webhook_signing_secret"],
    ["unknown field", { account: "acct_1" }, "unknown_parameter", "account"],
  ])("rejects %s", async (_name, body, code, param) => {
    const err = expectError(await call(sb.url, "POST", "/api/v1/integrations/stripe", { key: sb.sk, body }), 400, code);
    expect(err.param).toBe(param);
  });
});
