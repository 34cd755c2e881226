/**
 * Where the repository's local tools live. The sandbox (moto, `golive sandbox`'s env file) and the
 * CLI (the Pulumi CLI it builds or picks) both need them, and the sandbox must not import cli/.
 */
import path from "node:path";

/** The repository root (where Pulumi.yaml and index.ts live). */
export const REPO_ROOT = path.resolve(__dirname, "..");
/** Where tools/build-pulumi.sh puts `pulumi` and `pulumi-language-nodejs` when it builds them. */
export const TOOLS_BIN = path.join(REPO_ROOT, ".tools", "bin");
