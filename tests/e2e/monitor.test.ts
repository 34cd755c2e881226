/**
 * `golive monitor` exit codes on a stack deployed and verified with the real Pulumi CLI: healthy (0)
 * right after a verified go-live, although verification's forged ping failed on purpose; needs
 * attention (3) after a fraud alert; failing (4) once a real delivery fails.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMoto, type MotoServer } from "../../sandbox/moto";
import { PulumiWorkspace, REPO_ROOT, TOOLS_BIN } from "../../cli/pulumiCli";
import { secrets, verifySignatureHeader } from "@selgeo-golive/runtime";
import { startSandbox } from "../../sandbox/server";

const { readGeneratedSecret, secretNameFor } = secrets;

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let moto: MotoServer;
let ws: PulumiWorkspace;
let receiver: Server;
/** How the receiver answers: verify signatures (a good receiver) or fail with 500. */
let receiverMode: "verify" | "500" = "verify";

async function api(method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sandbox.url}${p}`, {
    method,
    headers: { Authorization: `Bearer ${sandbox.info.keys.test.sk}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${p} -> ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function monitor(): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...moto.env,
    PATH: `${TOOLS_BIN}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_HOME: ws.homeDir,
    PULUMI_BACKEND_URL: `file://${ws.stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    SELGEO_SECRET_KEY: sandbox.info.keys.test.sk,
    NO_COLOR: "1",
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "golive.js"), "monitor", "--stack", "mon", "--json"], { cwd: ws.projectDir, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Waits until Selgeo has finished the first attempt of every delivery (none pending). */
async function settled(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await api("GET", "/api/v1/webhook_deliveries?status=pending&limit=100")).data.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("deliveries still pending");
}

beforeAll(async () => {
  moto = await startMoto({ port: 0 });
  sandbox = await startSandbox({ port: 0, dataDir: mkdtempSync(path.join(tmpdir(), "golive-sbx-")) });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      if (receiverMode === "500") return void res.writeHead(500).end();
      try {
        const { value } = await readGeneratedSecret({ arn: secretNameFor({ stack: "mon", kind: "webhook-endpoint", name: "orders" }), ...moto.clientConfig });
        const ok = verifySignatureHeader(String(req.headers["selgeo-signature"] ?? ""), Buffer.concat(chunks).toString("utf8"), value).ok;
        res.writeHead(ok ? 200 : 400).end();
      } catch {
        res.writeHead(503).end();
      }
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const addr = receiver.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/orders`;
  ws = await PulumiWorkspace.create({
    stack: "mon",
    config: {
      "selgeo:mode": "test",
      "selgeo:apiUrl": sandbox.url,
      "selgeo:stripeApiUrl": sandbox.stripeUrl,
      "selgeo:verify": true,
      "selgeo:webhookEndpoints": { orders: { url, events: ["conversion.created", "conversion.fraud_detected"] } },
      "selgeo:stripe": {},
      "selgeo:program": { name: "Monitored", status: "active" },
      "selgeo:commissionRules": { standard: { type: "percentage", percentage: 10 } },
    },
    env: { ...moto.env, SELGEO_SECRET_KEY: sandbox.info.keys.test.sk, STRIPE_SECRET_KEY: sandbox.info.stripe_keys!.test.secret_key },
  });
  await ws.mustRun(["up", "--yes", "--skip-preview"]);
}, 240_000);

afterAll(async () => {
  await new Promise((r) => receiver?.close(r));
  await sandbox?.close();
  await moto?.close();
});

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
    const program = (await ws.outputs()).programId as string;
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
    const program = (await ws.outputs()).programId as string;
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
