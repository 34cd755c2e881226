/**
 * What every serialized provider method calls: the kind's logic by name, configure from the stack
 * config, and settings failures as one line naming the config key.
 */
import { describe, expect, it } from "vitest";
import { callResourceLogic, configureDynamicProvider, type ResourceKind } from "../../../runtime/src/dynamicProvider";

// Made up at run time, obviously fake.
const fakeKey = () => "sk_test_" + "x".repeat(8) + "fake" + "y".repeat(12);
const configure = (values: Record<string, string>) => configureDynamicProvider({ config: { get: (k: string) => values[k] } });
const stack = { "selgeo:mode": "test", "selgeo:apiUrl": "http://127.0.0.1:1", "selgeo:secretKey": fakeKey() };

describe("callResourceLogic", () => {
  it("runs the kind's method with the engine's arguments (a diff needs no network)", async () => {
    configure(stack);
    const olds = { programId: "prog_1", status: "draft" };
    expect(await callResourceLogic("programStatus", "diff", ["ps", olds, { programId: "prog_1", status: "active" }])).toMatchObject({ changes: true, replaces: [] });
    expect(await callResourceLogic("programStatus", "diff", ["ps", olds, { programId: "prog_2", status: "draft" }])).toMatchObject({ replaces: ["programId"] });
  });

  it("configure reads the stack config: a missing key is a check failure naming selgeo:secretKey", async () => {
    configure({ "selgeo:mode": "test", "selgeo:apiUrl": "http://127.0.0.1:1" });
    const r = (await callResourceLogic("programStatus", "check", [{}, { programId: "prog_1", status: "active" }])) as { failures: Array<{ reason: string }> };
    expect(r.failures.map((f) => f.reason).join("\n")).toMatch(/selgeo:secretKey/);
  });

  it("Pulumi's delete runs the logic's remove", async () => {
    configure(stack);
    await expect(callResourceLogic("programStatus", "delete", ["ps", { programId: "prog_1", status: "active" }])).resolves.toBeUndefined();
  });

  it("an unreachable Selgeo is one line naming selgeo:apiUrl, not a stack trace", async () => {
    configure(stack);
    const err = (await callResourceLogic("program", "read", ["prog_1", { mode: "test" }]).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^selgeo:apiUrl: cannot reach http:\/\/127\.0\.0\.1:1/);
    expect(err.message).not.toContain("\n");
  });

  it("an unknown kind (a provider from a newer or older program) says so", async () => {
    await expect(callResourceLogic("nope" as ResourceKind, "check", [{}, {}])).rejects.toThrow(/unknown resource kind "nope"/);
  });
});
