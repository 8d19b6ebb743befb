// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";
import { layers } from "./eslint-layers.mjs";

export default tseslint.config(
    { ignores: ["node_modules/", "dist/", ".stryker-tmp/", "reports/", "**/*.js", "**/*.mjs", "**/*.cjs"] },
    eslint.configs.recommended,
    ...tseslint.configs.recommended,
    {
        plugins: { layers },
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            "layers/floors": "error",
        },
    },
);
