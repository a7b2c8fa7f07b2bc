import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    // Node scripts that drive Chromium: Node's globals, and the page's inside evaluate().
    files: ["scripts/**/*.mjs"],
    languageOptions: {
      globals: { process: "readonly", console: "readonly", fetch: "readonly", document: "readonly", window: "readonly", localStorage: "readonly", sessionStorage: "readonly", performance: "readonly", requestAnimationFrame: "readonly" },
    },
  },
  {
    files: ["**/*.{ts,tsx}"],
    rules: {
      // The CSP forbids eval and inline scripts; keep the code from needing them.
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
