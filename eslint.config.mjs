// @ts-check
// `npm run lint`; `npm test` runs it first (pretest), so CI fails on a lint error.
// Not type-aware: the recommended type-checked rules cost a full program build per run, too slow on
// the shared CI machine; `npm run typecheck` already type-checks.
import eslint from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

// Folder boundaries (README's layout). Each rule below lists every pattern its folder must avoid,
// because a later config block replaces, not merges, an earlier block's options for the same rule.
const RUNTIME_BY_NAME = {
  group: ["**/runtime/src", "**/runtime/src/**", "**/runtime/dist", "**/runtime/dist/**"],
  message: "import the runtime as @selgeo-golive/runtime (one way outside runtime/; only tests of runtime internals reach into runtime/src)",
};
const SANDBOX_NOT_CLI = {
  group: ["**/cli", "**/cli/**"],
  message: "the sandbox does not depend on cli/ (cli may import sandbox/); move what both need into sandbox/",
};
const RUNTIME_SELF_CONTAINED = {
  group: ["../../*", "../../../*"],
  message: "runtime/ is a package of its own: it imports nothing from the project around it",
};
const boundaries = (...patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

export default tseslint.config(
  {
    ignores: ["**/node_modules/**", "**/dist/**", ".tools/**", ".venv/**", ".pulumi-state/**", ".sandbox-data/**", "tmp/**"],
  },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `const { dropped: _x, ...rest } = o` is how the code omits a key.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true, argsIgnorePattern: "^_" }],
    },
  },
  { files: ["**/*.ts", "**/*.mts"], ignores: ["runtime/**", "tests/unit/runtime/**", "tests/contract/runtime/**", "tests/contract/secrets/**"], rules: boundaries(RUNTIME_BY_NAME) },
  { files: ["sandbox/**/*.ts"], rules: boundaries(RUNTIME_BY_NAME, SANDBOX_NOT_CLI) },
  { files: ["runtime/src/**/*.ts"], rules: boundaries(RUNTIME_SELF_CONTAINED) },
  {
    // Tests read JSON from real servers (sandbox, moto, the Pulumi CLI) and assert on its shape; the
    // expect() that follows checks what an `any` there leaves unchecked.
    files: ["tests/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // bin/ and policy/ launchers are plain CommonJS run by Node as they are.
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
