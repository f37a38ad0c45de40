import type { Page } from "@playwright/test";
import { expect, gitRepo, shot, test } from "./fixtures.ts";

/** On a phone nothing is wider than the screen: not the page, a dialog, or a cell of a table of records. */
async function fits(page: Page) {
  const wide = await page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > innerWidth) out.push("the page");
    for (const d of Array.from(document.querySelectorAll("dialog[open]")))
      if (d.scrollWidth > d.clientWidth || d.getBoundingClientRect().right > innerWidth) out.push("a dialog");
    for (const td of Array.from(document.querySelectorAll("table.cards td")))
      if (td.getBoundingClientRect().right > innerWidth + 0.5)
        out.push(`a ${td.getAttribute("data-label")} cell`);
    return out;
  });
  expect(wide, "wider than a 390 px screen").toEqual([]);
}

// Scripted tasks (a fake agent at the process boundary): `sleep` ms, then `succeed` or `fatal`. B is the
// long one and says so in its estimate, so the critical path is a → b → d.
const diamond = {
  title: "Diamond from a pasted graph",
  tasks: [
    { key: "a", title: "Schema", prompt: "sleep 300\nsucceed done a", agent: "scripted" },
    {
      key: "b",
      title: "API",
      prompt: "sleep 2500\nsucceed done b",
      agent: "scripted",
      estimate: { optimistic: 20, likely: 30, pessimistic: 60 },
    },
    {
      key: "c",
      title: "UI",
      prompt: "sleep 300\nsucceed done c",
      agent: "scripted",
      estimate: { optimistic: 1, likely: 2, pessimistic: 3 },
    },
    { key: "d", title: "Ship", prompt: "sleep 300\nsucceed done d", agent: "scripted" },
  ],
  edges: [
    { from: "a", to: "b" },
    { from: "a", to: "c" },
    { from: "b", to: "d" },
    { from: "c", to: "d", type: "start_to_start" },
  ],
};

test("a pasted diamond is previewed, started, and its graph goes live to succeeded", async ({
  signedIn: page,
  server,
}) => {
  await page.goto(`${server.url}/plans`);
  await expect(page.getByRole("heading", { name: "Plans" })).toBeVisible();
  await page.getByRole("button", { name: "+ New plan" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("tab", { name: "Paste a graph" }).click();
  await dialog.getByLabel("Graph (JSON or YAML)").fill(JSON.stringify(diamond, null, 2));
  await dialog.getByRole("button", { name: "Preview" }).click();

  // The preview lays the graph out before anything is stored, and the tasks can be edited.
  const preview = dialog.locator("[data-graph]");
  await expect(preview.locator("[data-node]")).toHaveCount(4);
  await expect(preview.locator("[data-edge]")).toHaveCount(4);
  await expect(dialog.getByLabel("Plan title")).toHaveValue(diamond.title);
  await dialog.locator("[data-task-row='3']").getByLabel("Title").fill("Ship it");
  await expect(preview.locator("[data-node=d]")).toContainText("Ship it");
  // The policy: how many at once, fail-fast, and what a merge conflict does.
  const policy = dialog.locator("[data-policy-fields]");
  await expect(policy.getByLabel("Tasks at once")).toHaveValue("4");
  await policy.getByLabel("Tasks at once").fill("2");
  await policy.getByLabel("When a task's merge conflicts").selectOption("resolve");
  await shot(page, "plan-create-paste");
  await dialog.getByRole("button", { name: "Create and start" }).click();

  // The plan's page: the graph goes live, state by state.
  await expect(page.getByRole("heading", { name: diamond.title })).toBeVisible();
  await expect(page.locator("[data-policy]")).toHaveText(
    "2 at once · fail-fast · a conflict is resolved by its task's agent",
  );
  const graph = page.locator("[data-graph]");
  await expect(graph.locator("[data-node=b][data-status=running]")).toBeVisible();
  await expect(graph.locator("[data-node=d]")).toHaveAttribute("data-status", "blocked");
  // While it runs the page follows the plan's event stream (the poll is only behind it).
  await expect(page.locator("[data-live]")).toHaveAttribute("data-live", "stream");
  await shot(page, "plan-running");
  for (const k of ["a", "b", "c", "d"])
    await expect(graph.locator(`[data-node=${k}]`)).toHaveAttribute("data-status", "succeeded", {
      timeout: 60_000,
    });
  await expect(page.locator(".page-head [data-plan-status=succeeded]")).toBeVisible();
  // The state is in words too, not only in colour.
  await expect(graph.locator("[data-node=d]")).toContainText("✓ succeeded");

  // The critical path is marked on the nodes and edges that form it, and said in the legend.
  for (const k of ["a", "b", "d"])
    await expect(graph.locator(`[data-node=${k}]`)).toHaveAttribute("data-critical", "true");
  await expect(graph.locator("[data-node=c]")).not.toHaveAttribute("data-critical", "true");
  await expect(graph.locator("[data-edge='a>b']")).toHaveAttribute("data-critical", "true");
  await expect(graph.locator("[data-edge='b>d']")).toHaveAttribute("data-critical", "true");
  await expect(graph.locator("[data-edge='a>c']")).not.toHaveAttribute("data-critical", "true");
  await expect(graph).toContainText("critical path");
  await expect(page.locator("[data-critical-path]")).toHaveText("a → b → d");
  // The task list says the same for a screen reader and a phone; estimate against actual per task.
  // (the server calibrates the given estimate by what earlier plans took; B took seconds).
  await expect(page.locator("tr[data-task=b]")).toContainText(/\d+(\.\d)? min · \d+ s/);
  await expect(page.locator("tr[data-task=b]")).toContainText("critical");
  await shot(page, "plan-succeeded");

  // Each node links to its task's session.
  const id = page.url().split("/").pop()!;
  const plan = (await server.api(`/api/v1/plans/${id}`)).body;
  const b = plan.tasks.find((t: any) => t.key === "b");
  await graph.locator("[data-node=b]").click();
  await expect(page).toHaveURL(`${server.url}/sessions/${b.sessionId}`);
  await expect(page.locator(".page-head [data-status=completed]")).toBeVisible();

  // On a phone the list is the main view: readable, nothing cut off.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.url}/plans/${id}`);
  await expect(page.locator("tr[data-task=d]")).toContainText("succeeded");
  await fits(page);
  await shot(page, "plan-phone");
  await page.goto(`${server.url}/plans`);
  await expect(page.locator(`tr[data-plan='${id}']`)).toContainText("4 succeeded");
  await fits(page);
  await shot(page, "plans-phone");
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.reload();
  await shot(page, "plans");
});

test("a goal is decomposed with the rules it matched, and the draft can be created", async ({
  signedIn: page,
  server,
}) => {
  await page.goto(`${server.url}/plans`);
  await page.getByRole("button", { name: "+ New plan" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Title", { exact: true }).fill("Web app");
  await dialog
    .getByRole("textbox", { name: "Goal", exact: true })
    .fill("Build a REST API with authentication and a web UI");
  await dialog.getByRole("button", { name: "Decompose" }).click();
  const analysis = dialog.locator("[data-analysis]");
  await expect(analysis).toBeVisible();
  await expect(analysis.locator("[data-matched=security]")).toContainText("authentication");
  await expect(analysis.locator("[data-matched=ui]")).toBeVisible();
  const tasks = await dialog.locator("[data-task-row]").count();
  expect(tasks).toBeGreaterThan(1);
  await expect(dialog.locator("[data-graph] [data-node]")).toHaveCount(tasks);
  await shot(page, "plan-create-goal");
  await page.setViewportSize({ width: 390, height: 844 });
  await fits(page);
  await shot(page, "plan-create-goal-phone");
  await page.setViewportSize({ width: 1280, height: 860 });

  await dialog.getByRole("button", { name: "Create draft" }).click();
  await expect(page.getByRole("heading", { name: "Web app" })).toBeVisible();
  await expect(page.locator(".page-head [data-plan-status=draft]")).toBeVisible();
  await expect(page.getByRole("button", { name: "Start" })).toBeVisible();
  await expect(page.locator("[data-graph] [data-node]")).toHaveCount(tasks);
  await shot(page, "plan-draft");
});

test("a cycle is refused and named by the edges", async ({ signedIn: page, server }) => {
  await page.goto(`${server.url}/plans`);
  await page.getByRole("button", { name: "+ New plan" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("tab", { name: "Paste a graph" }).click();
  await dialog
    .getByLabel("Graph (JSON or YAML)")
    .fill(
      [
        "title: Loop",
        "tasks:",
        "  - { key: a, title: A, prompt: succeed, agent: scripted }",
        "  - { key: b, title: B, prompt: succeed, agent: scripted }",
        "  - { key: c, title: C, prompt: succeed, agent: scripted }",
        "edges:",
        "  - { from: a, to: b }",
        "  - { from: b, to: c }",
        "  - { from: c, to: a }",
      ].join("\n"),
    );
  await dialog.getByRole("button", { name: "Preview" }).click();
  await expect(dialog.locator("[data-graph] [data-node]")).toHaveCount(3);
  await dialog.getByRole("button", { name: "Create draft" }).click();
  await expect(dialog.locator("[data-error=edges]")).toContainText("a → b → c → a");
  await dialog.locator("[data-error=edges]").scrollIntoViewIfNeeded();
  await expect(dialog.locator("[data-edge-row='2']")).toContainText("part of the cycle");
  await shot(page, "plan-cycle");
  // Removing an edge of the cycle clears the error, and the plan can be made.
  await dialog.getByRole("button", { name: "Remove edge c → a" }).click();
  await expect(dialog.locator("[data-error=edges]")).toHaveCount(0);
  await dialog.getByRole("button", { name: "Create draft" }).click();
  await expect(page.getByRole("heading", { name: "Loop" })).toBeVisible();
});

test("a failed task offers retry, and retry runs it again", async ({ signedIn: page, server }) => {
  const made = await server.api("/api/v1/plans", {
    json: {
      title: "One fails",
      start: true,
      policy: { failFast: false },
      tasks: [
        { key: "ok", title: "Fine", prompt: "succeed fine", agent: "scripted" },
        { key: "bad", title: "Breaks", prompt: "sleep 200\nfatal broken on purpose", agent: "scripted" },
        { key: "after", title: "After", prompt: "succeed", agent: "scripted" },
      ],
      edges: [{ from: "bad", to: "after" }],
    },
  });
  expect(made.status).toBe(201);
  await page.goto(`${server.url}/plans/${made.body.id}`);
  const row = page.locator("tr[data-task=bad]");
  await expect(row).toHaveAttribute("data-status", "failed", { timeout: 30_000 });
  await expect(page.locator("tr[data-task=after]")).toHaveAttribute("data-status", "upstream_failed");
  await expect(page.locator("tr[data-task=after]")).toContainText("trigger rule");
  await expect(row).toContainText("broken on purpose");
  // A table of records is a table at desktop width (a grid rule for card lists once made it a grid).
  expect(
    await page
      .locator("table.t.cards")
      .first()
      .evaluate((e) => getComputedStyle(e).display),
  ).toBe("table");
  // Succeeded tasks offer neither; the failed one offers both.
  await expect(page.locator("tr[data-task=ok]").getByRole("button")).toHaveCount(0);
  await expect(row.getByRole("button", { name: "Skip bad" })).toBeVisible();
  await shot(page, "plan-failed");
  await row.getByRole("button", { name: "Retry bad" }).click();
  await expect(row).toContainText("2/2");
  await expect(row).toHaveAttribute("data-status", "failed", { timeout: 30_000 });
  const plan = (await server.api(`/api/v1/plans/${made.body.id}`)).body;
  expect(plan.tasks.find((t: any) => t.key === "bad").attempt).toBe(2);
});

test("a plan on a repository shows its integration branch, merges and diff", async ({
  signedIn: page,
  server,
}) => {
  const repo = gitRepo(server, "plan-repo", { "README.md": "hello\n" });
  const made = await server.api("/api/v1/plans", {
    json: {
      title: "On a repository",
      start: true,
      workspace: { repo },
      tasks: [{ key: "only", title: "Only", prompt: "succeed", agent: "scripted" }],
    },
  });
  expect(made.status).toBe(201);
  await page.goto(`${server.url}/plans/${made.body.id}`);
  await expect(page.locator("tr[data-task=only]")).toHaveAttribute("data-status", "succeeded");
  const plan = (await server.api(`/api/v1/plans/${made.body.id}`)).body;
  await expect(page.locator("[data-branch]")).toHaveText(plan.integrationBranch);
  await expect(page.locator("[data-integration]")).toContainText(plan.baseCommit.slice(0, 12));
  // The diff panel reads GET /api/v1/plans/{id}/diff: a scripted task changes no file.
  const diff = await server.api(`/api/v1/plans/${made.body.id}/diff`);
  expect(diff.status).toBe(200);
  await expect(page.locator("#diff-t")).toContainText(`${diff.body.files.length} file`);
  await shot(page, "plan-integration");
});

test("an agent plans a goal: the plan page shows its draft filling in, then it runs", async ({
  signedIn: page,
  server,
}) => {
  // The scripted agent (a test double) answers with the line after `succeed`: the graph, as a model would.
  const graph = JSON.stringify({
    tasks: [
      { key: "read", title: "Read the code", prompt: "succeed read", agent: "scripted" },
      { key: "write", title: "Write the change", prompt: "succeed written", agent: "scripted" },
    ],
    edges: [{ from: "read", to: "write" }],
  });
  await page.goto(`${server.url}/plans`);
  await page.getByRole("button", { name: "+ New plan" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("tab", { name: "Ask an agent" }).click();
  await dialog.getByLabel("Title", { exact: true }).fill("Planned by an agent");
  await dialog.getByRole("textbox", { name: "Goal", exact: true }).fill(`succeed ${graph}`);
  await dialog.getByLabel("Agent (instead of a profile)").fill("scripted");
  await dialog.getByLabel("Start it as soon as a valid graph comes back").check();
  await shot(page, "plan-create-ask");
  await dialog.getByRole("button", { name: "Ask", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Planned by an agent" })).toBeVisible();
  await expect(page.locator("[data-planner]")).toContainText("planned by its planning session");
  await expect(page.locator("[data-graph] [data-node]")).toHaveCount(2, { timeout: 20_000 });
  await expect(page.locator(".page-head [data-plan-status=succeeded]")).toBeVisible({ timeout: 20_000 });
  await shot(page, "plan-planned");
});
