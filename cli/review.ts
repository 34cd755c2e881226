/**
 * `golive review --stack NAME [--format text|markdown|json]`
 *
 * `pulumi preview` with the go-live policy pack, through the Automation API (the same stack
 * selection as `golive drift`), turned by ./reviewReport into a review grouped by checklist item:
 * plain words, event subscriptions diffed as sets, secrets only ever "rotate", and the policy
 * results with mandatory violations first. Markdown is made for a pull-request comment.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { cleanError, selectStack } from "./drift";
import { REPO_ROOT } from "./pulumiCli";
import { formatJson, formatMarkdown, formatText, reviewExitCode, reviewFromEvents, type Review } from "./reviewReport";
import { parseOrUsage } from "./usage";

export const REVIEW_FORMATS = ["text", "markdown", "json"] as const;
export type ReviewFormat = (typeof REVIEW_FORMATS)[number];

/** The policy pack every review runs (mandatory on a live stack, advisory elsewhere). */
export const POLICY_PACK = path.join(REPO_ROOT, "policy");

export const REVIEW_USAGE = `usage: golive review --stack NAME [--format text|markdown|json] [--refresh] [--cwd DIR] [--backend-url URL]

Previews the stack with the go-live policy pack (nothing is changed) and prints the review grouped
by checklist item, in plain words: "webhook endpoint orders will stop receiving conversion.created",
"commission rule standard: percentage 10 % → 12 %", "program status draft → active (goes live)".
Event subscriptions are compared as sets; secret values are never shown (a secret "rotates").
Policy results follow the summary, mandatory violations first.

  --stack NAME          the stack (required)
  --format FORMAT       text (default), markdown (a pull-request comment, under 64 000 characters;
                        longer reviews are cut from the end with a line saying what was cut), json
  --refresh             refresh the state first (also shows what changed behind Pulumi's back)
  --cwd DIR             the Pulumi project folder (default: the current directory)
  --backend-url URL     the state backend (default: PULUMI_BACKEND_URL, else the logged-in one)
  --record FILE         also write the preview's step and policy events to FILE (fixtures for tests)

exit codes: 0 no changes, 2 changes, 1 error or a mandatory policy violation (the review is still
printed; \`up\` would be refused). Never prompts. The backend, passphrase and AWS credentials come
from the environment (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, AWS_*), as for the pulumi CLI.
`;

export interface ReviewOptions {
  stack: string;
  format: ReviewFormat;
  refresh: boolean;
  cwd: string;
  backendUrl?: string;
  record?: string;
}

export function parseReviewArgs(argv: string[]): ReviewOptions | string {
  const o: ReviewOptions = { stack: "", format: "text", refresh: false, cwd: process.cwd() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === "--stack" || a === "-s") o.stack = value();
      else if (a.startsWith("--stack=")) o.stack = a.slice(8);
      else if (a === "--format") o.format = value() as ReviewFormat;
      else if (a.startsWith("--format=")) o.format = a.slice(9) as ReviewFormat;
      else if (a === "--refresh") o.refresh = true;
      else if (a === "--cwd" || a === "-C") o.cwd = path.resolve(value());
      else if (a === "--backend-url") o.backendUrl = value();
      else if (a === "--record") o.record = value();
      else return `unknown option ${a}`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (!o.stack) return "--stack is required";
  if (!REVIEW_FORMATS.includes(o.format)) return `--format is ${REVIEW_FORMATS.join(", ")} (got "${o.format}")`;
  return o;
}

/** The preview's events and the review; throws when the preview failed for another reason than policy. */
export async function runReview(o: ReviewOptions): Promise<Review> {
  const stack = await selectStack(o);
  const events: EngineEvent[] = [];
  const errors: string[] = [];
  let failure: unknown;
  try {
    await stack.preview({
      policyPacks: [POLICY_PACK],
      refresh: o.refresh,
      color: "never",
      onEvent: (e) => {
        events.push(e);
        if (e.diagnosticEvent?.severity === "error") errors.push(e.diagnosticEvent.message.trim());
      },
    });
  } catch (e) {
    failure = e;
  }
  const kept = events.filter((e) => e.resourcePreEvent || e.policyEvent).map((e) => (e.resourcePreEvent ? e.resourcePreEvent.metadata : { policyEvent: e.policyEvent }));
  if (o.record) writeFileSync(o.record, JSON.stringify(kept, null, 2) + "\n");
  // The config names where the keys come from (item 1); it never holds a value we would print.
  const config = await stack.getAllConfig().catch(() => ({}));
  const review = reviewFromEvents(o.stack, kept, config);
  // A mandatory violation fails the preview: that is a review result, not an error.
  if (failure && !review.blocked) {
    const shown = errors.filter((m) => !/preview failed due to policy violations|^one or more policy/i.test(m));
    throw new Error(`the preview failed:\n${shown.length > 0 ? shown.join("\n") : cleanError(failure)}`);
  }
  return review;
}

export async function reviewCommand(argv: string[]): Promise<number> {
  const o = parseOrUsage("review", argv, REVIEW_USAGE, parseReviewArgs);
  if (typeof o === "number") return o;
  try {
    const review = await runReview(o);
    const render = o.format === "markdown" ? formatMarkdown : o.format === "json" ? formatJson : formatText;
    process.stdout.write(render(review));
    return reviewExitCode(review);
  } catch (e) {
    process.stderr.write(`golive review: ${cleanError(e)}\n`);
    return 1;
  }
}
