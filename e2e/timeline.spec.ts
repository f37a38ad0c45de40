import { expect, gitRepo, settle, shot, test } from "./fixtures.ts";

// A real OpenCode with the demo model (a scripted fake LLM, not an AI) on a real git repository.
const prompt = (steps: unknown[]) => `Do it.\nFAKE_SCRIPT: ${JSON.stringify(steps)}`;

test("file edits read as diffs in the timeline, and a working line says what runs until the end", async ({
  signedIn: page,
  server,
}) => {
  const { body } = await server.api("/api/v1/sessions", {
    json: {
      title: "edits as diffs",
      workspace: { repo: gitRepo(server, "timeline-edits", { "README.md": "# demo\n\nhello\nbye\n" }) },
      prompt: prompt([
        { tool: "write", args: { filePath: "notes.txt", content: "first line\nsecond line\n" } },
        {
          tool: "edit",
          args: { filePath: "README.md", oldString: "hello\nbye", newString: "hello, reviewer\nbye" },
        },
        { tool: "bash", args: { command: "sleep 4", description: "wait a little" } },
        { delayMs: 4000, text: "wrote notes.txt and edited the README" },
      ]),
    },
  });
  expect(body.id, JSON.stringify(body)).toBeTruthy();
  await page.goto(`${server.url}/sessions/${body.id}`);
  const tl = page.getByTestId("timeline");
  const working = page.locator("[data-working]");

  // While the shell command runs, the line names it; while the model answers slowly, it is thinking.
  await expect(working).toContainText("running bash: sleep 4", { timeout: 90_000 });
  await shot(page, "timeline-working");
  await expect(working).toContainText("thinking", { timeout: 30_000 });

  // The write is the file's lines, added; the edit is the line it removes and the one it adds.
  const write = tl.locator("[data-edit='notes.txt']");
  await expect(write).toBeVisible();
  await expect(write).toContainText("+2");
  await expect(write.locator("[data-line=add]")).toHaveText(["+first line", "+second line"]);
  const edit = tl.locator("[data-edit='README.md']");
  await expect(edit.locator("[data-line=del]")).toHaveText("-hello");
  await expect(edit.locator("[data-line=add]")).toHaveText("+hello, reviewer");
  await expect(edit.locator("[data-line=context]")).toContainText("bye");
  // Not the escaped JSON of the input.
  await expect(tl).not.toContainText('"oldString"');

  await settle(server, body.id, ["completed", "failed"], 90_000);
  await expect(page.locator(".page-head [data-status=completed]")).toBeVisible();
  await expect(working).toHaveCount(0);
  await tl.locator("[data-edit='README.md']").scrollIntoViewIfNeeded();
  await shot(page, "timeline-diff");
  await page.setViewportSize({ width: 390, height: 844 });
  await tl.locator("[data-edit='README.md']").scrollIntoViewIfNeeded();
  await shot(page, "timeline-diff-phone");
  // The screen a person sees there, not the whole page.
  await page.screenshot({ path: "test-results/screenshots/timeline-diff-phone-view.png" });
});
