/**
 * The provider watchdog's pieces: which processes are dynamic providers (only there does loading
 * the runtime start it), and the /proc reading it compares the engine against.
 */
import { expect, it } from "vitest";
import { isDynamicProviderProcess, procStat } from "../../../runtime/src/providerWatchdog";

const argvs: Array<[string[], boolean]> = [
  [["/usr/bin/node", "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", "127.0.0.1:4000"], true],
  [["/usr/bin/node", "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider", "127.0.0.1:4000"], true],
  [["node", "C:\\p\\node_modules\\@pulumi\\pulumi\\cmd\\dynamic-provider\\index.js"], true],
  [["/usr/bin/node", "/p/node_modules/@pulumi/pulumi/cmd/run/index.js"], false],
  [["/usr/bin/node", "/repo/bin/golive.js", "monitor"], false],
  [["/usr/bin/node", "/repo/node_modules/vitest/vitest.mjs", "run"], false],
];

it.each(argvs)("%j is a provider: %s", (argv, expected) => {
  expect(isDynamicProviderProcess(argv)).toBe(expected);
});

it.runIf(process.platform === "linux")("reads this process's parent and start time from /proc, and nothing for a pid that does not exist", () => {
  const me = procStat(process.pid);
  expect(me?.ppid).toBe(process.ppid);
  expect(me?.start).toMatch(/^\d+$/);
  expect(procStat(2 ** 22 + 12345)).toBeUndefined();
});
