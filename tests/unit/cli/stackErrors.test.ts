/**
 * The one-line messages of a stack command whose passphrase is missing or whose sandbox is stopped
 * (the latter from the runtime's explanation of the command's own first request).
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../sandbox/moto";
import { configureFromStack, SelgeoClient } from "@selgeo-golive/runtime";
import { passphraseProblem, settingsFailure } from "../../../cli/stackErrors";

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

describe("settingsFailure: the runtime's explanation of the command's own first request", () => {
  let server: Server;
  let up = "";
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const addr = server.address();
    up = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  // A stack command sends nothing beforehand: what fails is a request it needs anyway.
  const failureOf = async (apiUrl: string) => {
    configureFromStack({ get: (k) => (k === "selgeo:apiUrl" ? apiUrl : undefined) }, {});
    const client = new SelgeoClient({ baseUrl: apiUrl, apiKey: `sk_test_${"x".repeat(24)}`, maxRetries: 0 });
    const e = await client.listWebhookEndpoints().then(() => undefined, (err: unknown) => err);
    return settingsFailure(e);
  };

  it("a stopped sandbox: one line naming selgeo:apiUrl and `npx golive sandbox`", async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const line = (await failureOf(down))?.message;
    expect(line).toMatch(new RegExp(`^selgeo:apiUrl: cannot reach ${down.replace(/[.:/]/g, "\\$&")} \\(connection refused\\) — is the sandbox running\\? \`npx golive sandbox\``));
    expect(line).not.toContain("\n");
  });

  it("an answer that is not Selgeo's API names the URL to fix", async () => {
    expect((await failureOf(up))?.message).toMatch(/^selgeo:apiUrl: http:\/\/127\.0\.0\.1:\d+ does not answer like the Selgeo API \(HTTP 404/);
  });

  it("a stopped moto (an AWS SDK error with no answer) is named with its endpoint", () => {
    const aws = "http://127.0.0.1:4012";
    const saved = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = aws;
    try {
      const sdkError = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4012"), { code: "ECONNREFUSED", $metadata: { attempts: 4 } });
      expect(settingsFailure(sdkError)?.message).toBe(
        `selgeo:aws: cannot reach AWS Secrets Manager at ${aws} (connection refused) — is the sandbox running? \`npx golive sandbox\``,
      );
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
      else process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = saved;
    }
  });

  it("any other error is not a settings failure", () => {
    expect(settingsFailure(new TypeError("x is undefined"))).toBeUndefined();
  });
});
