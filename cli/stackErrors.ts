/**
 * One-line explanations, with the fix, for the two ways a stack command most often fails before it
 * checks anything: no passphrase for a passphrase stack, and a Selgeo (or moto) that is not running.
 */

/** The line to print when `pulumi` output says the passphrase is missing or wrong; undefined otherwise. */
export function passphraseProblem(output: string, stack: string): string | undefined {
  if (/passphrase must be set with PULUMI_CONFIG_PASSPHRASE/i.test(output)) {
    return (
      `stack ${stack} keeps its secrets with a passphrase and PULUMI_CONFIG_PASSPHRASE is not set: ` +
      "export PULUMI_CONFIG_PASSPHRASE=<the stack's passphrase> (or PULUMI_CONFIG_PASSPHRASE_FILE); " +
      "for the sandbox stack, `source .sandbox-data/env.sh` sets it"
    );
  }
  if (/incorrect passphrase/i.test(output)) {
    return `PULUMI_CONFIG_PASSPHRASE is not stack ${stack}'s passphrase (pulumi: incorrect passphrase); for the sandbox stack, \`source .sandbox-data/env.sh\``;
  }
  return undefined;
}

/** Raised when a stack's Selgeo API (or moto) does not answer; the message is the one line to print. */
export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreachableError";
  }
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
  } catch {
    return false;
  }
}

async function answers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * Throws an UnreachableError naming the URL and the fix when the stack's Selgeo API does not answer
 * (any HTTP answer counts), and likewise for a loopback AWS endpoint (moto runs beside the sandbox).
 */
export async function assertReachable(apiUrl: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 5_000): Promise<void> {
  if (!(await answers(apiUrl, timeoutMs))) {
    throw new UnreachableError(
      isLoopback(apiUrl)
        ? `selgeo:apiUrl: cannot reach the Selgeo sandbox at ${apiUrl}: start it with \`npx golive sandbox\``
        : `cannot reach Selgeo at ${apiUrl} (selgeo:apiUrl): check the URL and your network`,
    );
  }
  const aws = env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? env.SELGEO_AWS_ENDPOINT_URL;
  if (aws && isLoopback(aws) && !(await answers(aws, timeoutMs))) {
    throw new UnreachableError(`cannot reach the sandbox's AWS Secrets Manager (moto) at ${aws}: start it with \`npx golive sandbox\``);
  }
}
