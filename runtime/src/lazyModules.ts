/**
 * The heavy SDKs, loaded where they are used instead of when the package is. Every process that
 * loads `@selgeo-golive/runtime` (the program, each dynamic-provider process, the CLI) paid for the
 * AWS SDK, Stripe's SDK and undici at start, measured at roughly 0.2–0.4 s each on an idle machine,
 * although a no-op preview sends no request at all. Types come from `import type`, which costs nothing.
 */
import type * as AwsSecretsManager from "@aws-sdk/client-secrets-manager";
import type StripeSdk from "stripe";
import type * as Undici from "undici";

/* eslint-disable @typescript-eslint/no-require-imports -- loading on first use is the point here */

/** `@aws-sdk/client-secrets-manager`, on first use. */
export function awsSecretsManager(): typeof AwsSecretsManager {
  return require("@aws-sdk/client-secrets-manager");
}

/** Stripe's SDK constructor, on first use. */
export function stripeSdk(): typeof StripeSdk {
  const m = require("stripe") as typeof StripeSdk | { default: typeof StripeSdk };
  return "default" in m ? m.default : m;
}

/** undici, on first use. */
export function undici(): typeof Undici {
  return require("undici");
}
