import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Browser, chromium } from "playwright-core";
import { type TestServer, create, serve, settle } from "./harness.ts";

// Debian's Chromium (apt-get install chromium; .ci/run installs it). A fresh machine without it has no
// browser to drive, so this test only runs where /usr/bin/chromium exists.
const executablePath = "/usr/bin/chromium";
const shots = process.env.SCREENSHOT_DIR || mkdtempSync(path.join(tmpdir(), "io-shots-"));

let s: TestServer;
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(executablePath)) return;
  s = await serve();
  browser = await chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await s?.stop();
  if (!process.env.SCREENSHOT_DIR) rmSync(shots, { recursive: true, force: true });
});

test.skipIf(!existsSync(executablePath))(
  "the status page shows live session counts from the API once given a key",
  async () => {
    const page = await browser.newPage();
    await page.goto(s.url);
    await expect.poll(() => page.textContent("#msg")).toContain("unauthorized");

    await page.fill("#key", s.key);
    await page.click("button");
    await expect.poll(() => page.textContent("#total")).toBe("0");

    // A session created through the API appears on the page without a reload.
    const { id } = await create(s, { prompt: "succeed" });
    await settle(s, id, ["completed"]);
    await expect.poll(() => page.textContent('[data-status="completed"] b'), { timeout: 8000 }).toBe("1");
    await expect.poll(() => page.textContent("#conn")).toBe("live");
    // The scripted agent is a test double, and the page says so.
    await expect.poll(() => page.textContent("#agents")).toContain("not an AI");
    await page.screenshot({ path: path.join(shots, "status-page.png"), fullPage: true });
    await page.close();
  },
);
