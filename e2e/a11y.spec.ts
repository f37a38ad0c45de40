import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, settle, shot, test } from "./fixtures.ts";

/** axe-core on each page: no serious or critical violations (WCAG 2.1 A and AA rules). */
async function scan(page: Page, name: string) {
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const report = bad.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes
        .map((n) => n.target.join(" "))
        .slice(0, 5)
        .join("\n  ")}`,
  );
  expect(report, `${name}:\n${report.join("\n")}`).toEqual([]);
}

test("every page passes an axe-core scan, at desktop and phone widths", async ({
  page,
  signedIn,
  server,
}) => {
  void signedIn;
  const done = await server.api("/api/v1/sessions", {
    json: { title: "scanned", prompt: "emit 2 hi\nsucceed", capabilities: ["scripted"] },
  });
  await settle(server, done.body.id, ["completed"]);
  const agents = (await server.api("/api/v1/agents")).body.items;
  const plan = (
    await server.api("/api/v1/plans", {
      method: "POST",
      json: {
        title: "Accessible plan",
        start: true,
        tasks: [
          { key: "a", title: "First", prompt: "succeed", agent: "scripted" },
          { key: "b", title: "Second", prompt: "succeed", agent: "scripted" },
        ],
        edges: [{ from: "a", to: "b" }],
      },
    })
  ).body;
  const pages: [string, string, string][] = [
    ["overview", "/", "System overview"],
    ["sessions", "/sessions", "Sessions"],
    ["session", `/sessions/${done.body.id}`, "scanned"],
    ["agents", "/agents", "Agent marketplace"],
    ["agent", `/agents/${agents[0].id}`, agents[0].name],
    ["projects", "/projects", "Projects"],
    ["plans", "/plans", "Plans"],
    ["plan", `/plans/${plan.id}`, "Accessible plan"],
    ["contexts", "/contexts", "Context"],
  ];
  for (const [name, path, heading] of pages) {
    await page.goto(server.url + path);
    await expect(page.getByRole("heading", { name: heading }).first()).toBeVisible();
    await page.waitForLoadState("networkidle").catch(() => undefined); // streams keep the network busy
    await scan(page, name);
    await shot(page, `page-${name}`);
  }
  // Dialogs too.
  await page.goto(`${server.url}/sessions`);
  await page.getByRole("button", { name: "+ New session" }).click();
  await scan(page, "create dialog");
  await page.goto(`${server.url}/agents`);
  await page.getByRole("button", { name: "+ Connect agent" }).click();
  await scan(page, "register dialog");

  // A phone: the navigation folds into a menu, and pages still read.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.url}/sessions/${done.body.id}`);
  await page.getByRole("button", { name: "Menu" }).click();
  await expect(page.getByRole("link", { name: "Agents" })).toBeVisible();
  await scan(page, "phone");
  await shot(page, "phone-menu");
});

test("the sign-in page passes an axe-core scan", async ({ page, server }) => {
  await page.goto(server.url);
  await expect(page.getByRole("heading", { name: "Control Room sign-in" })).toBeVisible();
  await scan(page, "sign-in");
});
