/**
 * Faults lose nothing and leave no duplicate, with the real Pulumi CLI on a 50-resource stack:
 * 429 bursts, 5xx on a share of requests, latency and responses dropped after commit; then a
 * `pulumi up` killed with SIGKILL mid-way, converging on the rerun with every secret stored.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { secrets } from "@selgeo-golive/runtime";
import { useRehearsal } from "./helpers/rehearsal";

const { readGeneratedSecret } = secrets;

const rig = useRehearsal({ stack: "faults", config: () => config(40), keys: ["SELGEO_SECRET_KEY"] }, 180_000);

async function endpoints(): Promise<Array<{ id: string; metadata: Record<string, string> }>> {
  const all: Array<{ id: string; metadata: Record<string, string> }> = [];
  let after = "";
  for (;;) {
    const res = await fetch(`${rig.sandbox.url}/api/v1/webhook_endpoints?limit=100${after ? `&starting_after=${after}` : ""}`, {
      headers: { Authorization: `Bearer ${rig.sandbox.info.keys.test.sk}` },
    });
    const page = (await res.json()) as { data: Array<{ id: string; metadata: Record<string, string> }>; has_more: boolean };
    all.push(...page.data);
    if (!page.has_more) return all;
    after = page.data[page.data.length - 1].id;
  }
}

function config(count: number) {
  const eps: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) eps[`ep-${String(i).padStart(2, "0")}`] = { url: `https://hooks.example.com/${i}`, events: ["conversion.created"] };
  const rules: Record<string, unknown> = {};
  for (let i = 0; i < 9; i++) rules[`rule-${i}`] = { type: "percentage", percentage: 5 + i };
  return {
    "selgeo:mode": "test",
    "selgeo:apiUrl": rig.sandbox.url,
    "selgeo:webhookEndpoints": eps,
    "selgeo:program": { name: "Faults", status: "draft" },
    "selgeo:commissionRules": rules,
  };
}

/** No endpoint twice for one resource, and every managed one's secret readable in Secrets Manager. */
async function assertConverged(expected: number) {
  const eps = await endpoints();
  const keys = eps.map((e) => e.metadata.golive_resource);
  expect(new Set(keys).size, "duplicate endpoints for one resource").toBe(keys.length);
  expect(eps).toHaveLength(expected);
  const out = await rig.ws.outputs();
  const arns = Object.values(out.webhookSecretArns as Record<string, string>);
  expect(arns).toHaveLength(expected);
  for (const arn of arns) expect((await readGeneratedSecret({ arn, ...rig.moto.clientConfig })).value).toMatch(/^whsec_/);
  expect(readFileSync(rig.ws.stateFile(), "utf8")).not.toMatch(/whsec_[A-Za-z0-9]/);
  const noop = await rig.ws.run(["preview", "--expect-no-changes"]);
  expect(noop.code, noop.stdout + noop.stderr).toBe(0);
}

describe("faults", { timeout: 480_000 }, () => {
  it("429 bursts, 5xx, latency and dropped responses: up completes or fails cleanly, a rerun converges, no duplicate", async () => {
    // Failing is allowed, but cleanly: Pulumi's own summary, not a crash.
    await rig.upThroughFaults([
      { kind: "status", status: 429, retry_after: 1, method: "POST", path_prefix: "/api/v1/webhook_endpoints", count: 6 },
      { kind: "status", status: 503, probability: 0.2, count: 25 },
      { kind: "status", status: 500, method: "GET", probability: 0.2, count: 10 },
      { kind: "latency", latency_ms: 400, probability: 0.3, count: 40 },
      { kind: "drop_after_commit", method: "POST", path_prefix: "/api/v1/webhook_endpoints", count: 4 },
      { kind: "drop_after_commit", method: "POST", path_prefix: "/api/v1/programs", count: 2 },
    ]);
    await assertConverged(40);
  });

  it("a `pulumi up` killed with SIGKILL mid-way converges on the rerun, with no duplicate and no lost secret", async () => {
    rig.ws.writeConfig(config(60));
    // Slow the API down so the kill lands in the middle of the creates.
    await rig.admin("/faults", { rules: [{ kind: "latency", latency_ms: 300, count: 1000 }] });
    const { child, done } = rig.ws.start(["up", "--yes", "--skip-preview"]);
    const deadline = Date.now() + 120_000;
    while ((await endpoints()).length < 45 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    child.kill("SIGKILL");
    await done;
    await rig.admin("/faults");
    const between = (await endpoints()).length;
    expect(between).toBeGreaterThanOrEqual(45);
    expect(between).toBeLessThan(60);
    // The killed CLI left the stack locked: `pulumi cancel` is how an operator clears it.
    await rig.ws.mustRun(["cancel", "--yes"]);
    await rig.ws.mustRun(["up", "--yes", "--skip-preview"]);
    await assertConverged(60);
  });
});
