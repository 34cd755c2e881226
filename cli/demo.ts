/**
 * `golive demo`: the go-live rehearsed end to end on the embedded sandbox, with no credentials and
 * no network: sandbox up, stack created on a local backend, preview shown, `pulumi up`, each
 * endpoint pinged and its signature verified by a local receiver (and a forged one rejected), a
 * change made behind Pulumi's back detected and repaired. Exit 0 only when every step passed.
 */
import { createServer, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SelgeoClient, verifySignatureHeader, RECOMMENDED_EVENTS } from "@selgeo-golive/runtime";
import { startSandbox } from "../sandbox/server";
import { PulumiWorkspace } from "./pulumiCli";

interface Step {
  name: string;
  ok: boolean;
  detail: string;
}

/** A webhook receiver that accepts only deliveries whose signature verifies with a known secret. */
class VerifyingReceiver {
  readonly secrets = new Map<string, string>();
  verified = 0;
  rejected = 0;
  private server?: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const secret = this.secrets.get(req.url ?? "");
        const header = String(req.headers["selgeo-signature"] ?? "");
        if (secret && verifySignatureHeader(header, body, secret).ok) {
          this.verified++;
          res.writeHead(200).end("ok");
        } else {
          this.rejected++;
          res.writeHead(400).end("bad signature");
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

const say = (s: string) => process.stdout.write(s + "\n");

/** Runs the demo; resolves to the exit code. */
export async function demoCommand(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose");
  const steps: Step[] = [];
  const record = (name: string, ok: boolean, detail: string) => {
    steps.push({ name, ok, detail });
    say(`${ok ? "  ✔" : "  ✘"} ${name}: ${detail}`);
    return ok;
  };
  const root = mkdtempSync(path.join(tmpdir(), "golive-demo-"));
  say(`golive demo: rehearsing the go-live on the embedded sandbox (work dir ${root})`);

  say("1/6 starting the Selgeo sandbox and a signature-checking webhook receiver");
  const sandbox = await startSandbox({ port: 0, dataDir: path.join(root, "sandbox-data") });
  const receiver = new VerifyingReceiver();
  await receiver.start();
  const sk = sandbox.info.keys.test.sk;
  const client = new SelgeoClient({ baseUrl: sandbox.url, apiKey: sk });
  try {
    record("sandbox", true, `Selgeo API at ${sandbox.url}`);

    say("2/6 creating the `sandbox` stack on a local file backend");
    const endpoints = {
      orders: { url: `${receiver.url}/orders`, events: [...RECOMMENDED_EVENTS], description: "order system" },
      partners: { url: `${receiver.url}/partners`, events: ["participant.approved", "commission.approved"], description: "partner portal" },
    };
    const ws = await PulumiWorkspace.create({
      stack: "sandbox",
      dir: path.join(root, "pulumi"),
      config: { "selgeo:mode": "test", "selgeo:apiUrl": sandbox.url, "selgeo:webhookEndpoints": endpoints },
      env: { SELGEO_SECRET_KEY: sk },
      echo: verbose,
    });

    say("3/6 pulumi preview (the review diff)");
    const preview = await ws.mustRun(["preview", "--diff"]);
    say(indent(preview.stdout));
    record("preview", /\+ 3 to create|3 to create/.test(preview.stdout), "2 webhook endpoints + the stack to create");

    say("4/6 pulumi up");
    const up = await ws.mustRun(["up", "--yes", "--skip-preview"]);
    say(indent(up.stdout.split("\n").filter((l) => /created|Resources|Duration|\+ /.test(l)).join("\n")));
    const out = await ws.outputs(true);
    const ids = out.webhookEndpointIds as Record<string, string>;
    const secrets = out.webhookSecrets as Record<string, string>;
    record("up", Object.keys(ids).length === 2, `endpoints ${Object.values(ids).join(", ")}`);

    say("5/6 verifying each endpoint (checklist item 4)");
    for (const [name, id] of Object.entries(ids)) receiver.secrets.set(`/${name}`, secrets[name]);
    for (const [name, id] of Object.entries(ids)) {
      const good = await client.pingWebhookEndpoint(id, { signature: "valid" });
      record(`ping ${name}`, good.status === "succeeded", `delivery ${good.id} ${good.status} (HTTP ${good.response_status})`);
      const forged = await client.pingWebhookEndpoint(id, { signature: "invalid" });
      record(
        `forged ping ${name}`,
        forged.status !== "succeeded" && forged.response_status === 400,
        `receiver rejected a wrongly signed delivery (HTTP ${forged.response_status})`,
      );
    }

    say("6/6 drift: disabling `orders` behind Pulumi's back");
    await client.updateWebhookEndpoint(ids.orders, { status: "disabled" });
    const drift = await ws.run(["preview", "--refresh", "--expect-no-changes", "--diff"]);
    record("drift detected", drift.code !== 0 && /enabled/.test(drift.stdout), "preview --refresh --expect-no-changes reports `enabled: false => true`");
    await ws.mustRun(["up", "--refresh", "--yes", "--skip-preview"]);
    const repaired = await client.getWebhookEndpoint(ids.orders);
    record("drift repaired", repaired.status === "enabled", `orders is ${repaired.status} again, same id ${repaired.id}`);
  } catch (e) {
    record("demo", false, e instanceof Error ? e.message : String(e));
  } finally {
    await receiver.close();
    await sandbox.close();
  }

  const failed = steps.filter((s) => !s.ok);
  say("");
  say(failed.length === 0 ? `demo passed: ${steps.length} checks` : `demo FAILED: ${failed.map((s) => s.name).join(", ")}`);
  return failed.length === 0 ? 0 : 1;
}

function indent(s: string): string {
  return s
    .trimEnd()
    .split("\n")
    .map((l) => "    " + l)
    .join("\n");
}
