/**
 * `golive flow --stack NAME --landing URL [--partner prt_…] [--yes] [--timeout SECONDS] [--json]`: checklist
 * item 7, guided. For a live stack, where a real (small) purchase is the only honest test: it
 * prints the referral link, waits for the purchase to show up as a conversion with its commission
 * and delivered webhooks, then asks for the refund and waits for `commission.refunded` to be
 * delivered. Each step is checked against Selgeo's API, never assumed. (On the sandbox the demo
 * rehearses the same flow automatically.)
 */
import type { SelgeoClient } from "@selgeo-golive/runtime";
import { askYesNo } from "./confirm";
import { landingProblem, landingSyntaxProblem } from "./landing";
import { loadStackContext, parseStackArgs } from "./stackContext";

interface Step {
  step: string;
  ok: boolean;
  evidence: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` returns a value or the deadline passes. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, deadline: number, pollMs: number): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

interface Delivery {
  event_type: string;
  status: string;
  created: number;
}

async function deliveredSince(client: SelgeoClient, type: string, since: number): Promise<Delivery | undefined> {
  const page = await client.listWebhookDeliveries({ status: "succeeded", limit: 100 });
  return (page.data as Delivery[]).find((d) => d.event_type === type && d.created >= since);
}

/** Runs the guided flow; resolves to the exit code. */
export async function flowCommand(argv: string[]): Promise<number> {
  const args = parseStackArgs(argv, ["yes"]);
  const landing = args.flags.get("landing");
  if (typeof landing !== "string") {
    process.stderr.write("golive flow: --landing URL is required: the page of your site a partner's link leads to\n");
    return 2;
  }
  // Syntax first, so a typo fails before the stack is even read; the mode's rules once it is.
  const syntax = landingSyntaxProblem(landing);
  if (syntax) {
    process.stderr.write(`golive flow: ${syntax}\n`);
    return 2;
  }
  const timeoutMs = Number(args.flags.get("timeout") ?? 1800) * 1000;
  const pollMs = Number(args.flags.get("poll-ms") ?? 2000);
  const ctx = await loadStackContext(args);
  const modeProblem = landingProblem(landing, ctx.mode);
  if (modeProblem) {
    process.stderr.write(`golive flow: ${modeProblem}\n`);
    return 2;
  }
  const client = ctx.client;
  const program = String(ctx.outputs.programId ?? "");
  if (!program) throw new Error(`stack ${args.stack} declares no program (selgeo:program)`);
  const steps: Step[] = [];
  const say = (s: string) => {
    if (!args.json) process.stdout.write(s + "\n");
  };
  const record = (step: string, ok: boolean, evidence: string) => {
    steps.push({ step, ok, evidence });
    say(`${ok ? "  ✔" : "  ✘"} ${step}: ${evidence}`);
  };
  // Selgeo's clock, not ours: objects carry Selgeo's `created`.
  const startedAt = Math.floor(Date.now() / 1000) - 5;
  const deadline = Date.now() + timeoutMs;

  try {
    let partner = args.flags.get("partner");
    if (typeof partner !== "string") {
      // Creating and approving a partner is a write to the merchant's (possibly live) program.
      const what = `create and approve a partner (golive-check+${startedAt}@merchant.example) in ${ctx.mode} program ${program} for this check`;
      if (args.flags.get("yes") !== true) {
        const answer = await askYesNo(`golive flow will ${what}. Continue?`);
        if (answer !== "yes") {
          process.stderr.write(
            answer === "no-tty"
              ? `golive flow: refusing to ${what} without a terminal to ask; pass --yes, or --partner prt_… to use an existing partner\n`
              : "golive flow: nothing created; pass --partner prt_… to use an existing partner\n",
          );
          return 2;
        }
      }
      const p = await client.createParticipant(program, { email: `golive-check+${startedAt}@merchant.example`, name: "Go-live check" });
      await client.approveParticipant(program, p.id);
      partner = p.id;
      record("partner", true, `created and approved ${p.id} for this check`);
    }
    const link = `${landing}${landing.includes("?") ? "&" : "?"}ref=${encodeURIComponent(partner)}`;
    say(`\n1. Open the referral link in a browser (${ctx.mode} mode):\n     ${link}`);
    say(`2. Complete a real, small purchase (you will refund it).`);
    say(`   waiting for the purchase of partner ${partner} to become a conversion...`);
    const conversion = await waitFor(
      "a conversion",
      async () => {
        const page = await client.listConversions({ limit: 100, partner });
        return (page.data as Array<{ id: string; partner: string; amount: number; currency: string; created: number }>).find(
          (c) => c.partner === partner && c.created >= startedAt,
        );
      },
      deadline,
      pollMs,
    );
    record("conversion", true, `${conversion.id}: ${conversion.amount} ${conversion.currency} (minor units) attributed to ${partner}`);
    const mine = (await client.listCommissions({ limit: 100, conversion: conversion.id })).data as Array<{ id: string; amount: number; status: string }>;
    record("commission", mine.length > 0, mine.map((c) => `${c.id} ${c.amount} (${c.status})`).join(", ") || "no commission for this conversion: check the commission rules");
    for (const type of ["conversion.created", "commission.created"]) {
      const d = await waitFor(`a delivered ${type}`, () => deliveredSince(client, type, startedAt), deadline, pollMs).catch(() => undefined);
      record(`webhook ${type}`, !!d, d ? "delivered and acknowledged by your endpoint" : "not delivered: check `golive monitor`");
    }
    say(`3. Refund the payment in Stripe now.\n   waiting for commission.refunded...`);
    const refunded = await waitFor("commission.refunded", () => deliveredSince(client, "commission.refunded", startedAt), deadline, pollMs);
    record("refund", !!refunded, "commission.refunded fired and was delivered to your endpoint");
  } catch (e) {
    record("flow", false, e instanceof Error ? e.message : String(e));
  }
  const failed = steps.filter((s) => !s.ok);
  if (args.json) process.stdout.write(JSON.stringify(steps, null, 2) + "\n");
  else say(failed.length === 0 ? "full flow verified" : `full flow FAILED: ${failed.map((s) => s.step).join(", ")}`);
  return failed.length === 0 ? 0 : 1;
}
