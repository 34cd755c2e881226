/**
 * `golive flow`, the guided full flow (checklist 7), driven like a merchant would: the command
 * prints the referral link and waits; "the merchant" makes the purchase (here: a click with the
 * partner's ref and a checkout on the Stripe emulator), then refunds it when asked. A bad
 * `--landing`, or a partner to create with nobody to ask and no `--yes`, is refused before any write.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMoto, type MotoServer } from "../../sandbox/moto";
import { PulumiWorkspace, REPO_ROOT, pulumiPath } from "../../cli/pulumiCli";
import { startSandbox } from "../../sandbox/server";

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let moto: MotoServer;
let ws: PulumiWorkspace;
let receiver: Server;

const post = async (url: string, body: unknown, key?: string) => {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(key ? { Authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return (await res.json()) as any;
};

beforeAll(async () => {
  moto = await startMoto({ port: 0 });
  sandbox = await startSandbox({ port: 0, dataDir: mkdtempSync(path.join(tmpdir(), "golive-sbx-")) });
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200).end());
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const addr = receiver.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/hooks`;
  ws = await PulumiWorkspace.create({
    stack: "flow",
    config: {
      "selgeo:mode": "test",
      "selgeo:apiUrl": sandbox.url,
      "selgeo:stripeApiUrl": sandbox.stripeUrl,
      "selgeo:webhookEndpoints": { orders: { url, events: ["conversion.created", "commission.created", "commission.refunded"] } },
      "selgeo:stripe": {},
      "selgeo:program": { name: "Flow", status: "active" },
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

function flowEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...moto.env,
    PATH: pulumiPath(),
    PULUMI_HOME: ws.homeDir,
    PULUMI_BACKEND_URL: `file://${ws.stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    SELGEO_SECRET_KEY: sandbox.info.keys.test.sk,
    STRIPE_SECRET_KEY: sandbox.info.stripe_keys!.test.secret_key,
    NO_COLOR: "1",
  };
}

/** `golive flow …` as a child process without a terminal; its exit code and output. */
function flow(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "golive.js"), "flow", "--stack", "flow", ...args], {
    cwd: ws.projectDir,
    env: flowEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d));
  child.stderr.on("data", (d: Buffer) => (err += d));
  return new Promise((r) => child.on("close", (code) => r({ code: code ?? 1, out, err })));
}

const writes = async (): Promise<number> => ((await (await fetch(`${sandbox.url}/_sandbox/requests`)).json()) as any).by_method.POST;

describe("refused before any write to Selgeo", { timeout: 120_000 }, () => {
  const cases: Array<[string, string[], RegExp]> = [
    ["relative --landing", ["--landing", "/pricing"], /^golive flow: --landing must be an absolute URL/],
    ["no scheme", ["--landing", "shop.example/pricing"], /^golive flow: --landing must be an absolute URL/],
    ["ftp --landing", ["--landing", "ftp://shop.example/"], /^golive flow: --landing must be an http\(s\) URL/],
    ["plain http off localhost on a test stack", ["--landing", "http://shop.example/pricing", "--yes"], /^golive flow: --landing may use plain http only on localhost/],
    ["credentials in --landing", ["--landing", "https://me:pw@shop.example/", "--yes"], /^golive flow: --landing must not carry a user name or password/],
    ["a partner to create, no terminal, no --yes", ["--landing", "http://localhost:3000/pricing"], /^golive flow: refusing to create and approve a partner .* without a terminal to ask; pass --yes/],
  ];
  it.each(cases)("%s", async (_name, args, message) => {
    const before = await writes();
    const r = await flow([...args, "--timeout", "5"]);
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.out).not.toMatch(/ref=/);
    expect(await writes()).toBe(before);
  });
});

it("guides a purchase and a refund, checking each step in Selgeo", { timeout: 180_000 }, async () => {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "golive.js"), "flow", "--stack", "flow", "--landing", "https://shop.example/pricing", "--yes", "--timeout", "120", "--poll-ms", "300"], {
    cwd: ws.projectDir,
    env: flowEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d));
  child.stdout.on("data", (d: Buffer) => (out += d));
  const exited = new Promise<number>((r) => child.on("close", (code) => r(code ?? 1)));
  const sawLine = async (re: RegExp): Promise<RegExpMatchArray> => {
    for (let i = 0; i < 600; i++) {
      const m = out.match(re);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`golive flow never printed ${re}:\n${out}\n${err}`);
  };

  // The merchant opens the link: the snippet records a click with the partner's ref.
  const [, partner] = await sawLine(/ref=(prt_\w+)/);
  const programId = ((await ws.outputs()).programId as string);
  const click = await post(`${sandbox.url}/v1/clicks`, { program: programId, partner, url: "https://shop.example/pricing" }, sandbox.info.keys.test.pk);
  // ...and buys.
  const checkout = await post(`${sandbox.stripeUrl}/_stripe/checkout`, { amount_total: 1000, currency: "usd", client_reference_id: click.id, wait: true });
  // When asked, refunds it in Stripe.
  await sawLine(/Refund the payment in Stripe now/);
  await post(`${sandbox.stripeUrl}/_stripe/refund`, { payment_intent: checkout.payment_intent.id, wait: true });

  const code = await exited;
  expect(code, out + err).toBe(0);
  expect(out).toMatch(/✔ conversion: conv_\w+: 1000 usd/);
  expect(out).toMatch(/✔ commission: com_\w+ 100 /);
  expect(out).toMatch(/✔ webhook conversion\.created/);
  expect(out).toMatch(/✔ webhook commission\.created/);
  expect(out).toMatch(/✔ refund: commission\.refunded fired/);
  expect(out).toMatch(/full flow verified/);
});
