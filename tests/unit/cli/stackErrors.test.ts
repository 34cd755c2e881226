/**
 * The one-line messages of a stack command whose passphrase is missing or whose sandbox is stopped.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../sandbox/moto";
import { assertReachable, passphraseProblem } from "../../../cli/stackErrors";

describe("passphraseProblem", () => {
  const cases = [
    {
      output: 'error: constructing secrets manager of type "passphrase": constructing secrets manager: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables',
      expected: /^stack sandbox keeps its secrets with a passphrase and PULUMI_CONFIG_PASSPHRASE is not set: export PULUMI_CONFIG_PASSPHRASE=.*source \.sandbox-data\/env\.sh/,
    },
    { output: "error: incorrect passphrase", expected: /^PULUMI_CONFIG_PASSPHRASE is not stack sandbox's passphrase/ },
    { output: "error: no stack named 'sandbox' found", expected: undefined },
  ] as const;
  for (const c of cases) {
    it(c.output.slice(0, 60), () => {
      const line = passphraseProblem(c.output, "sandbox");
      if (c.expected === undefined) expect(line).toBeUndefined();
      else {
        expect(line).toMatch(c.expected);
        expect(line).not.toContain("\n");
      }
    });
  }

});

describe("assertReachable", () => {
  let server: Server;
  let up = "";
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const addr = server.address();
    up = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("any HTTP answer counts as running", async () => {
    await expect(assertReachable(up, {})).resolves.toBeUndefined();
  });

  it("a stopped sandbox: one line naming the URL and `npx golive sandbox`", async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    await expect(assertReachable(down, {})).rejects.toThrow(`cannot reach the Selgeo sandbox at ${down}: start it with \`npx golive sandbox\``);
  });

  it("a stopped moto beside a running sandbox is named too", async () => {
    const aws = `http://127.0.0.1:${await freePort()}`;
    await expect(assertReachable(up, { AWS_ENDPOINT_URL_SECRETS_MANAGER: aws })).rejects.toThrow(`cannot reach the sandbox's AWS Secrets Manager (moto) at ${aws}`);
  });

  it("a remote Selgeo that does not answer is not called a sandbox", async () => {
    await expect(assertReachable("http://selgeo.invalid", {}, 2_000)).rejects.toThrow(/^cannot reach Selgeo at http:\/\/selgeo\.invalid \(selgeo:apiUrl\)/);
  });
});
