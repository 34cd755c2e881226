/**
 * `golive cleanup-test --stack NAME [--apply] [--test-key sk_test_…] [--json]` (checklist item 3):
 * lists the TEST-mode data that should not outlive the go-live, and removes it only with `--apply`:
 *   - webhook endpoints pointing at localhost / development URLs (`isDevelopmentUrl`) → deleted;
 *   - programs used only for integration testing (test programs in draft or paused) → archived
 *     (Selgeo keeps programs; archiving is final);
 *   - test partners (pending or approved participants of test programs) → rejected (the API has
 *     no participant delete).
 * Objects the stack itself manages (ids in its outputs) are left to `pulumi destroy`.
 *
 * It can never touch live data: it only ever uses a test key (the stack's own key on a test stack,
 * else `--test-key` / SELGEO_TEST_SECRET_KEY), refuses any `sk_live_` key before sending a request,
 * and checks with Selgeo that the key's account view is test mode. Exit 0 unless it refused or failed.
 */
import { SelgeoClient, isDevelopmentUrl, modeOfKey, secretKeyMode, type Participant, type Program } from "@selgeo-golive/runtime";
import { listAll, loadStackContext, parseStackArgs } from "./stackContext";

/** One piece of test data and what was (or would be) done with it. */
export interface CleanupEntry {
  kind: "webhook_endpoint" | "program" | "participant";
  id: string;
  description: string;
  action: "delete" | "archive" | "reject";
  /** planned (no --apply), done, or failed with `error`. */
  result: "planned" | "done" | "failed";
  error?: string;
}

/** Refuses anything but a Selgeo test-mode secret key; the message never contains the key. */
export function assertTestKey(key: string, where: string): void {
  if (modeOfKey(key) === "live") {
    throw new Error(`${where} is a LIVE key (sk_live_…): cleanup-test only ever runs in test mode and refuses live keys; give a test key (--test-key or SELGEO_TEST_SECRET_KEY)`);
  }
  if (secretKeyMode(key, "selgeo") !== "test") throw new Error(`${where} is not a Selgeo test secret key (sk_test_…)`);
}

/** The `golive cleanup-test` command; resolves to the exit code. */
export async function cleanupTestCommand(argv: string[]): Promise<number> {
  const args = parseStackArgs(argv, ["apply"]);
  const apply = args.flags.get("apply") === true;
  const flagKey = args.flags.get("test-key");
  // Refuse a live key given explicitly before reading anything.
  if (typeof flagKey === "string") assertTestKey(flagKey, "--test-key");
  if (process.env.SELGEO_TEST_SECRET_KEY) assertTestKey(process.env.SELGEO_TEST_SECRET_KEY, "SELGEO_TEST_SECRET_KEY");

  const ctx = await loadStackContext(args);
  let key: string;
  let keyFrom: string;
  if (typeof flagKey === "string") [key, keyFrom] = [flagKey, "--test-key"];
  else if (process.env.SELGEO_TEST_SECRET_KEY) [key, keyFrom] = [process.env.SELGEO_TEST_SECRET_KEY, "SELGEO_TEST_SECRET_KEY"];
  else if (ctx.mode === "test") [key, keyFrom] = [ctx.secretKey, `the ${args.stack} stack's key`];
  else throw new Error(`stack ${args.stack} is a live stack: give the test key with --test-key or SELGEO_TEST_SECRET_KEY (cleanup-test never uses a live key)`);
  assertTestKey(key, keyFrom);

  const client = new SelgeoClient({ baseUrl: ctx.apiUrl, apiKey: key });
  const account = await client.getAccount();
  if (account.livemode) throw new Error(`Selgeo reports ${keyFrom} as live mode: refusing to touch anything`);

  // What the stack manages (only meaningful when it is a test stack: live ids never show up in test lists).
  const managed = new Set<string>([
    ...Object.values((ctx.outputs.webhookEndpointIds ?? {}) as Record<string, string>),
    ...(ctx.outputs.programId ? [String(ctx.outputs.programId)] : []),
  ]);

  const entries: CleanupEntry[] = [];
  const kept: string[] = [];
  const endpoints = await client.listAllWebhookEndpoints();
  for (const ep of endpoints.filter((e) => !e.livemode && isDevelopmentUrl(e.url))) {
    if (managed.has(ep.id)) kept.push(`${ep.id} (${ep.url}) is managed by stack ${args.stack}: use pulumi destroy`);
    else entries.push({ kind: "webhook_endpoint", id: ep.id, description: `${ep.url} (${ep.status}, ${ep.events.length} event(s))`, action: "delete", result: "planned" });
  }
  const programs = await listAll<Program>((after) => client.listPrograms({ limit: 100, startingAfter: after }));
  for (const p of programs.filter((x) => !x.livemode && x.status !== "archived")) {
    const participants = await listAll<Participant>((after) => client.listParticipants(p.id, { limit: 100, startingAfter: after }));
    for (const pt of participants.filter((x) => !x.livemode && x.status !== "rejected")) {
      entries.push({ kind: "participant", id: pt.id, description: `${pt.email} (${pt.status}) in test program ${p.id}`, action: "reject", result: "planned" });
    }
    if (p.status === "draft" || p.status === "paused") {
      if (managed.has(p.id)) kept.push(`${p.id} "${p.name}" is managed by stack ${args.stack}: use pulumi destroy`);
      else entries.push({ kind: "program", id: p.id, description: `"${p.name}" (${p.status})`, action: "archive", result: "planned" });
    }
  }

  if (apply) {
    for (const e of entries) {
      try {
        if (e.kind === "webhook_endpoint") await client.deleteWebhookEndpoint(e.id);
        else if (e.kind === "program") await client.updateProgram(e.id, { status: "archived" });
        else {
          const program = /in test program (\S+)$/.exec(e.description)![1];
          await client.request("POST", `/api/v1/programs/${encodeURIComponent(program)}/participants/${encodeURIComponent(e.id)}/reject`, { body: {} });
        }
        e.result = "done";
      } catch (err) {
        e.result = "failed";
        e.error = err instanceof Error ? err.message : String(err);
      }
    }
  }

  const failed = entries.filter((e) => e.result === "failed");
  if (args.json) {
    process.stdout.write(JSON.stringify({ stack: args.stack, mode: "test", key_source: keyFrom, applied: apply, entries, kept }, null, 2) + "\n");
  } else {
    const say = (s: string) => process.stdout.write(s + "\n");
    say(`golive cleanup-test: test-mode data of account ${account.id} (key: ${keyFrom})${apply ? "" : " — dry run, nothing changed; add --apply to remove"}`);
    if (entries.length === 0) say("  nothing to clean up");
    for (const e of entries) {
      const verb = e.action;
      const done = e.result === "done" ? { delete: "deleted", archive: "archived", reject: "rejected" }[verb] : e.result === "failed" ? `FAILED to ${verb}: ${e.error}` : `would ${verb}`;
      say(`  ${e.kind.padEnd(16)} ${e.id.padEnd(28)} ${done.padEnd(14)} ${e.description}`);
    }
    for (const k of kept) say(`  kept: ${k}`);
    say(apply ? `${entries.length - failed.length} of ${entries.length} removed` : `${entries.length} item(s) would be removed`);
  }
  return failed.length ? 1 : 0;
}
