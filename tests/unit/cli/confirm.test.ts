/** The y/N question: only an explicit yes counts; without a terminal nobody is asked. */
import { PassThrough } from "node:stream";
import { expect, it } from "vitest";
import { askYesNo } from "../../../cli/confirm";

const cases: Array<[string, "yes" | "no"]> = [
  ["y", "yes"],
  ["Y", "yes"],
  ["yes", "yes"],
  [" yes ", "yes"],
  ["", "no"],
  ["n", "no"],
  ["no", "no"],
  ["yep", "no"],
];

it.each(cases)("answer %j at a terminal → %s", async (typed, expected) => {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const output = new PassThrough();
  let shown = "";
  output.on("data", (d: Buffer) => (shown += d));
  const answer = askYesNo("Create a partner?", { input, output });
  input.write(`${typed}\n`);
  expect(await answer).toBe(expected);
  expect(shown).toContain("Create a partner? [y/N]");
});

it("without a terminal nobody is asked", async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = "";
  output.on("data", (d: Buffer) => (shown += d));
  expect(await askYesNo("Create a partner?", { input, output })).toBe("no-tty");
  expect(shown).toBe("");
});
