import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, settle, shot, test } from "./fixtures.ts";

// It counts the rows on its server.
test.use({ ownServer: "keys" });

// Keyboard shortcuts and the Ctrl+K palette, on a real server with sessions and a plan made over the API.

test("/ searches, j and k move through the rows, Enter opens one, ? lists the keys, c creates", async ({
  signedIn: page,
  server,
}) => {
  const ids: string[] = [];
  for (const title of ["keys alpha", "keys beta", "keys gamma"]) {
    const { body } = await server.api("/api/v1/sessions", {
      json: { title, prompt: "succeed", capabilities: ["scripted"] },
    });
    ids.push(body.id);
  }
  for (const id of ids) await settle(server, id, ["completed"]);
  await page.goto(`${server.url}/sessions`);
  const rows = page.locator("tr[data-row]");
  await expect(rows).toHaveCount(3);

  // `/` focuses the search box; letters typed there are words, not shortcuts.
  await page.keyboard.press("/");
  const box = page.getByLabel("Search title and prompt");
  await expect(box).toBeFocused();
  await page.keyboard.type("jk");
  await expect(box).toHaveValue("jk");
  await expect(page.locator("[data-row][data-selected]")).toHaveCount(0);
  await box.fill("");
  await box.blur();
  // The search filtered the list to nothing once typing paused; cleared, all three are back.
  await expect(page).not.toHaveURL(/q=/);
  await expect(rows).toHaveCount(3);

  // j selects the first row (newest first: gamma), j the next, k back; the selection is visible and focused.
  await page.keyboard.press("j");
  await expect(rows.nth(0)).toHaveAttribute("data-selected", "");
  await page.keyboard.press("j");
  await expect(rows.nth(1)).toHaveAttribute("data-selected", "");
  await expect(rows.nth(0)).not.toHaveAttribute("data-selected", "");
  await expect(rows.nth(1).getByRole("link", { name: "keys beta" })).toBeFocused();
  await shot(page, "keys-selection");
  // A modifier held is the browser's, not ours.
  await page.keyboard.press("Control+j");
  await expect(rows.nth(1)).toHaveAttribute("data-selected", "");
  await page.keyboard.press("k");
  await expect(rows.nth(0)).toHaveAttribute("data-selected", "");
  await page.keyboard.press("j");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/sessions/${ids[1]}$`));
  await expect(page.getByRole("heading", { name: "keys beta" })).toBeVisible();

  // ? lists the shortcuts in a dialog; Escape closes it.
  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toBeVisible();
  await expect(help).toContainText("select the next · previous row");
  await shot(page, "keys-help");
  await page.keyboard.press("Escape");
  await expect(help).toBeHidden();

  // c: a new session (from a page without its own create button, on the sessions page), a new plan on plans.
  await page.keyboard.press("c");
  await expect(page).toHaveURL(/\/sessions$/);
  await expect(page.getByRole("dialog", { name: "New session" })).toBeVisible();
  await page.keyboard.press("Escape");
  await page.goto(`${server.url}/plans`);
  await expect(page.getByRole("heading", { name: "Plans" })).toBeVisible();
  await page.keyboard.press("c");
  await expect(page.getByRole("dialog", { name: "New plan" })).toBeVisible();
  await page.keyboard.press("Escape");

  // Another list opts in by marking its rows: the agents' cards.
  await page.goto(`${server.url}/agents`);
  await expect(page.locator("[data-agent]").first()).toBeVisible();
  await page.keyboard.press("j");
  await expect(page.locator("[data-agent]").first()).toHaveAttribute("data-selected", "");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/agents\/[^/]+$/);
});

test("Ctrl+K finds pages, actions, sessions and plans by title; arrows and Enter open one", async ({
  signedIn: page,
  server,
}) => {
  const { body: s } = await server.api("/api/v1/sessions", {
    json: { title: "Palette needle session", prompt: "succeed", capabilities: ["scripted"] },
  });
  const { body: plan } = await server.api("/api/v1/plans", {
    json: {
      title: "Palette needle plan",
      tasks: [{ key: "a", title: "A", prompt: "succeed", agent: "scripted" }],
    },
  });
  expect(plan.id, JSON.stringify(plan)).toBeTruthy();
  await page.goto(server.url);
  await expect(page.getByRole("heading", { name: "System overview" })).toBeVisible();

  await page.keyboard.press("Control+k");
  const dlg = page.getByRole("dialog", { name: "Go to or do" });
  await expect(dlg).toBeVisible();
  const input = dlg.getByRole("combobox");
  await expect(input).toBeFocused();
  const options = dlg.getByRole("option");
  // Empty: every page and action, the first active.
  await expect(options.filter({ hasText: "Projects" })).toBeVisible();
  await expect(options.first()).toHaveAttribute("aria-selected", "true");

  await input.fill("needle");
  await expect(options.filter({ hasText: "Palette needle session" })).toBeVisible();
  await expect(options.filter({ hasText: "Palette needle plan" })).toBeVisible();
  await shot(page, "palette");
  // Down to the plan (sessions come first), then Enter.
  const texts = await options.allTextContents();
  const planAt = texts.findIndex((t) => t.includes("Palette needle plan"));
  for (let i = 0; i < planAt; i++) await input.press("ArrowDown");
  await expect(options.nth(planAt)).toHaveAttribute("aria-selected", "true");
  await input.press("Enter");
  await expect(dlg).toBeHidden();
  await expect(page).toHaveURL(new RegExp(`/plans/${plan.id}$`));

  // An action: New session opens the sessions page's dialog.
  await page.keyboard.press("Control+k");
  await dlg.getByRole("combobox").fill("new sess");
  await expect(options).toHaveCount(1);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("dialog", { name: "New session" })).toBeVisible();
  await page.keyboard.press("Escape");

  // The session by title, with the mouse; Escape closes without going anywhere.
  await page.keyboard.press("Control+k");
  await page.keyboard.press("Escape");
  await expect(dlg).toBeHidden();
  await page.keyboard.press("Control+k");
  await dlg.getByRole("combobox").fill("needle session");
  await options.filter({ hasText: "Palette needle session" }).click();
  await expect(page).toHaveURL(new RegExp(`/sessions/${s.id}$`));

  // A phone has no keyboard: the top bar's Find button opens the same palette.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.url}/sessions`);
  await page.locator(".topbar").getByRole("button", { name: /Find/ }).click();
  await expect(dlg).toBeVisible();
  await dlg.getByRole("combobox").fill("plan");
  await expect(options.filter({ hasText: "Plans" })).toBeVisible();
  await shot(page, "palette-phone");
  await page.keyboard.press("Escape");
  // The shortcuts are listed from the menu too.
  await page.getByRole("button", { name: "Menu" }).click();
  await page.getByRole("button", { name: "Keys", exact: true }).click();
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await shot(page, "keys-help-phone");
});

/** axe-core on what is open: no serious or critical violations (WCAG 2.1 A and AA), as e2e/a11y.spec.ts checks pages. */
async function scan(page: Page) {
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

test("the palette and the shortcuts list pass an axe-core scan", async ({ signedIn: page, server }) => {
  await server.api("/api/v1/sessions", {
    json: { title: "scanned", prompt: "succeed", capabilities: ["scripted"] },
  });
  await page.goto(`${server.url}/sessions`);
  await expect(page.getByRole("heading", { name: "Sessions" })).toBeVisible();
  await page.keyboard.press("Control+k");
  const dlg = page.getByRole("dialog", { name: "Go to or do" });
  await dlg.getByRole("combobox").fill("s");
  await expect(dlg.getByRole("option", { name: /scanned/ })).toBeVisible();
  expect(await scan(page)).toEqual([]);
  await page.keyboard.press("Escape");
  await page.keyboard.press("?");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  expect(await scan(page)).toEqual([]);
});
