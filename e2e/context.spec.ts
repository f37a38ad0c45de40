import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Locator, Page } from "@playwright/test";
import { expect, gitRepo, settle, shot, test, type Server } from "./fixtures.ts";

/** A PATCH with If-Match, which the fixture's `api` cannot send. */
async function patch(s: Server, id: string, version: number, ops: unknown[]) {
  const res = await fetch(`${s.url}/api/v1/contexts/${id}`, {
    method: "PATCH",
    headers: {
      authorization: `Bearer ${s.key}`,
      "content-type": "application/json",
      "if-match": `"${version}"`,
    },
    body: JSON.stringify({ ops }),
  });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** A screenshot of one panel (a full page on a phone is too tall to read), kept with the others. */
const shotOf = (l: Locator, name: string) =>
  l.screenshot({ path: path.join("test-results", "screenshots", `${name}.png`) });

/** Nothing is wider than the screen: not the page, no part of a context panel, and nothing in it scrolls sideways. */
async function fits(page: Page, where: string) {
  const wide = await page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > innerWidth)
      out.push(`the page is ${document.documentElement.scrollWidth} px wide`);
    for (const el of Array.from(document.querySelectorAll("[data-context] *"))) {
      const what = `${el.tagName.toLowerCase()}.${el.className}`;
      if (el.getBoundingClientRect().right > innerWidth + 0.5)
        out.push(`${what} ends past the screen's edge`);
      if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) out.push(`${what} scrolls sideways`);
    }
    return out.slice(0, 5);
  });
  expect(wide, where).toEqual([]);
}

// A digest has no place to break a line: on a phone it must wrap anyway.
const ref = `sha256:${"0123456789abcdef".repeat(8)}`;
const long = `${"A finding that runs on. ".repeat(30)}The end of it.`;

test("a session's document: its tree, history, a diff, live changes, and a merge conflict settled by choosing", async ({
  signedIn: page,
  server,
}) => {
  const run = await server.api("/api/v1/sessions", {
    json: { title: "context holder", prompt: "succeed", capabilities: ["scripted"] },
  });
  await settle(server, run.body.id, ["completed"]);
  // Before there is any: the section says what context is.
  await page.goto(`${server.url}/sessions/${run.body.id}`);
  await expect(page.locator("[data-context-empty]")).toContainText("This session has no shared context yet");
  await expect(page.locator("#reads-t")).toHaveText("What it read · 0");

  const made = await server.api("/api/v1/contexts", {
    json: {
      scope: "session",
      ownerId: run.body.id,
      name: "notes",
      data: { decisions: { db: "postgres" }, todo: ["schema"], finding: long, ref },
    },
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const id = made.body.id;
  await patch(server, id, 0, [{ op: "add", path: "/decisions/cache", value: "redis" }]);
  await patch(server, id, 1, [
    { op: "replace", path: "/decisions/db", value: "postgres 16" },
    { op: "increment", path: "/count", value: 2 },
  ]);
  // Another document proposes other choices: merged by hand, both of its decisions conflict.
  const proposal = await server.api("/api/v1/contexts", {
    json: {
      scope: "temporary",
      name: "proposal",
      data: { decisions: { db: "mysql", cache: "memcached" }, extra: true },
    },
  });
  const merge = await server.api(`/api/v1/contexts/${id}/merge`, {
    json: { source: proposal.body.id, strategy: "manual" },
  });
  expect(merge.body.status, JSON.stringify(merge.body)).toBe("open");
  expect(merge.body.conflicts.map((c: any) => c.path).sort()).toEqual(["/decisions/cache", "/decisions/db"]);

  // The open merge waits in the overview's attention queue, and leads to the document it merges into.
  await page.goto(server.url);
  const queue = page.getByRole("list", { name: "Needs attention, most urgent first" });
  const waiting = queue.locator("li[data-kind=merge]");
  await expect(waiting).toContainText("context conflict");
  await expect(waiting).toContainText("merge temporary “proposal” into session “notes”");
  await expect(waiting).toContainText("2 conflicting paths to settle");
  await shotOf(page.locator("section[aria-labelledby=attention-t]"), "attention-context-merge");
  await waiting.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/contexts/${id}$`));
  await page.goto(`${server.url}/sessions/${run.body.id}`);
  const panel = page.locator("[data-context][data-name=notes]");
  await expect(page.getByRole("heading", { name: "Session context · notes" })).toBeVisible();
  // The tree: keys and values, the last change's paths marked, a long string clipped until asked.
  const tree = panel.locator("[data-tree]");
  await expect(tree.locator('[data-path="/decisions/db"]')).toContainText("db: “postgres 16”");
  await expect(tree.locator('[data-path="/decisions/db"] .ctx-hot')).toBeVisible();
  await expect(tree.locator('[data-path="/todo/0"]')).toContainText("schema");
  await expect(tree.locator('[data-path="/count"]')).toContainText("2");
  const finding = tree.locator('[data-path="/finding"]');
  await expect(finding).not.toContainText("The end of it.");
  await finding.getByRole("button", { name: `Show all ${long.length} characters` }).click();
  await expect(finding).toContainText("The end of it.");
  await expect(panel.locator("[data-last-change]")).toContainText("by you");
  // The panel, its merge and its choices pass axe-core's WCAG 2.1 A and AA rules.
  const axe = await new AxeBuilder({ page })
    .include("[data-context]")
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  expect(
    axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id),
  ).toEqual([]);
  await shotOf(panel, "context-session-tree");

  // The history, newest first, with who made each change.
  await panel.getByRole("tab", { name: /^History/ }).click();
  const rows = panel.locator("[data-history] li");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText(/^v2you \(key.*\/decisions\/db.*\/count \(combined\)/);
  await expect(rows.nth(2)).toContainText("created by you");

  // A diff: the last change by default, then between two versions picked.
  await rows.nth(1).getByRole("button", { name: "Diff of version 1" }).click();
  const diff = panel.locator("[data-diff]");
  await expect(diff.locator("tbody tr")).toHaveCount(1);
  await expect(diff.locator('tr[data-path="/decisions/cache"]')).toContainText("added");
  await diff.getByLabel("From version").selectOption("0");
  await diff.getByLabel("To version").selectOption("2");
  await expect(diff.locator("tbody tr")).toHaveCount(3);
  const db = diff.locator('tr[data-path="/decisions/db"]');
  await expect(db.locator("[data-label=Change]")).toHaveText("changed");
  await expect(db.locator("[data-label=Before]")).toContainText("“postgres”");
  await expect(db.locator("[data-label=After]")).toContainText("“postgres 16”");
  await shotOf(panel, "context-session-diff");

  // Someone writes the document while it is open: it shows without a reload.
  await patch(server, id, 2, [{ op: "add", path: "/live", value: "yes" }]);
  await expect(panel.locator("[data-doc-version]")).toHaveText("v3", { timeout: 15_000 });
  await panel.getByRole("tab", { name: "Data" }).click();
  await expect(tree.locator('[data-path="/live"]')).toContainText("yes");

  // The open merge was computed on v2: resolving it now is refused, in words, with a way out.
  const open = panel.locator("[data-merge]");
  await expect(open).toHaveCount(1);
  const conflict = open.locator('[data-conflict="/decisions/db"]');
  await expect(conflict.locator("[data-side=target]")).toContainText("postgres 16");
  await expect(conflict.locator("[data-side=source]")).toContainText("mysql");
  await expect(open.getByRole("button", { name: "Resolve" })).toBeDisabled();
  await open.getByRole("button", { name: "Take the source's everywhere" }).click();
  await open.getByRole("button", { name: "Resolve" }).click();
  await expect(open.locator("[data-problem]")).toContainText(
    "The document changed since this merge was computed",
  );
  await shotOf(panel, "context-merge-stale");
  await open.getByRole("button", { name: "Merge again" }).click();
  const again = panel.locator("[data-merge]");
  await expect(again).toHaveCount(1);
  await expect(again).not.toHaveAttribute("data-merge", merge.body.id);
  await expect(again).toContainText("computed on v3");

  // Settle it: the source's database, a cache of one's own.
  await again.locator('[data-conflict="/decisions/db"]').getByLabel("Take the source's").check();
  const cache = again.locator('[data-conflict="/decisions/cache"]');
  await cache.getByLabel("My own JSON value").check();
  const value = cache.getByLabel("Value for /decisions/cache (JSON)");
  await value.fill("valkey");
  await expect(cache).toContainText("not JSON");
  await expect(again.getByRole("button", { name: "Resolve" })).toBeDisabled();
  await value.fill('"valkey"');
  await expect(again.getByRole("button", { name: "Resolve" })).toBeEnabled();
  await shotOf(panel, "context-merge-choose");
  await page.setViewportSize({ width: 390, height: 844 });
  await shotOf(panel, "context-merge-choose-phone");
  await fits(page, "the merge at 390 px");
  await page.setViewportSize({ width: 1280, height: 860 });
  await again.getByRole("button", { name: "Resolve" }).click();
  await expect(panel.locator("[data-merge]")).toHaveCount(0);
  await expect(panel.locator("[data-doc-version]")).toHaveText("v4");

  const after = (await server.api(`/api/v1/contexts/${id}`)).body;
  expect(after.data).toMatchObject({
    decisions: { db: "mysql", cache: "valkey" },
    extra: true,
    live: "yes",
    count: 2,
  });
  const merges = (await server.api(`/api/v1/context-merges?contextId=${id}`)).body.items;
  expect(merges.map((m: any) => m.status).sort()).toEqual(["abandoned", "resolved"]);
  // The merge's write is in the history, named as a merge from the proposal.
  await panel.getByRole("tab", { name: /^History/ }).click();
  await expect(rows.nth(0)).toContainText("v4");
  await expect(rows.nth(0)).toContainText("merged from document");

  await page.setViewportSize({ width: 390, height: 844 });
  await panel.getByRole("tab", { name: "Diff" }).click();
  await shotOf(panel, "context-session-diff-phone");
  await fits(page, "the diff at 390 px");
  await panel.getByRole("tab", { name: "Data" }).click();
  await shotOf(panel, "context-session-tree-phone");
  await fits(page, "the tree at 390 px");

  // Every document of the tenant, by scope, each opening on a page of its own.
  await page.goto(`${server.url}/contexts`);
  const docs = page.getByRole("table", { name: "Context documents" }).locator("tbody tr");
  // Earlier spec files share this server: their plans' documents may be listed too.
  await expect(docs.filter({ hasText: "notes" })).toHaveCount(1);
  await expect(docs.filter({ hasText: "proposal" })).toHaveCount(1);
  await shot(page, "context-list-phone");
  await fits(page, "the list at 390 px");
  await page.getByRole("group", { name: "Scope" }).getByRole("button", { name: "temporary" }).click();
  await expect(docs).toHaveCount(1);
  await expect(docs).toContainText("proposal");
  await page.getByRole("group", { name: "Scope" }).getByRole("button", { name: "session" }).click();
  await docs.getByRole("link", { name: "notes" }).click();
  await expect(page.getByRole("heading", { name: "notes", exact: true })).toBeVisible();
  await expect(page.locator(".page-head")).toContainText(`session ${run.body.id.slice(0, 8)}`);
});

// A real OpenCode with the demo model (a scripted fake LLM at the process boundary, not an AI).
const script = (what: string, steps: unknown[]) => `${what}\nFAKE_SCRIPT: ${JSON.stringify(steps)}`;

test("a plan's document: tasks' results written by the plan, an agent's decision by its session, and what it read", async ({
  signedIn: page,
  server,
}) => {
  const r = await server.api("/api/v1/plans", {
    json: {
      title: "Shared decisions",
      start: true,
      workspace: { repo: gitRepo(server, "ctx-repo", { "notes.md": "one\n" }) },
      tasks: [
        {
          key: "design",
          title: "Design",
          profile: "demo",
          prompt: script("Record the decision.", [
            { tool: "orchestrator_context_get", args: {} },
            {
              tool: "orchestrator_context_patch",
              args: { ops: [{ op: "add", path: "decisions", value: { db: "postgres" } }], version: 0 },
            },
            { text: "decided on postgres" },
          ]),
        },
        { key: "docs", title: "Docs", prompt: "succeed documented", agent: "scripted" },
      ],
      edges: [{ from: "design", to: "docs" }],
    },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const ended = ["succeeded", "failed", "partially_succeeded", "cancelled"];
  const get = async () => (await server.api(`/api/v1/plans/${r.body.id}`)).body;
  await expect.poll(async () => ended.includes((await get()).status), { timeout: 240_000 }).toBe(true);
  const plan = await get();
  expect(plan.status, JSON.stringify(plan.tasks)).toBe("succeeded");
  const design = plan.tasks.find((t: any) => t.key === "design");

  // The plan's page: its document, the tasks' results under /tasks, the agent's decision beside them.
  await page.goto(`${server.url}/plans/${plan.id}`);
  await expect(page.getByRole("heading", { name: "Plan context · main" })).toBeVisible();
  const panel = page.locator("[data-context][data-name=main]");
  const tree = panel.locator("[data-tree]");
  await expect(tree.locator('[data-path="/decisions/db"]')).toContainText("postgres");
  await expect(tree.locator('[data-path="/tasks/design/summary"]')).toContainText("decided on postgres");
  await expect(tree.locator('[data-path="/tasks/docs/status"]')).toContainText("succeeded");
  await expect(tree.locator('[data-path="/tasks/design/sessionId"] a')).toHaveText(
    `session ${design.sessionId.slice(0, 8)}`,
  );
  await shot(page, "context-plan");
  await shotOf(panel, "context-plan-panel");
  await panel.getByRole("tab", { name: /^History/ }).click();
  const rows = panel.locator("[data-history] li");
  const agent = rows.filter({ hasText: "/decisions" });
  await expect(agent.locator("[data-actor=session]")).toContainText(
    `session ${design.sessionId.slice(0, 8)}`,
  );
  await expect(rows.filter({ hasText: "/tasks/design" }).locator("[data-actor=plan]")).toHaveText("plan");
  await expect(rows.filter({ hasText: "/tasks/docs" })).toContainText("tasks ended (plan step");
  await expect(agent).toContainText("through its MCP tools");
  await shotOf(panel, "context-plan-history");

  // The agent's session: the plan's document, and the version its agent read, which opens as it was then.
  await agent.getByRole("link", { name: design.sessionId.slice(0, 8) }).click();
  await expect(page).toHaveURL(new RegExp(`/sessions/${design.sessionId}$`));
  await expect(page.getByRole("heading", { name: /Plan context/ })).toBeVisible();
  const read = page.locator("[data-read]");
  await expect(read).toHaveCount(1);
  await expect(read).toContainText("plan “main” v0");
  await page.setViewportSize({ width: 390, height: 844 });
  await shotOf(page.locator("#reads-t").locator("xpath=ancestor::section"), "context-reads-phone");
  await fits(page, "the session at 390 px");
  await page.setViewportSize({ width: 1280, height: 860 });
  await read.getByRole("link").click();
  await expect(page.getByRole("heading", { name: "main", exact: true })).toBeVisible();
  const at = page.locator("[data-context][data-name=main]");
  await expect(at.locator("[data-old-version]")).toContainText("an older version");
  await expect(at.locator("[data-tree]")).not.toContainText("postgres");
  await at.getByRole("tab", { name: "Diff" }).click();
  await expect(at.getByLabel("From version")).toHaveValue("0");
  await expect(at.locator('[data-diff] tr[data-path="/decisions"]')).toContainText("added");
  await shotOf(at, "context-read-version");
});
