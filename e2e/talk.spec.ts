import { Agent } from "@orchestrator/agent-sdk";
import { expect, settle, shot, test } from "./fixtures.ts";

// Talking to an external agent in the Control Room: an EAP agent (built with the agent SDK, in this
// process) asks a question with no options, a person answers it in their own words on the session page,
// and a follow-up from the message box opens a new round the agent reads.
test("an EAP agent's question is answered in words on the session page; a follow-up opens a new round", async ({
  signedIn: page,
  server,
}) => {
  const agent = new Agent({
    url: server.url,
    apiKey: server.key,
    name: "talk-e2e",
    capabilities: ["x-talk-e2e"],
    log: () => {},
  }).handle(async (task, ctx) => {
    const last = task.messages.at(-1);
    if (last) return `again: ${last.text}`;
    return `chose ${await ctx.ask("Which database should the service use?")}`;
  });
  await agent.start();
  try {
    const { body: s } = await server.api("/api/v1/sessions", {
      json: { title: "Set up the database", prompt: "set it up", agent: "talk-e2e" },
    });
    await settle(server, s.id, ["waiting"]);
    await page.goto(`${server.url}/sessions/${s.id}`);
    const ask = page.locator("[data-approval][data-state=pending]");
    await expect(ask).toContainText("Which database should the service use?");
    const answerButton = ask.getByRole("button", { name: "Answer" });
    await expect(answerButton).toBeDisabled();
    await ask
      .getByLabel("Your answer to: Which database should the service use?")
      .fill("SQLite, file in /data");
    await shot(page, "eap-question");
    await answerButton.click();
    await expect(page.locator(".page-head [data-status=completed]")).toBeVisible({ timeout: 30_000 });
    await expect(page.locator("[data-approval][data-state=answered]")).toContainText("SQLite, file in /data");
    const done = (await server.api(`/api/v1/sessions/${s.id}`)).body;
    expect(done.result.output).toBe("chose SQLite, file in /data");

    const box = page.locator("[data-follow-up]");
    await box.getByLabel("Message to the agent").fill("now add an index");
    await expect(box.getByText(/Steer/)).toHaveCount(0);
    await box.getByRole("button", { name: "Send" }).click();
    await expect
      .poll(async () => {
        const r = (await server.api(`/api/v1/sessions/${s.id}`)).body;
        return r.retries === 1 && r.status === "completed" ? r.result.output : null;
      })
      .toBe("again: now add an index");
    await expect(page.locator(".page-head [data-status=completed]")).toBeVisible({ timeout: 30_000 });
    await shot(page, "eap-follow-up");
  } finally {
    await agent.stop({ drain: false });
  }
});
