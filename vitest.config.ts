import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    globalSetup: ["packages/server/test/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite runs initdb in WASM (~800 MB peak); two workers fit the 2-core machines.
    maxWorkers: 2,
    // Test files share their worker's module cache: the server's module graph is imported once per
    // worker, not once per file (about 3 s of CPU each, on 90 files). No test mocks modules or globals.
    isolate: false,
  },
});
