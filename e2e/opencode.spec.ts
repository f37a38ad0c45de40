import { expect, gitRepo, settle, shot, test } from "./fixtures.ts";

// A real OpenCode with the demo model (a scripted fake LLM, not an AI) on a real git repository.
const prompt = (steps: unknown[]) => `Do it.\nFAKE_SCRIPT: ${JSON.stringify(steps)}`;

test("approve a permission request from the timeline, then open the finished session's diff", async ({
  signedIn: page,
  server,
}) => {
  const { body } = await server.api("/api/v1/sessions", {
    json: {
      title: "supervised edit",
      profile: "demo-supervised",
      workspace: { repo: gitRepo(server, "repo", { "README.md": "# demo\n\nhello\n" }) },
      prompt: prompt([
        {
          tool: "bash",
          args: { command: "printf 'hello\\nworld\\n' > notes.txt", description: "write notes" },
        },
        { tool: "edit", args: { filePath: "README.md", oldString: "hello", newString: "hello, reviewer" } },
        { text: "wrote notes.txt and edited the README" },
      ]),
    },
  });
  expect(body.id, JSON.stringify(body)).toBeTruthy();
  await page.goto(`${server.url}/sessions/${body.id}`);
  const ask = page.locator("[data-approval][data-state=pending]");
  await expect(ask).toBeVisible({ timeout: 90_000 });
  await expect(ask).toContainText("notes.txt");
  await expect(page.locator(".page-head [data-status=waiting]")).toBeVisible();
  // The shell counts it as needing a person.
  await expect(page.locator(".nav .count")).toBeVisible();
  await shot(page, "approval");
  await ask.getByRole("button", { name: "Once" }).click();
  await expect(page.locator("[data-approval][data-state=answered]")).toContainText("answered: once");

  await settle(server, body.id, ["completed", "failed"], 90_000);
  await expect(page.locator(".page-head [data-status=completed]")).toBeVisible();
  const diff = page.locator("#diff-t").locator("xpath=ancestor::section");
  await expect(page.locator("#diff-t")).toContainText("2 files");
  await page.getByRole("button", { name: /notes\.txt/ }).click();
  await expect(page.locator("[data-file='notes.txt']")).toContainText("world");
  await page.getByRole("button", { name: /README\.md/ }).click();
  await expect(page.locator("[data-file='README.md'] .ln-add")).toContainText("hello, reviewer");
  await page.getByRole("button", { name: "Split" }).click();
  await expect(page.locator("[data-file='README.md'] table.split")).toBeVisible();
  await expect(diff.locator("td.ln-del")).toContainText("hello");
  // A tool call opens to its input and output.
  await page.getByTestId("timeline").locator("[data-kind=tool] summary").first().click();
  await expect(page.getByTestId("timeline").locator("[data-kind=tool]").first()).toContainText("Input");
  await shot(page, "diff");

  // Fork from the newest checkpoint: a new session starts from that commit, and the page goes to it.
  const first = page.locator("[data-checkpoint]").first();
  await expect(first.getByRole("button", { name: "Restore" })).toBeDisabled(); // a completed session is not rewound
  await first.getByRole("button", { name: "Fork…" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Fork and start" }).click();
  await expect(page.getByRole("heading", { name: "supervised edit (fork)" })).toBeVisible();
  expect(page.url()).not.toContain(body.id);
});

test("a follow-up from the session page continues the finished session on its branch", async ({
  signedIn: page,
  server,
}) => {
  const { body } = await server.api("/api/v1/sessions", {
    json: {
      title: "two rounds",
      workspace: { repo: gitRepo(server, "rounds", { "README.md": "# rounds\n" }) },
      prompt: prompt([
        { tool: "write", args: { filePath: "one.txt", content: "one\n" } },
        { text: "wrote one.txt" },
      ]),
    },
  });
  await page.goto(`${server.url}/sessions/${body.id}`);
  const box = page.locator("[data-follow-up]");
  await settle(server, body.id, ["completed", "failed"], 90_000);
  await expect(page.locator(".page-head [data-status=completed]")).toBeVisible();
  const message = box.getByLabel("Message to the agent");
  await expect(message).toBeEnabled();
  await expect(box.getByRole("button", { name: "Send" })).toBeDisabled(); // nothing written yet
  await message.fill(
    prompt([
      { tool: "write", args: { filePath: "two.txt", content: "two\n" } },
      { text: "wrote two.txt too" },
    ]),
  );
  await shot(page, "follow-up");
  await box.getByRole("button", { name: "Send" }).click();
  // The message is in the timeline with who sent it; the session runs again and completes.
  const said = page.getByTestId("timeline").locator("[data-type='session.message']");
  await expect(said).toContainText("message: Do it.");
  // The round it opened is called one, not a retry.
  await expect(
    page.getByTestId("timeline").locator("[data-kind='status']").filter({ hasText: "follow" }),
  ).toContainText("new round");
  await expect(said).toContainText("by you");
  await expect(message).toHaveValue("");
  await expect
    .poll(async () => (await server.api(`/api/v1/sessions/${body.id}`)).body.result?.text, {
      timeout: 90_000,
    })
    .toBe("wrote two.txt too");
  await expect(page.locator(".page-head [data-status=completed]")).toBeVisible();
  await expect(page.locator("#diff-t")).toContainText("2 files");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "follow-up-phone");

  // Land it: merged into main in the user's repository, the outcome on the card and in the timeline.
  await page.setViewportSize({ width: 1280, height: 900 });
  const land = page.locator("[data-land]");
  await expect(land).toContainText(`Merge orchestrator/${body.id} into main`);
  await land.getByRole("button", { name: "Merge into main" }).click();
  await expect(land.getByRole("status")).toContainText("Merged into main (fast-forward)");
  await expect(page.getByTestId("timeline").locator("[data-type='session.landing']")).toContainText(
    "merged into main (fast-forward)",
  );
  await shot(page, "land");
});

test("steering a running session from its page: the current turn stops and the message is the next prompt", async ({
  signedIn: page,
  server,
}) => {
  const { body } = await server.api("/api/v1/sessions", {
    json: {
      title: "stuck thinking",
      workspace: { repo: gitRepo(server, "steer", { "README.md": "# steer\n" }) },
      prompt: prompt([{ delayMs: 60_000, text: "too late" }]),
    },
  });
  await page.goto(`${server.url}/sessions/${body.id}`);
  await expect(page.locator(".page-head [data-status=running]")).toBeVisible({ timeout: 60_000 });
  const box = page.locator("[data-follow-up]");
  await expect(box).toContainText("reads it at its next turn");
  await box.getByLabel("Message to the agent").fill(prompt([{ text: "Steered: answering now." }]));
  await box.getByLabel(/Steer: stop the current turn/).check();
  await shot(page, "steer");
  await box.getByRole("button", { name: "Steer" }).click();
  const said = page.getByTestId("timeline").locator("[data-type='session.message']");
  await expect(said).toContainText("steering: Do it.");
  await expect
    .poll(async () => (await server.api(`/api/v1/sessions/${body.id}`)).body.result?.text, {
      timeout: 50_000,
    })
    .toBe("Steered: answering now.");
  await expect(page.getByTestId("timeline")).toContainText("stopped the agent's turn");
  await expect(page.locator(".page-head [data-status=completed]")).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "steer-phone");
});

test("review comments on the diff's lines go to the agent as one follow-up, and its fix is a new round", async ({
  signedIn: page,
  server,
}) => {
  const { body } = await server.api("/api/v1/sessions", {
    json: {
      title: "to review",
      workspace: { repo: gitRepo(server, "review", { "README.md": "# review\n" }) },
      prompt: prompt([
        { tool: "write", args: { filePath: "greet.txt", content: "hello\nworld\n" } },
        { text: "wrote greet.txt" },
      ]),
    },
  });
  await settle(server, body.id, ["completed", "failed"], 90_000);
  await page.goto(`${server.url}/sessions/${body.id}`);
  const bar = page.locator("[data-review]");
  await expect(bar).toContainText("click a line number to comment on that line");
  await page.getByRole("button", { name: "Comment on line 2 of greet.txt" }).click();
  await page.getByLabel("Your comment on line 2 of greet.txt").fill("Say everyone, not world.");
  await page.getByRole("button", { name: "Add comment" }).click();
  await expect(page.locator("[data-comment]")).toContainText("Say everyone, not world.");
  await bar
    .getByLabel("Overall comment (optional)")
    .fill(
      prompt([
        { tool: "write", args: { filePath: "greet.txt", content: "hello\neveryone\n" } },
        { text: "greet.txt says everyone now" },
      ]),
    );
  await shot(page, "review");
  await bar.getByRole("button", { name: "Request changes (1)" }).click();
  await expect(page.getByTestId("timeline").locator("[data-type='session.message']")).toContainText(
    "greet.txt, line 2: Say everyone, not world.",
  );
  await expect
    .poll(async () => (await server.api(`/api/v1/sessions/${body.id}`)).body.result?.text, {
      timeout: 90_000,
    })
    .toBe("greet.txt says everyone now");
  await expect(page.locator(".page-head [data-status=completed]")).toBeVisible();
  await expect(page.locator("[data-file='greet.txt']")).toContainText("everyone");
  // The fix is round 2 of the same diff: picked alone, it shows only what the review's round changed.
  const rounds = page.locator("[data-rounds]");
  await expect(rounds).toContainText("2 rounds on this branch");
  await rounds.getByRole("button", { name: /^Round 2/ }).click();
  const caption = rounds.locator("[data-round-caption]");
  await expect(caption).toContainText("Round 2, opened by you");
  await expect(caption).toContainText("“Do it.” (1 review comment) · ended completed");
  const card = page.locator("section[aria-labelledby='diff-t']");
  await expect(card).toContainText("Changes · 1 file · +1 −1");
  await expect(card.locator("[data-file='greet.txt']")).toContainText("-world");
  await expect(card.locator("[data-file='greet.txt']")).toContainText("+everyone");
  await shot(page, "review-round");
  await rounds.getByRole("button", { name: /^Round 1/ }).click();
  await expect(card).toContainText("Changes · 1 file · +2 −0");
  await rounds.getByRole("button", { name: "All rounds" }).click();
  await expect(page.locator("[data-review]")).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "review-phone");
});
