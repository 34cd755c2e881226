/**
 * What `golive rehearse` reads from a stack file before anything starts, and the throw-away copy it
 * runs in: the committed Pulumi.live.yaml as the merchant wrote it, a bad stack file refused with
 * the config path named, and the copy's stack file identical but for the secrets-provider lines.
 */
import { lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../../cli/pulumiCli";
import { copyProject, hostPortOf, readRehearsalPlan, RehearsalPlanError } from "../../../cli/rehearsePlan";

// Made up at run time, so nothing shaped like a key is committed.
const fakeKey = (mode: string) => `sk_${mode}_` + "x".repeat(8) + "fake" + "y".repeat(12);
const dirs: string[] = [];
function project(stackFile: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "golive-plan-"));
  dirs.push(dir);
  writeFileSync(path.join(dir, "Pulumi.yaml"), `name: selgeo-golive\nruntime: nodejs\nmain: ${JSON.stringify(REPO_ROOT)}\n`);
  writeFileSync(path.join(dir, "Pulumi.live.yaml"), stackFile);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("readRehearsalPlan", () => {
  it("reads the committed Pulumi.live.yaml: its hosts, key references and KMS alias", () => {
    const plan = readRehearsalPlan(REPO_ROOT, "live");
    expect(plan.mode).toBe("live");
    expect(hostPortOf(plan.apiUrl)).toBe("api.selgeo.example:443");
    expect(hostPortOf(plan.stripeApiUrl)).toBe("api.stripe.com:443");
    expect(plan.endpoints.map((e) => `${e.name} ${hostPortOf(e.url)}`)).toEqual(["orders hooks.merchant.example:443", "finance finance.merchant.example:443"]);
    expect(plan.keys).toEqual([
      { configKey: "selgeo:secretKey", ref: { secretId: "selgeo-golive/live/keys", field: "selgeo_secret_key" } },
      { configKey: "selgeo:stripeSecretKey", ref: { secretId: "selgeo-golive/live/keys", field: "stripe_secret_key" } },
    ]);
    expect(plan.kmsKeyId).toBe("alias/selgeo-golive");
    expect(plan.stripe).toBe(true);
  });

  it.each([
    ["no selgeo:apiUrl", "config:\n  selgeo:mode: live\n", /selgeo:apiUrl is not set/],
    ["an unknown mode", "config:\n  selgeo:mode: staging\n  selgeo:apiUrl: https://api.selgeo.example\n", /selgeo:mode must be test or live/],
    ["a relative endpoint URL", "config:\n  selgeo:apiUrl: https://api.selgeo.example\n  selgeo:webhookEndpoints:\n    orders:\n      url: /hooks\n", /selgeo:webhookEndpoints\.orders\.url: "\/hooks" is not an absolute URL/],
    ["an endpoint without URL", "config:\n  selgeo:apiUrl: https://api.selgeo.example\n  selgeo:webhookEndpoints:\n    orders:\n      events: [ping]\n", /selgeo:webhookEndpoints\.orders\.url is not set/],
    ["a plain key", `config:\n  selgeo:apiUrl: https://api.selgeo.example\n  selgeo:secretKey: ${fakeKey("live")}\n`, /selgeo:secretKey is a plain key; use an awssm:\/\/ reference/],
    ["an encrypted key", "config:\n  selgeo:apiUrl: https://api.selgeo.example\n  selgeo:secretKey:\n    secure: v1:abc\n", /selgeo:secretKey is an encrypted value/],
    ["not YAML", "config: [\n", /Pulumi\.live\.yaml: not valid YAML/],
  ])("refuses %s, naming the config path", (_what, text, message) => {
    const dir = project(text);
    expect(() => readRehearsalPlan(dir, "live")).toThrow(RehearsalPlanError);
    expect(() => readRehearsalPlan(dir, "live")).toThrow(message);
  });

  it("says where to run it when the stack file is missing", () => {
    const dir = project("config: {}\n");
    expect(() => readRehearsalPlan(dir, "prod")).toThrow(/Pulumi\.prod\.yaml: no such stack file; run `golive rehearse` in the project folder \(or --cwd DIR\)/);
  });
});

describe("copyProject", () => {
  it("copies the stack file as written, less its secrets-provider lines, and points main at the program", () => {
    const live = readFileSync(path.join(REPO_ROOT, "Pulumi.live.yaml"), "utf8");
    const withKms = `secretsprovider: awskms://alias/selgeo-golive?region=us-east-1\nencryptedkey: AQICAHfake==\n${live}`;
    const dir = project(withKms);
    const plan = readRehearsalPlan(dir, "live");
    const target = path.join(dirs[0], "copy");
    const copy = copyProject(dir, plan, target);
    expect(copy.stripped).toEqual(["secretsprovider:", "encryptedkey:"]);
    expect(readFileSync(path.join(target, "Pulumi.live.yaml"), "utf8")).toBe(live);
    const projectFile = readFileSync(path.join(target, "Pulumi.yaml"), "utf8");
    expect(projectFile.match(/^main:.*$/gm)).toEqual([`main: ${JSON.stringify(REPO_ROOT)}`]);
    expect(lstatSync(path.join(target, "node_modules")).isSymbolicLink()).toBe(true);
  });
});
