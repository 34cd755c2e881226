/**
 * One-line explanations, with the fix, for the two ways a stack command most often fails before it
 * checks anything: no passphrase for a passphrase stack, and a Selgeo (or moto) that is not running.
 */
import { explainSettingsError, SettingsError } from "@selgeo-golive/runtime";

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

/**
 * The runtime's one-line explanation (the same the providers give inside \`pulumi up\`) of a failure
 * that means "the stack's settings are wrong": Selgeo, Stripe or AWS Secrets Manager unreachable, a
 * URL that is not the API, a refused key. Undefined for any other error. The stack commands ask
 * nothing beforehand: their first real request fails and is explained.
 */
export function settingsFailure(e: unknown): SettingsError | undefined {
  const explained = explainSettingsError(e);
  return explained instanceof SettingsError ? explained : undefined;
}
