import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttributionAuditLog, Click, CommissionList, Conversion, FraudAlertList, Participant, ParticipantList } from "@selgeo-golive/runtime";
import { call, expectError, useSandbox } from "./helpers";
import type { Merchant } from "./flowHelpers";
import { rand, setUpMerchant } from "./flowHelpers";

const DAY = 86_400;

describe("sandbox: participants, clicks, the Conversion API, commissions, fraud", () => {
  let m: Merchant;

  const sb = useSandbox({ deliveryTimeoutMs: 2_000 });
  beforeAll(async () => {
    m = await setUpMerchant(sb, { type: "percentage", percentage: 20, hold_period_days: 14 });
  });
  afterAll(async () => {
    await m?.close();
  });

  const convert = (body: Record<string, unknown>) => call(sb.url, "POST", "/api/v1/conversions", { key: m.sk, body });

  it("participants: create, list, approve once → participant.approved delivered", async () => {
    const path = `/api/v1/programs/${m.program}/participants`;
    // setUpMerchant approved its partner already: the event went out, signed.
    const [approvedEvent] = await m.waitForEvents("participant.approved", 1, (e) => e.data.object.id === m.partner);
    expect(Participant.parse(approvedEvent.data.object)).toMatchObject({ status: "approved", email: m.partnerEmail, program: m.program });

    const created = await call(sb.url, "POST", path, { key: m.sk, body: { email: `new-${rand(3)}@example.com` } });
    const p = Participant.parse(created.body);
    expect(p).toMatchObject({ object: "participant", status: "pending", livemode: false, approved_at: null, name: "" });
    expect(p.id).toMatch(/^prt_/);
    expectError(await call(sb.url, "POST", path, { key: m.sk, body: { email: p.email.toUpperCase() } }), 409, "participant_exists");
    expectError(await call(sb.url, "POST", path, { key: m.sk, body: { email: "not-an-email" } }), 400, "parameter_invalid");
    expect(ParticipantList.parse((await call(sb.url, "GET", `${path}?status=pending`, { key: m.sk })).body).data.map((x) => x.id)).toEqual([p.id]);

    const approve = () => call(sb.url, "POST", `${path}/${p.id}/approve`, { key: m.sk });
    expect((await approve()).body).toMatchObject({ status: "approved", approved_at: expect.any(Number) });
    expect((await approve()).status).toBe(200);
    await m.waitForEvents("participant.approved", 1, (e) => e.data.object.id === p.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(m.delivered.filter((d) => d.event.type === "participant.approved" && d.event.data.object.id === p.id)).toHaveLength(1);
    expectError(await call(sb.url, "POST", `${path}/${p.id}/approve`, { key: m.liveSk }), 404, "resource_missing");
  });

  it("clicks need a publishable key, an approved partner and a program of the key's mode", async () => {
    const body = { program: m.program, partner: m.partner, url: "https://shop.example.com/?ref=pat" };
    const res = await call(sb.url, "POST", "/v1/clicks", { key: m.pk, body });
    expect(res.status, res.text).toBe(200);
    const click = Click.parse(res.body);
    expect(click).toMatchObject({ object: "click", livemode: false, program: m.program, partner: m.partner, url: body.url });
    expect(click.id).toMatch(/^clk_/);

    expectError(await call(sb.url, "POST", "/v1/clicks", { key: m.sk, body }), 403, "publishable_key_required");
    const livePk = (await call(sb.url, "POST", "/_sandbox/accounts", { body: {} })).body.keys.live.pk;
    expectError(await call(sb.url, "POST", "/v1/clicks", { key: livePk, body }), 404, "resource_missing");
    const pending = (await call(sb.url, "POST", `/api/v1/programs/${m.program}/participants`, { key: m.sk, body: { email: `p-${rand(3)}@example.com` } })).body.id;
    expectError(await call(sb.url, "POST", "/v1/clicks", { key: m.pk, body: { ...body, partner: pending } }), 409, "participant_not_approved");
    expectError(await call(sb.url, "POST", "/v1/clicks", { key: m.pk, body: { ...body, partner: `prt_${rand()}` } }), 404, "resource_missing");
    expectError(await call(sb.url, "POST", "/v1/clicks", { key: m.pk, body: { ...body, url: "javascript:alert(1)" } }), 400, "parameter_invalid");
  });

  it("Conversion API: creates a conversion and commissions, dedupes by external_id", async () => {
    const click = await m.click();
    const externalId = `order-${rand()}`;
    const res = await convert({ click, amount: 4_999, currency: "USD", external_id: externalId, customer: `cust-${rand(3)}` });
    expect(res.status, res.text).toBe(200);
    const conv = Conversion.parse(res.body);
    expect(conv).toMatchObject({ source: "api", click, partner: m.partner, program: m.program, amount: 4_999, currency: "usd", external_id: externalId, stripe_event_type: null });
    expect(conv.commissions).toHaveLength(1);
    const com = (await call(sb.url, "GET", `/api/v1/commissions/${conv.commissions[0]}`, { key: m.sk })).body;
    expect(com).toMatchObject({ amount: 1_000, status: "pending", available_on: com.created + 14 * DAY });
    await m.waitForEvents("conversion.created", 1, (e) => e.data.object.id === conv.id);
    await m.waitForEvents("commission.created", 1, (e) => e.data.object.id === com.id);

    const again = await convert({ click, amount: 4_999, currency: "usd", external_id: externalId });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(conv.id);
    expect(expectError(await convert({ click, amount: 5_000, currency: "usd", external_id: externalId }), 409, "external_id_conflict").param).toBe("external_id");
    const dupes = AttributionAuditLog.parse((await call(sb.url, "GET", `/api/v1/attribution_audit_log?conversion=${conv.id}&type=duplicate_ignored`, { key: m.sk })).body).data;
    expect(dupes).toHaveLength(1);

    // Partner + program instead of a click.
    const direct = await convert({ partner: m.partner, program: m.program, amount: 100, currency: "usd", external_id: `order-${rand()}` });
    expect(direct.body).toMatchObject({ click: null, partner: m.partner });
    expect((await call(sb.url, "GET", `/api/v1/conversions/${conv.id}`, { key: m.liveSk })).status).toBe(404);
  });

  it.each([
    ["no amount", { currency: "usd", external_id: "x" }, 400, "parameter_missing"],
    ["fractional amount", { amount: 1.5, currency: "usd", external_id: "x" }, 400, "parameter_invalid"],
    ["no click nor partner", { amount: 100, currency: "usd", external_id: "x" }, 400, "parameter_missing"],
    ["click and partner", { click: "clk_x", partner: "prt_x", amount: 100, currency: "usd", external_id: "x" }, 400, "parameter_invalid"],
    ["unknown click", { click: "clk_nope", amount: 100, currency: "usd", external_id: "x" }, 404, "resource_missing"],
  ])("Conversion API rejects %s", async (_name, body, status, code) => {
    expectError(await convert(body), status, code);
  });

  it("commissions: list by status/program, approve and reject with clear transitions", async () => {
    const a = Conversion.parse((await convert({ partner: m.partner, program: m.program, amount: 1_000, currency: "usd", external_id: `o-${rand()}` })).body);
    const b = Conversion.parse((await convert({ partner: m.partner, program: m.program, amount: 2_000, currency: "usd", external_id: `o-${rand()}` })).body);
    const [ca, cb] = [a.commissions[0], b.commissions[0]];
    const pending = CommissionList.parse((await call(sb.url, "GET", `/api/v1/commissions?status=pending&program=${m.program}&limit=100`, { key: m.sk })).body).data.map((c) => c.id);
    expect(pending).toEqual(expect.arrayContaining([ca, cb]));

    const approved = await call(sb.url, "POST", `/api/v1/commissions/${ca}/approve`, { key: m.sk });
    expect(approved.body).toMatchObject({ status: "approved", approved_at: expect.any(Number) });
    await m.waitForEvents("commission.approved", 1, (e) => e.data.object.id === ca);
    expect((await call(sb.url, "POST", `/api/v1/commissions/${ca}/approve`, { key: m.sk })).status).toBe(200);
    expectError(await call(sb.url, "POST", `/api/v1/commissions/${ca}/reject`, { key: m.sk }), 409, "invalid_status_transition");
    expectError(await call(sb.url, "POST", `/api/v1/commissions/${cb}/approve`, { key: m.sk, body: { amount: 5 } }), 400, "parameter_invalid");

    expect((await call(sb.url, "POST", `/api/v1/commissions/${cb}/reject`, { key: m.sk, body: { reason: "test order" } })).body).toMatchObject({ status: "rejected", reason: "test order" });
    expectError(await call(sb.url, "POST", `/api/v1/commissions/${cb}/approve`, { key: m.sk }), 409, "invalid_status_transition");
    expectError(await call(sb.url, "GET", "/api/v1/commissions?status=paid", { key: m.sk }), 400, "parameter_invalid");
    expectError(await call(sb.url, "GET", `/api/v1/commissions/${ca}`, { key: m.liveSk }), 404, "resource_missing");
  });

  it("fraud: self-referral and a reused click are flagged, alerted and held for review", async () => {
    const self = await convert({ partner: m.partner, program: m.program, amount: 3_000, currency: "usd", external_id: `o-${rand()}`, customer_email: m.partnerEmail.toUpperCase() });
    const conv = Conversion.parse(self.body);
    expect(conv).toMatchObject({ fraud_suspected: true, fraud_reasons: [expect.stringMatching(/^self_referral/)] });
    const com = (await call(sb.url, "GET", `/api/v1/commissions/${conv.commissions[0]}`, { key: m.sk })).body;
    expect(com).toMatchObject({ status: "needs_review", reason: expect.stringMatching(/^fraud_suspected/) });
    const [detected] = await m.waitForEvents("conversion.fraud_detected", 1, (e) => e.data.object.id === conv.id);
    expect(detected.data.object).toMatchObject({ fraud_suspected: true });

    const click = await m.click();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await convert({ click, amount: 100, currency: "usd", external_id: `o-${rand()}` })).body.id);
    const fourth = Conversion.parse((await call(sb.url, "GET", `/api/v1/conversions/${ids[3]}`, { key: m.sk })).body);
    expect(fourth.fraud_reasons).toEqual([expect.stringMatching(/^click_reused/)]);
    expect((await call(sb.url, "GET", `/api/v1/conversions/${ids[2]}`, { key: m.sk })).body.fraud_suspected).toBe(false);

    // A click older than 90 days.
    const old = await m.click();
    await call(sb.url, "POST", "/_sandbox/clock/advance", { body: { seconds: 91 * DAY } });
    const stale = Conversion.parse((await convert({ click: old, amount: 100, currency: "usd", external_id: `o-${rand()}` })).body);
    expect(stale.fraud_reasons).toEqual([expect.stringMatching(/^stale_click/)]);

    const alerts = FraudAlertList.parse((await call(sb.url, "GET", "/api/v1/fraud_alerts?limit=100", { key: m.sk })).body).data;
    expect(alerts.map((a) => a.conversion)).toEqual(expect.arrayContaining([conv.id, fourth.id, stale.id]));
    expect(alerts.find((a) => a.conversion === conv.id)).toMatchObject({ object: "fraud_alert", partner: m.partner, program: m.program, livemode: false });
    const audit = AttributionAuditLog.parse((await call(sb.url, "GET", `/api/v1/attribution_audit_log?type=fraud_suspected&conversion=${conv.id}`, { key: m.sk })).body).data;
    expect(audit).toHaveLength(1);
    expect((await call(sb.url, "GET", "/api/v1/fraud_alerts", { key: m.liveSk })).body.data).toEqual([]);
    expectError(await call(sb.url, "GET", "/api/v1/attribution_audit_log?type=guess", { key: m.sk }), 400, "parameter_invalid");
  });
});
