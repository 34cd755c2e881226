/**
 * `golive flow`, the guided full flow (checklist 7), driven like a merchant would: the command
 * prints the referral link and waits; "the merchant" makes the purchase (here: a click with the
 * partner's ref and a checkout on the Stripe emulator), then refunds it when asked. A bad
 * `--landing`, or a partner to create with nobody to ask and no `--yes`, is refused before any write.
 */
import { describe, expect, it } from "vitest";
import { goLiveConfig, useRehearsal } from "./helpers/rehearsal";

const rig = useRehearsal({
  receiver: true,
  stack: "flow",
  config: (r) =>
    goLiveConfig(r, {
      events: ["conversion.created", "commission.created", "commission.refunded"],
      path: "/hooks",
      programName: "Flow",
      commissionRules: { standard: { type: "percentage", percentage: 10 } },
    }),
  up: true,
});

const post = async (url: string, body: unknown, key?: string) => {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(key ? { Authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return (await res.json()) as any;
};

/** `golive flow …` as a child process without a terminal; its exit code and output. */
async function flow(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await rig.golive(["flow", "--stack", "flow", ...args]);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const writes = async (): Promise<number> => ((await (await fetch(`${rig.sandbox.url}/_sandbox/requests`)).json()) as any).by_method.POST;

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
  const run = rig.startGolive(["flow", "--stack", "flow", "--landing", "https://shop.example/pricing", "--yes", "--timeout", "120", "--poll-ms", "300"]);
  const sawLine = async (re: RegExp): Promise<RegExpMatchArray> => {
    for (let i = 0; i < 600; i++) {
      const m = run.stdout().match(re);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`golive flow never printed ${re}:\n${run.stdout()}\n${run.stderr()}`);
  };

  // The merchant opens the link: the snippet records a click with the partner's ref.
  const [, partner] = await sawLine(/ref=(prt_\w+)/);
  const programId = ((await rig.ws.outputs()).programId as string);
  const click = await post(`${rig.sandbox.url}/v1/clicks`, { program: programId, partner, url: "https://shop.example/pricing" }, rig.sandbox.info.keys.test.pk);
  // ...and buys.
  const checkout = await post(`${rig.sandbox.stripeUrl}/_stripe/checkout`, { amount_total: 1000, currency: "usd", client_reference_id: click.id, wait: true });
  // When asked, refunds it in Stripe.
  await sawLine(/Refund the payment in Stripe now/);
  await post(`${rig.sandbox.stripeUrl}/_stripe/refund`, { payment_intent: checkout.payment_intent.id, wait: true });

  const { code, stdout: out, stderr: err } = await run.done;
  expect(code, out + err).toBe(0);
  expect(out).toMatch(/✔ conversion: conv_\w+: 1000 usd/);
  expect(out).toMatch(/✔ commission: com_\w+ 100 /);
  expect(out).toMatch(/✔ webhook conversion\.created/);
  expect(out).toMatch(/✔ webhook commission\.created/);
  expect(out).toMatch(/✔ refund: commission\.refunded fired/);
  expect(out).toMatch(/full flow verified/);
});
