/**
 * Verification before activation with the real Pulumi CLI: an endpoint that answers 500, or a Stripe
 * signing secret Selgeo cannot verify, stops `pulumi up` before the program goes active, saying
 * which check failed; a rerun after the fix activates it.
 */
import { createServer, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMoto, type MotoServer } from "../../sandbox/moto";
import { PulumiWorkspace } from "../../cli/pulumiCli";
import { secrets, verifySignatureHeader } from "@selgeo-golive/runtime";
import { startSandbox } from "../../sandbox/server";

const { readGeneratedSecret, secretNameFor } = secrets;

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

let sandbox: Sandbox;
let moto: MotoServer;
let ws: PulumiWorkspace;
let receiver: Server;
let receiverUrl = "";
let answer500 = true;

async function api(method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sandbox.url}${p}`, {
    method,
    headers: { Authorization: `Bearer ${sandbox.info.keys.test.sk}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

async function programStatus(): Promise<string | undefined> {
  const progs = (await api("GET", "/api/v1/programs?limit=100")).data as Array<{ status: string; name: string }>;
  return progs.find((p) => p.name === "Acme Partners")?.status;
}

beforeAll(async () => {
  moto = await startMoto({ port: 0 });
  sandbox = await startSandbox({ port: 0, dataDir: mkdtempSync(path.join(tmpdir(), "golive-sbx-")) });
  // The merchant's receiver reads its signing secret from Secrets Manager, by the name the providers use.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      if (answer500) return void res.writeHead(500).end();
      try {
        const { value } = await readGeneratedSecret({ arn: secretNameFor({ stack: "verify", kind: "webhook-endpoint", name: "orders" }), ...moto.clientConfig });
        const ok = verifySignatureHeader(String(req.headers["selgeo-signature"] ?? ""), Buffer.concat(chunks).toString("utf8"), value).ok;
        res.writeHead(ok ? 200 : 400).end();
      } catch {
        res.writeHead(503).end();
      }
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const addr = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  ws = await PulumiWorkspace.create({
    stack: "verify",
    config: {
      "selgeo:mode": "test",
      "selgeo:apiUrl": sandbox.url,
      "selgeo:stripeApiUrl": sandbox.stripeUrl,
      "selgeo:verify": true,
      "selgeo:webhookEndpoints": { orders: { url: `${receiverUrl}/orders`, events: ["conversion.created", "commission.created"] } },
      "selgeo:stripe": {},
      "selgeo:program": { name: "Acme Partners", status: "active" },
      "selgeo:commissionRules": { standard: { type: "percentage", percentage: 20 } },
    },
    env: { ...moto.env, SELGEO_SECRET_KEY: sandbox.info.keys.test.sk, STRIPE_SECRET_KEY: sandbox.info.stripe_keys!.test.secret_key },
  });
}, 180_000);

afterAll(async () => {
  await new Promise((r) => receiver?.close(r));
  await sandbox?.close();
  await moto?.close();
});

describe("verification before activation", { timeout: 300_000 }, () => {
  it("an endpoint that answers 500 stops the program from going active, naming the check", async () => {
    const up = await ws.run(["up", "--yes", "--skip-preview"]);
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
    const up = await ws.run(["up", "--yes", "--skip-preview"]);
    const text = up.stdout + up.stderr;
    expect(up.code).not.toBe(0);
    expect(text).toMatch(/stripe: test event evt_\w+ reached Selgeo but its signature did not verify/);
    expect(await programStatus()).toBe("draft");
  });

  it("after the fixes, a rerun (with refresh, which repairs Selgeo's Stripe secret) activates the program", async () => {
    const up = await ws.mustRun(["up", "--refresh", "--yes", "--skip-preview"]);
    expect(up.stdout).toMatch(/selgeo:GoLiveVerification go-live created/);
    expect(await programStatus()).toBe("active");
    const out = await ws.outputs();
    expect(out.programStatusValue).toBe("active");
  });
});
