// @ts-check
// `npm run lint`; `npm test` runs it first (pretest), so CI fails on a lint error.
// Not type-aware: the recommended type-checked rules cost a full program build per run, too slow on
// the shared CI machine; `npm run typecheck` already type-checks.
import eslint from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

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
