/**
 * A y/N question for commands that change something a person should agree to first. Defaults to
 * no; without a terminal there is nobody to ask, and the caller refuses (or takes `--yes`).
 */
import { createInterface } from "node:readline/promises";

/** `yes` / `no` from a person at a terminal, or `no-tty` when stdin is not one. */
export async function askYesNo(
  question: string,
  io: { input: NodeJS.ReadableStream & { isTTY?: boolean }; output: NodeJS.WritableStream } = { input: process.stdin, output: process.stderr },
): Promise<"yes" | "no" | "no-tty"> {
  if (!io.input.isTTY) return "no-tty";
  const rl = createInterface({ input: io.input, output: io.output });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^\s*y(es)?\s*$/i.test(answer) ? "yes" : "no";
  } finally {
    rl.close();
  }
}
