import { type ChildProcess, spawn } from "node:child_process";
import AxeBuilder from "@axe-core/playwright";
import { childEnv } from "./config.ts";
import { expect, shot, test } from "./fixtures.ts";

test("New session offers the capabilities registered agents advertise, and takes a typed one the server's way", async ({
  signedIn: page,
  server,
}) => {
  // The SDK's echo example, as its own process: it registers itself and advertises `x-echo`.
  const agent: ChildProcess = spawn("npx", ["tsx", "examples/echo-agent/index.ts"], {
    env: {
      ...childEnv,
      ORCHESTRATOR_URL: server.url,
      ORCHESTRATOR_API_KEY: server.key,
      EAP_NAME: "ui-echo",
      EAP_MODE: "pull",
    },
    stdio: "inherit",
    detached: true,
  });
  try {
    await expect
      .poll(
        async () =>
          (await server.api("/api/v1/agents")).body.items.find((a: any) => a.name === "ui-echo")?.status,
        {
          timeout: 30_000,
        },
      )
      .toBe("online");
    await page.goto(`${server.url}/sessions`);
    await page.getByRole("button", { name: "+ New session" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Title").fill("to the echo agent");
    await dialog.getByLabel("Prompt").fill("hello ui");
    await dialog.getByText("capabilities (any agent that has them)").click();

    const offered = dialog.getByRole("group", { name: "Advertised by your agents" });
    const echo = offered.locator("[data-capability=x-echo]");
    await expect(echo).toBeVisible();
    await expect(offered.locator("[data-capability=scripted]")).toBeVisible();
    await echo.click();
    await expect(echo).toHaveAttribute("aria-pressed", "true");
    // Earlier test files on this worker's server may have left an echo agent that is now offline: it is
    // named apart, never as a destination.
    await expect(dialog.locator("[data-fit]")).toHaveText(
      /^Goes to ui-echo\.( Also able, but not taking work now: .*\(offline\)\.)?$/,
    );

    // Typed words are checked with the server's own rule, and the refusal is shown where it was typed.
    const other = dialog.getByLabel("Another capability");
    await other.fill("Python");
    await other.press("Enter");
    await expect(other).toHaveAttribute("aria-invalid", "true");
    await expect(dialog.locator(".err")).toContainText("unknown capability");
    await other.fill("x-extra");
    await other.press("Enter");
    await expect(other).toHaveValue("");
    const extra = dialog.getByRole("button", { name: "Remove x-extra" });
    await expect(extra).toBeVisible();
    await expect(dialog.locator("[data-fit]")).toContainText("No registered agent has all of these");
    await shot(page, "capabilities-1280");
    const axe = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
      .analyze();
    expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "capabilities-390");
    await page.setViewportSize({ width: 1280, height: 860 });
    await extra.click();
    await expect(extra).toHaveCount(0);

    await dialog.getByRole("button", { name: "Create and queue" }).click();
    await expect(page.getByRole("heading", { name: "to the echo agent" })).toBeVisible();
    await expect(page.getByTestId("timeline")).toContainText("echo: hello ui");
    await expect(page.locator("[data-why]")).toContainText("ui-echo");
  } finally {
    process.kill(-agent.pid!, "SIGKILL");
  }
});
