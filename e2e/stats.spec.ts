import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, gitRepo, settle, shot, test } from "./fixtures.ts";

// The overview counts what is on its server: this file needs one nobody else has used.
test.use({ ownServer: "stats" });

async function axe(page: Page, where: string) {
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    where,
  ).toEqual([]);
}

/** Nothing wider than the screen (the page would scroll sideways on a phone). */
async function fits(page: Page) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  expect(wide).toBeLessThanOrEqual(0);
}

test("a new install shows the first steps; with sessions, totals per day, project and agent as charts", async ({
  signedIn: page,
  server,
}) => {
  test.setTimeout(300_000); // an OpenCode run on a busy machine takes a minute
  // A new install: first steps, no rows of zero tiles.
  await page.goto(server.url);
  const start = page.locator("#start-t").locator("..").locator("..");
  await expect(page.getByRole("heading", { name: "Getting started" })).toBeVisible();
  await expect(page.locator("[data-count=completed]")).toBeHidden();
  await expect(page.locator("#totals-t")).toHaveCount(0);
  await expect(start).toContainText(`npx orchestrator login --url ${server.url}`);
  await expect(start.locator("[data-step=project]")).toHaveAttribute("data-done", "false");
  await shot(page, "stats-getting-started-1280");
  await axe(page, "getting started");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "stats-getting-started-390");
  await fits(page);

  // A project registered: its step says so, and the panel stays until a session exists.
  const repo = gitRepo(server, "stats-repo", { "README.md": "# demo\n" });
  expect((await server.api("/api/v1/projects", { json: { name: "stats-shop", path: repo } })).status).toBe(
    201,
  );
  await page.reload();
  await expect(start.locator("[data-step=project]")).toHaveAttribute("data-done", "true");
  await expect(start).toContainText("npx orchestrator projects add stats-shop");

  // Sessions: an OpenCode run on the project with the demo model (real tokens), a scripted success and failure.
  const coding = await server.api("/api/v1/sessions", {
    json: {
      title: "Write the stats notes",
      project: "stats-shop",
      profile: "demo",
      prompt: `Do it.\nFAKE_SCRIPT: ${JSON.stringify([
        { tool: "write", args: { filePath: "notes.md", content: "notes\n" } },
        { text: "wrote the notes" },
      ])}`,
    },
  });
  const ok = await server.api("/api/v1/sessions", {
    json: { title: "Scripted success", prompt: "sleep 1200\nsucceed", capabilities: ["scripted"] },
  });
  const bad = await server.api("/api/v1/sessions", {
    json: { title: "Scripted failure", prompt: "fail no luck", capabilities: ["scripted"], maxAttempts: 1 },
  });
  await settle(server, ok.body.id, ["completed"]);
  await settle(server, bad.body.id, ["failed"]);
  const coded = await settle(server, coding.body.id, ["completed"], 120_000);
  expect(coded.usage.input + coded.usage.output).toBeGreaterThan(0);

  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(server.url);
  await expect(page.getByRole("heading", { name: "Getting started" })).toHaveCount(0);
  await expect(page.locator("[data-count=completed] b")).toHaveText("2");
  const totals = page.locator("#totals-t").locator("..").locator("..");
  await expect(totals).toBeVisible();
  const chart = totals.locator(".day-chart svg");
  // The axes: a title and ticks on each, today labelled, and a legend with the window's sums.
  await expect(chart.locator("text.axis-title")).toHaveText(["sessions", "day (UTC)"]);
  const today = new Date().toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
  await expect(chart.locator("text.tick").last()).toHaveText(today);
  await expect(chart.locator("text.tick").first()).toHaveText("0");
  await expect(totals.locator(".chart-legend")).toContainText("completed 2");
  await expect(totals.locator(".chart-legend")).toContainText("failed 1");
  // Per project and per agent.
  await expect(totals.locator("[data-group=stats-shop] .hbar-value")).toContainText("1");
  await expect(totals.locator("[data-group=scripted] .hbar-value")).toContainText("2");
  await expect(totals.locator("[data-group=demo] .hbar-value")).toContainText("1");
  await shot(page, "stats-overview-1280");
  await axe(page, "overview with totals");

  // A day's numbers on hover, and from the keyboard (read out from a live region).
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
  await expect(totals.locator(".chart-tip")).toContainText(today);
  await expect(totals.locator(".chart-tip")).toContainText("completed 2");
  await page.mouse.move(0, 0);
  await expect(totals.locator(".chart-tip")).toHaveCount(0);
  await chart.focus();
  await expect(totals.locator("[aria-live=polite]")).toHaveText(
    `${today}: 3 sessions: 2 completed, 1 failed`,
  );
  await page.keyboard.press("ArrowLeft");
  await expect(totals.locator("[aria-live=polite]")).toContainText("0 sessions");
  await shot(page, "stats-overview-focus-1280");

  // Another measure: tokens, with its own axis; the table holds every number.
  await totals.getByLabel("Measure").selectOption("tokens");
  await expect(chart.locator("text.axis-title").first()).toHaveText("tokens");
  await expect(page).toHaveURL(/measure=tokens/);
  await totals.getByText("Every day as a table").click();
  const row = totals.getByRole("table", { name: "Totals per day" }).locator("tbody tr").last();
  await expect(row.locator("td").nth(0)).toHaveText("3");
  await expect(row.locator("td").nth(1)).toHaveText("2");
  await totals.getByLabel("Window").selectOption("7");
  await expect(totals.getByRole("table", { name: "Totals per day" }).locator("tbody tr")).toHaveCount(7);
  await shot(page, "stats-overview-tokens-1280");

  // The sessions list: project, duration (counting up while a session runs), tokens and cost.
  const hang = await server.api("/api/v1/sessions", {
    json: { title: "Still running", prompt: "hang", capabilities: ["scripted"] },
  });
  await settle(server, hang.body.id, ["running"]);
  await page.goto(`${server.url}/sessions`);
  const running = page.locator(`[data-session="${hang.body.id}"] td`).nth(6);
  const first = await running.textContent();
  await expect(running).not.toHaveText(first!);
  await expect(running.locator(".tone-run")).toHaveText(/^\d+s$/);
  const line = page.locator(`[data-session="${coding.body.id}"]`);
  await expect(line.locator("td").nth(5)).toHaveText("stats-shop");
  await expect(line.locator("td").nth(6)).toHaveText(/^(\d+m )?\d+s$/);
  await expect(line.locator("td").nth(7)).not.toHaveText("0");
  await expect(page.locator(`[data-session="${bad.body.id}"] td`).nth(5)).toHaveText("—");
  await shot(page, "stats-sessions-1280");
  await axe(page, "sessions list");

  // A phone: the charts at their real width, the list with its facts under each title.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.url}/?days=14`);
  await expect(chart.locator("text.tick").last()).toHaveText(today);
  await shot(page, "stats-overview-390");
  await fits(page);
  await page.goto(`${server.url}/sessions`);
  await expect(line.locator(".session-facts")).toBeVisible();
  await expect(line.locator(".session-facts")).toContainText("stats-shop ·");
  await expect(line.locator("td").nth(5)).toBeHidden();
  await shot(page, "stats-sessions-390");
  await axe(page, "sessions list on a phone");
  await fits(page);
});
