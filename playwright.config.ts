import { defineConfig } from "@playwright/test";
import { chromium } from "./e2e/config.ts";

/**
 * Browser tests of the Control Room: Debian's Chromium (never `playwright install`, which downloads a
 * browser and fails offline) against real servers started by e2e/fixtures.ts. One worker: each test file
 * runs its own server with embedded PGlite and OpenCode, and the CI machines have two cores.
 */
export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/setup.ts",
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI
    ? [["list"], ["json", { outputFile: process.env.PW_JSON ?? "test-results/browser.json" }]]
    : [["list"]],
  outputDir: "test-results/browser",
  use: {
    viewport: { width: 1280, height: 860 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: chromium,
  },
});
