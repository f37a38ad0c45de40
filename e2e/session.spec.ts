import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { childEnv } from "./config.ts";
import { expect, gitRepo, settle, shot, test } from "./fixtures.ts";

// The session page as a person reads it: what an approval asks exactly, the lease as the server holds
// it, times that are never in the future, forks, results, and a cancel that is not a failure. A real
// OpenCode with the demo model (a scripted fake LLM, not an AI), the scripted agent, and the echo example.

// A profile that asks before edits too, so an edit's approval can be seen (the built-in ones allow edits).
const config = path.join(mkdtempSync(path.join(tmpdir(), "io-e2e-config-")), "config.json");
writeFileSync(
  config,
  JSON.stringify({
    opencode: {
      profiles: [
        {
          name: "review-edits",
          label: "Demo, asking before edits",
          model: "demo/demo-model",
          permission: [{ permission: "edit", pattern: "*", action: "ask" }],
        },
      ],
    },
  }),
);
test.use({ serverEnv: { ORCHESTRATOR_CONFIG: config } });

const script = (steps: unknown[]) => `Do it.\nFAKE_SCRIPT: ${JSON.stringify(steps)}`;
// OpenCode parses this into four sub-commands; a person must be shown it whole.
const command = "ls -la src && echo TOTAL=$(ls src | wc -l)";
const files = { "README.md": "# demo\n\nhello\n", "src/a.ts": "a\n", "src/b.ts": "b\n" };

/** Nothing on the page is wider than the window: text wraps instead of pushing the page sideways. */
async function fits(page: Page) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(width);
}

/** No serious or critical axe-core violation (WCAG 2.1 A and AA), as a11y.spec.ts scans every page. */
async function scan(page: Page, name: string) {
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    name,
  ).toEqual([]);
}

/** The seconds a "lease expires in 12s" / "created 3s ago" reads. */
const seconds = (text: string) => {
  const m = /(\d+)m (\d+)s|(\d+)s/.exec(text);
  if (!m) throw new Error(`no duration in ${text}`);
  return m[3] !== undefined ? Number(m[3]) : Number(m[1]) * 60 + Number(m[2]);
};

test("a shell approval shows the command verbatim, where it runs and the call it holds; the lease stays live while it waits", async ({
  signedIn: page,
  server,
}) => {
  test.setTimeout(240_000);
  const { body: s } = await server.api("/api/v1/sessions", {
    json: {
      title: "count the sources",
      profile: "demo-supervised",
      workspace: { repo: gitRepo(server, "shell-repo", files) },
      prompt: script([
        { tool: "bash", args: { command, description: "count files" } },
        { text: "There are 2 files in src." },
      ]),
    },
  });
  expect(s.id, JSON.stringify(s)).toBeTruthy();
  await page.goto(`${server.url}/sessions/${s.id}`);
  const ask = page.locator("[data-approval][data-state=pending]");
  await expect(ask).toBeVisible({ timeout: 120_000 });
  await expect(ask.locator("[data-command]")).toHaveText(command);
  await expect(ask.locator("[data-cwd]")).toHaveText(path.join(server.dir, "data", "worktrees", s.id));
  await expect(ask).toContainText("Run this shell command?");
  await expect(ask).toContainText("the agent says: count files");
  // Not OpenCode's parsed pieces, and the permission named once.
  await expect(ask).not.toContainText("ls -la src echo");
  await expect(page.locator("body")).not.toContainText("bash: bash:");
  // The call it holds shows what it will run, and that it waits.
  const call = page.getByTestId("timeline").locator("[data-kind=tool]").last();
  await expect(call.locator("summary")).toContainText("awaiting approval");
  await expect(call.locator("[data-preview]")).toHaveText(command);
  await shot(page, "approval-shell");
  await scan(page, "a pending shell approval");

  // No event arrives while a person decides, yet the runner renews the lease: the header shows the
  // lease the server holds, never "expired" (the lease is 15 s; this waits past it).
  await page.waitForTimeout(17_000);
  const lease = (await server.api(`/api/v1/sessions/${s.id}`)).body.lease;
  const left = (Date.parse(lease.expiresAt) - Date.now()) / 1000;
  const shown = page.locator("[data-lease]");
  await expect(shown).toContainText("expires in");
  expect(Math.abs(seconds((await shown.textContent())!) - left)).toBeLessThanOrEqual(10);

  // The attention queue names it once, with the command whole.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(ask.locator("[data-command]")).toBeVisible();
  await fits(page);
  await shot(page, "approval-shell-phone");
  await page.goto(server.url);
  const item = page
    .locator("#attention-t")
    .locator("xpath=ancestor::section")
    .locator("li[data-kind=approval]");
  await expect(item).toContainText(`count the sources — bash: ${command}`);
  await expect(item).not.toContainText("bash: bash:");
  await shot(page, "attention-phone");
  await page.setViewportSize({ width: 1280, height: 860 });
  await item.getByRole("link").click();

  await page.locator("[data-approval][data-state=pending]").getByRole("button", { name: "Once" }).click();
  await expect(page.locator("[data-approval][data-state=answered]")).toContainText("answered: once · by you");
  await settle(server, s.id, ["completed"], 90_000);
  await expect(call.locator("summary")).toContainText("completed");
  await call.locator("summary").click();
  await expect(call).toContainText("TOTAL=2");
  // The result: the agent's final words, and what the branch changed.
  const result = page.locator("[data-result]");
  await expect(result.locator("[data-result-text]")).toHaveText("There are 2 files in src.");
  await expect(result.locator("[data-result-diff]")).toContainText(`0 files changed`);
  await expect(result.locator("[data-result-diff]")).toContainText(`orchestrator/${s.id}`);
  await shot(page, "result-coding");
});

test("an edit waiting for approval shows the diff it would make, like the Changes view", async ({
  signedIn: page,
  server,
}) => {
  const { body: s } = await server.api("/api/v1/sessions", {
    json: {
      title: "review an edit",
      profile: "review-edits",
      workspace: { repo: gitRepo(server, "edit-repo", files) },
      prompt: script([
        { tool: "edit", args: { filePath: "README.md", oldString: "hello", newString: "hello, reviewer" } },
        { text: "left the README alone" },
      ]),
    },
  });
  await page.goto(`${server.url}/sessions/${s.id}`);
  const ask = page.locator("[data-approval][data-state=pending]");
  await expect(ask).toBeVisible({ timeout: 120_000 });
  await expect(ask).toContainText("Change README.md?");
  await expect(ask.locator("[data-patch] [data-file='README.md'] .ln-add td.src")).toHaveText(
    "+hello, reviewer",
  );
  await expect(ask.locator("[data-patch] .ln-del td.src")).toHaveText("-hello");
  await shot(page, "approval-edit");
  await page.setViewportSize({ width: 390, height: 844 });
  await fits(page);
  await shot(page, "approval-edit-phone");
  await ask.getByLabel("Feedback with a rejection").fill("keep it as it is");
  await ask.getByRole("button", { name: "Reject" }).click();
  await expect(page.locator("[data-approval][data-state=answered]")).toContainText(
    "answered: reject (keep it as it is)",
  );
  await settle(server, s.id, ["completed", "failed"], 90_000);
  expect((await server.api(`/api/v1/sessions/${s.id}`)).body.result.diff.files).toEqual([]);
});

test("fork from a checkpoint with a new title and prompt; the fork links back to its parent and checkpoint", async ({
  signedIn: page,
  server,
}) => {
  const { body: parent } = await server.api("/api/v1/sessions", {
    json: {
      title: "write notes",
      workspace: { repo: gitRepo(server, "fork-repo", files) },
      prompt: script([
        { tool: "write", args: { filePath: "notes.txt", content: "one\n" } },
        { text: "wrote notes" },
      ]),
    },
  });
  await settle(server, parent.id, ["completed"], 120_000);
  await page.goto(`${server.url}/sessions/${parent.id}`);
  const oldest = page.locator("[data-checkpoint]").last();
  const seq = await oldest.getAttribute("data-checkpoint");
  await oldest.getByRole("button", { name: "Fork…" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByLabel("Title")).toHaveValue("write notes (fork)");
  await expect(dialog.getByLabel("Prompt")).toHaveValue(parent.prompt);
  await dialog.getByLabel("Title").fill("");
  await dialog.getByRole("button", { name: "Fork and start" }).click();
  await expect(dialog.getByText("Too small")).toBeVisible();
  await dialog.getByLabel("Title").fill("notes, take two");
  await dialog.getByLabel("Prompt").fill(script([{ text: "nothing to add" }]));
  await shot(page, "fork-dialog");
  await scan(page, "the fork dialog");
  await dialog.getByRole("button", { name: "Fork and start" }).click();

  await expect(page.getByRole("heading", { name: "notes, take two" })).toBeVisible();
  const from = page.locator("[data-parent]");
  await expect(from).toContainText(`forked from write notes at checkpoint #${seq}`);
  const child = page.url().split("/").pop()!;
  await settle(server, child, ["completed"], 120_000);
  await expect(page.locator("[data-result-text]")).toHaveText("nothing to add");
  await shot(page, "fork");
  await from.getByRole("link", { name: "write notes" }).click();
  await expect(page.getByRole("heading", { name: "write notes" })).toBeVisible();
  await expect(page.locator(`[data-checkpoint="${seq}"]`)).toHaveAttribute("data-target", "true");
  await expect(page.locator("[data-target]")).toHaveCount(1);
});

test("a person's cancel is neutral: who, when, and the reason once; queue notes read as words", async ({
  signedIn: page,
  server,
}) => {
  const { body: s } = await server.api("/api/v1/sessions", {
    json: { title: "cancel me", prompt: "emit 1 started\nhang", capabilities: ["scripted"] },
  });
  await settle(server, s.id, ["running"]);
  await page.goto(`${server.url}/sessions/${s.id}`);
  await expect(page.locator("[data-result] [data-empty]")).toContainText(
    "No result yet: the agent is working",
  );
  await page.locator("[data-action=cancel]").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Reason (optional)").fill("not needed any more");
  await dialog.getByRole("button", { name: "Cancel session" }).click();
  await expect(page.locator(".page-head [data-status=cancelled]")).toBeVisible();
  const ended = page.locator("[data-ended=cancelled]");
  await expect(ended).toContainText(/^Cancelled by you \(key “[^”]+”\) at \d\d:\d\d:\d\d \(\d+s ago\)/);
  await expect(ended).toContainText("reason: not needed any more");
  await expect(page.locator("#error-t")).toHaveCount(0);
  await expect(page.locator(".tone-bad")).toHaveCount(0);
  const timeline = page.getByTestId("timeline");
  const me = (await server.api("/api/v1/me")).body;
  await expect(timeline.locator("[data-by]")).toHaveText(`by you (key “${me.keyName}”)`);
  expect((await timeline.textContent())!.split("not needed any more").length - 1).toBe(1);
  await shot(page, "cancelled");

  // A session no agent can take waits in the queue with a reason, in words.
  const { body: q } = await server.api("/api/v1/sessions", {
    json: { title: "nobody", prompt: "succeed", capabilities: ["x-nobody-has-this"] },
  });
  await page.goto(`${server.url}/sessions/${q.id}`);
  await expect(timeline.locator("[data-type='session.waiting']")).toContainText("waiting in the queue:");
  await expect(timeline).not.toContainText('{"');
  await expect(page.locator("[data-result] [data-empty]")).toContainText(
    "No result yet: the session is queued",
  );
  await page.setViewportSize({ width: 390, height: 844 });
  await fits(page);
  await shot(page, "queued-phone");
});

test("relative times are right on the first render of a page, not a second later", async ({
  signedIn: page,
  server,
}) => {
  const { body: s } = await server.api("/api/v1/sessions", {
    json: { title: "fresh clock", prompt: "hang", capabilities: ["scripted"] },
  });
  await settle(server, s.id, ["running"]);
  // A page with no relative time on it, for a while: the shared clock does not tick there.
  await page.goto(`${server.url}/agents`);
  await expect(page.getByRole("heading", { name: "Agent marketplace" })).toBeVisible();
  await page.waitForTimeout(4_000);
  // Record every text the header's "created" shows, from its first render on.
  await page.evaluate((id) => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    new MutationObserver(() => {
      const t = document.querySelector("[data-created]")?.textContent;
      if (t && seen.at(-1) !== t) seen.push(t);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
    // A navigation inside the app (the router follows popstate), as a click on a link makes.
    history.pushState({}, "", `/sessions/${id}`);
    dispatchEvent(new PopStateEvent("popstate"));
  }, s.id);
  await expect(page.locator("[data-created]")).toBeVisible();
  await page.waitForTimeout(1_500);
  const age = (Date.now() - Date.parse(s.createdAt)) / 1000;
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  expect(seen.length).toBeGreaterThan(0);
  // The first text already tells the age (within the second it rounds to), not the age 4 s ago.
  expect(seconds(seen[0]!)).toBeGreaterThanOrEqual(Math.floor(age) - 3);
  await server.api(`/api/v1/sessions/${s.id}/cancel`, { json: {} });
});

test("an external agent's structured result is shown as formatted JSON; times are the server's", async ({
  signedIn: page,
  server,
}) => {
  // This browser's clock is a minute slow: a just-created session still reads "0s ago", not "in 60s",
  // and the lease counts down as the server holds it.
  await page.clock.install({ time: Date.now() - 60_000 });
  const agent: ChildProcess = spawn("npx", ["tsx", "examples/echo-agent/index.ts"], {
    env: {
      ...childEnv,
      ORCHESTRATOR_URL: server.url,
      ORCHESTRATOR_API_KEY: server.key,
      EAP_NAME: "result-echo",
      EAP_MODE: "pull",
    },
    stdio: "inherit",
    detached: true,
  });
  try {
    const { body: hang } = await server.api("/api/v1/sessions", {
      json: { title: "skewed", prompt: "hang", capabilities: ["scripted"] },
    });
    await settle(server, hang.id, ["running"]);
    await page.goto(`${server.url}/sessions/${hang.id}`);
    await expect(page.locator("[data-created]")).toHaveText(/^created \d+s ago$/);
    expect(seconds((await page.locator("[data-created]").textContent())!)).toBeLessThan(15);
    const lease = (await server.api(`/api/v1/sessions/${hang.id}`)).body.lease;
    const left = (Date.parse(lease.expiresAt) - Date.now()) / 1000;
    await expect(page.locator("[data-lease]")).toContainText("expires in");
    expect(Math.abs(seconds((await page.locator("[data-lease]").textContent())!) - left)).toBeLessThanOrEqual(
      10,
    );
    await server.api(`/api/v1/sessions/${hang.id}/cancel`, { json: {} });

    await expect
      .poll(
        async () =>
          (await server.api("/api/v1/agents")).body.items.find(
            (a: { name: string }) => a.name === "result-echo",
          )?.status,
        { timeout: 30_000 },
      )
      .toBe("online");
    const { body: s } = await server.api("/api/v1/sessions", {
      json: { title: "echo this", prompt: "hello there", agent: "result-echo" },
    });
    await page.goto(`${server.url}/sessions/${s.id}`);
    await expect(page.locator(".page-head [data-status=completed]")).toBeVisible({ timeout: 30_000 });
    const output = page.locator("[data-result] details[data-json=output]");
    await expect(output).toHaveAttribute("open", "");
    await expect(output.locator("pre")).toHaveText('{\n  "echo": "hello there"\n}');
    await output.locator("summary").click();
    await expect(output.locator("pre")).toBeHidden();
    await output.locator("summary").click();
    await shot(page, "result-external");
  } finally {
    process.kill(-agent.pid!, "SIGKILL");
  }
});
