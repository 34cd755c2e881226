/**
 * The main job, as a newcomer runs it (`npm run demo` = `golive demo`): it must pass end to end.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

it("golive demo rehearses the whole go-live on the sandbox and exits 0", { timeout: 600_000 }, () => {
  const root = path.resolve(__dirname, "../..");
  const r = spawnSync(process.execPath, [path.join(root, "bin", "golive.js"), "demo"], { cwd: root, encoding: "utf8", timeout: 590_000 });
  const output = r.stdout + r.stderr;
  expect(r.status, output).toBe(0);
  expect(output).toMatch(/demo passed: \d+ checks/);
  for (const step of ["preview", "up", "verified before activation", "secrets", "ping orders", "forged ping orders", "stripe test event", "purchase", "refund", "drift detected", "drift repaired", "checklist"]) {
    expect(output, step).toMatch(new RegExp(`✔ ${step}:`));
  }
  expect(output).not.toMatch(/✘/);
});
