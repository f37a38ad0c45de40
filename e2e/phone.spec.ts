import type { Page } from "@playwright/test";
import { expect, gitRepo, settle, shot, test } from "./fixtures.ts";

/**
 * What a phone shows wrong: anything wider than the screen (the page then scrolls sideways), and text
 * squeezed into a column a few characters wide (a title, a path, a label wrapping every word or two).
 */
async function layout(page: Page, where: string) {
  const found = await page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > innerWidth)
      out.push(`the page is ${doc.scrollWidth} px wide on a ${innerWidth} px screen`);
    const bar = document.querySelector(".topbar")?.getBoundingClientRect().height ?? 0;
    if (bar > 64) out.push(`the top bar is ${Math.round(bar)} px tall`); // a short page stretched it
    for (const d of Array.from(document.querySelectorAll("dialog[open]")))
      if (d.scrollWidth > d.clientWidth || d.getBoundingClientRect().right > innerWidth)
        out.push(`a dialog is ${d.scrollWidth} px wide in ${d.clientWidth} px`);
    // A table of records reads as cards on a phone: no cell is cut at the screen's edge.
    for (const td of Array.from(document.querySelectorAll("table.cards td")))
      if (td.getBoundingClientRect().right > innerWidth + 0.5)
        out.push(`a ${td.getAttribute("data-label") ?? "table"} cell ends past the screen's edge`);
    // A radio's or a checkbox's words wrap beside it, not under it.
    const choices = document.querySelectorAll<HTMLInputElement>(
      "label input[type=radio], label input[type=checkbox]",
    );
    for (const box of Array.from(choices)) {
      const right = box.getBoundingClientRect().right;
      const words = document.createRange();
      words.selectNodeContents(box.closest("label")!);
      words.setStartAfter(box);
      const under = Array.from(words.getClientRects()).filter((r) => r.width > 0 && r.left < right);
      if (under.length) out.push(`"${words.toString().trim().slice(0, 48)}" wraps under its ${box.type}`);
    }
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const text = n.textContent!.replace(/\s+/g, " ").trim();
      const el = n.parentElement!;
      if (text.length < 12 || el.closest(".sr-only, [aria-hidden=true], option, script, style")) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const boxes = Array.from(range.getClientRects()).filter((r) => r.width > 0 && r.height > 0);
      if (!boxes.length) continue; // not shown
      const lines = new Set(boxes.map((r) => Math.round(r.bottom))).size;
      // Fewer than 12 characters a line, over three lines or more, is a column, not a line of text.
      if (lines > 2 && text.length / lines < 12)
        out.push(
          `"${text.slice(0, 48)}" takes ${lines} lines, ${Math.round(Math.max(...boxes.map((r) => r.width)))} px wide`,
        );
    }
    return out;
  });
  expect.soft(found, where).toEqual([]);
}

test("every page and dialog fits a 390 px phone, with text that reads as lines", async ({
  signedIn: page,
  server,
}) => {
  const prompt = (steps: unknown[]) => `Do it.\nFAKE_SCRIPT: ${JSON.stringify(steps)}`;
  const repo = gitRepo(server, "phone-repo", { "README.md": "# demo\n" });
  const project = await server.api("/api/v1/projects", { json: { name: "phone-project", path: repo } });
  expect(project.status).toBe(201);
  // A worktree session with a long title, a failed one and a finished one: the attention queue has items.
  const coding = await server.api("/api/v1/sessions", {
    json: {
      title: "Write the release notes for the next version of the command line client",
      project: "phone-project",
      profile: "demo",
      prompt: prompt([
        {
          tool: "write",
          args: { filePath: "docs/release-notes-for-the-next-version.md", content: "notes\n" },
        },
        { text: "wrote the release notes" },
      ]),
    },
  });
  const failing = await server.api("/api/v1/sessions", {
    json: {
      title: "Investigate the flaky integration test in the payments service",
      prompt: "fail this one cannot be done",
      capabilities: ["scripted"],
      maxAttempts: 1,
    },
  });
  await settle(server, failing.body.id, ["failed"]);
  await settle(server, coding.body.id, ["completed"], 120_000);
  const agents = (await server.api("/api/v1/agents")).body.items;
  const scripted = agents.find((a: any) => a.name === "scripted");

  await page.setViewportSize({ width: 390, height: 844 });
  const pages: [string, string, string][] = [
    ["overview", "/", "System overview"],
    ["sessions", "/sessions", "Sessions"],
    ["session", `/sessions/${coding.body.id}`, "Write the release notes"],
    ["failed-session", `/sessions/${failing.body.id}`, "Investigate the flaky"],
    ["agents", "/agents", "Agent marketplace"],
    ["agent", `/agents/${scripted.id}`, "scripted"],
    ["contexts", "/contexts", "Context"],
    ["projects", "/projects", "Projects"],
  ];
  for (const [name, path, heading] of pages) {
    await page.goto(server.url + path);
    await expect(page.getByRole("heading", { name: heading }).first()).toBeVisible();
    await page.waitForLoadState("networkidle").catch(() => undefined); // streams keep the network busy
    await shot(page, `phone-${name}`);
    await layout(page, name);
  }
  await expect(page.locator("#worktrees-t")).toContainText("phone-project");

  // The dialogs, on a smaller phone too.
  for (const width of [390, 360]) {
    await page.setViewportSize({ width, height: 844 });
    await page.goto(`${server.url}/sessions`);
    await page.getByRole("button", { name: "+ New session" }).click();
    await page.getByRole("dialog").getByText("capabilities (any agent that has them)").click();
    await shot(page, `phone-new-session-${width}`);
    await layout(page, `new-session dialog at ${width} px`);
  }

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.url}/agents`);
  await page.getByRole("button", { name: "+ Connect agent" }).click();
  await shot(page, "phone-register-agent");
  await layout(page, "register-agent dialog");
  await page.getByRole("dialog").getByRole("button", { name: "A2A agent (agent card)" }).click();
  await layout(page, "register-agent dialog, A2A");
});
