/**
 * `adoptId` targets looked up at preview, one GET each, so an id that does not exist (a typo, the
 * other mode, another account) fails before anything is written instead of halfway through `up`.
 */
import { explainSettingsError, SettingsError } from "./friendlyErrors";
import { selgeoClient, settingsProblems, stripeClient, stripeSettingsProblems } from "./providerSettings";

/** One declared adoption: where it is in the config, and what it names. */
export type AdoptTarget =
  | { path: string; kind: "webhookEndpoint" | "program"; id: string }
  | { path: string; kind: "commissionRule"; id: string; programId: string }
  | { path: string; kind: "stripeWebhookEndpoint"; id: string };

const WHAT: Readonly<Record<AdoptTarget["kind"], string>> = {
  webhookEndpoint: "Selgeo webhook endpoint",
  program: "Selgeo program",
  commissionRule: "commission rule",
  stripeWebhookEndpoint: "Stripe webhook endpoint",
};

/** Problems with the targets (settings first: no lookup with a wrong key), each naming its config path. */
export async function adoptionProblems(targets: readonly AdoptTarget[]): Promise<string[]> {
  if (targets.length === 0) return [];
  const settings = await settingsProblems();
  const stripe = targets.some((t) => t.kind === "stripeWebhookEndpoint") ? await stripeSettingsProblems() : [];
  if (settings.length + stripe.length > 0) return [...settings, ...stripe];
  const problems: string[] = [];
  for (const t of targets) {
    try {
      if (!(await exists(t))) {
        problems.push(`${t.path}: no ${WHAT[t.kind]} ${t.id} in this account's ${t.kind === "stripeWebhookEndpoint" ? "Stripe account" : "mode"}; check the id (and the stack's mode), or remove adoptId to create a new one`);
      }
    } catch (e) {
      const explained = explainSettingsError(e);
      problems.push(explained instanceof SettingsError ? explained.message : `${t.path}: looking up ${t.id} failed: ${(e as Error).message}`);
      if (explained instanceof SettingsError) break;
    }
  }
  return problems;
}

async function exists(t: AdoptTarget): Promise<boolean> {
  if (t.kind === "stripeWebhookEndpoint") {
    try {
      const ep = await (await stripeClient()).webhookEndpoints.retrieve(t.id);
      return !(ep as { deleted?: boolean }).deleted;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return false;
      throw e;
    }
  }
  const client = await selgeoClient();
  if (t.kind === "webhookEndpoint") return (await client.findWebhookEndpoint(t.id)) !== undefined;
  if (t.kind === "commissionRule") return (await client.findCommissionRule(t.programId, t.id)) !== undefined;
  return (await client.findProgram(t.id)) !== undefined;
}
