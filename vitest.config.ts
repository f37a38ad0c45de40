import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite runs initdb in WASM (~800 MB peak); two workers fit the 2-core machines.
    maxWorkers: 2,
  },
});
