import { expect, gitRepo, settle, shot, test } from "./fixtures.ts";

test("bulk cancel from the sessions table: only what can be cancelled is, each with its result", async ({
  signedIn: page,
  server,
}) => {
  const made: string[] = [];
  for (const title of ["bulk-a", "bulk-b", "bulk-c"]) {
    const r = await server.api("/api/v1/sessions", {
      json: { title, prompt: "hang", capabilities: ["scripted"] },
    });
    made.push(r.body.id);
  }
  const done = await server.api("/api/v1/sessions", {
    json: { title: "bulk-done", prompt: "succeed", capabilities: ["scripted"] },
  });
  await settle(server, done.body.id, ["completed"]);
  for (const id of made) await settle(server, id, ["running", "queued"]);
  await page.goto(`${server.url}/sessions?q=bulk`);
  await expect(page.locator("tbody tr")).toHaveCount(4);
  await page.getByLabel("Select all on this page").check();
  await page.getByRole("button", { name: "Cancel 3 selected" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("1 selected sessions have already ended");
  await dialog.getByRole("button", { name: "Cancel sessions" }).click();
  await expect(page.getByRole("status").filter({ hasText: "cancelled" })).toContainText("3 cancelled");
  for (const id of made) expect((await server.api(`/api/v1/sessions/${id}`)).body.status).toBe("cancelled");
  expect((await server.api(`/api/v1/sessions/${done.body.id}`)).body.status).toBe("completed");
  // The status chips filter on the server.
  await page.getByRole("button", { name: "cancelled", exact: true }).click();
  await expect(page).toHaveURL(/status=cancelled/);
  await expect(page.locator("tbody tr")).toHaveCount(3);
});

test("the create dialog shows the server's refusal in place", async ({ signedIn: page, server }) => {
  const repo = gitRepo(server, "gone-repo", { "a.txt": "a\n" });
  expect((await server.api("/api/v1/projects", { json: { name: "soon-gone", path: repo } })).status).toBe(
    201,
  );
  await page.goto(`${server.url}/sessions`);
  await page.getByRole("button", { name: "+ New session" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Title").fill("too late");
  await dialog.getByLabel("Prompt").fill("do it");
  await dialog.getByLabel("Project").selectOption("soon-gone");
  // Someone removes the project meanwhile: the server says so, and the dialog stays open with the form.
  expect((await server.api("/api/v1/projects/soon-gone", { method: "DELETE" })).status).toBeLessThan(300);
  await dialog.getByRole("button", { name: "Create and queue" }).click();
  await expect(dialog.locator(".field .err")).toHaveText("unknown project");
  await expect(dialog.getByLabel("Title")).toHaveValue("too late");
});

test("register a repository, run a session in it, and see its worktree", async ({
  signedIn: page,
  server,
}) => {
  const repo = gitRepo(server, "proj-repo", { "README.md": "# p\n" });
  await page.goto(`${server.url}/projects`);
  await page.getByRole("button", { name: "+ Register repository" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Bad Name");
  await dialog.getByLabel("Path on the server").fill(repo);
  await dialog.getByRole("button", { name: "Register" }).click();
  await expect(dialog.locator(".field .err")).toContainText("lower-case");
  await dialog.getByLabel("Name").fill("proj");
  await dialog.getByRole("button", { name: "Register" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator("#worktrees-t")).toContainText("proj");

  const s = await server.api("/api/v1/sessions", {
    json: { title: "in proj", prompt: "Add a note", project: "proj" },
  });
  await settle(server, s.body.id, ["completed", "failed"], 90_000);
  await expect(page.getByRole("link", { name: s.body.id.slice(0, 8) })).toBeVisible({ timeout: 10_000 });
  await expect(page.locator("table")).toContainText(`orchestrator/${s.body.id}`);
  await shot(page, "projects");
});

test("drain, rotate the token of, and deregister an agent from its page", async ({
  signedIn: page,
  server,
}) => {
  const reg = await server.api("/api/v1/agents/external/register", {
    json: { name: "managed", capabilities: ["x-managed"], mode: "pull" },
  });
  const id = reg.body.agent_id;
  const token = reg.body.auth_token;
  // Bring it online with a heartbeat of its own.
  const beat = (t: string) =>
    fetch(`${server.url}/api/v1/agents/external/${id}/heartbeat`, {
      method: "POST",
      headers: { "x-agent-token": t, "content-type": "application/json" },
      body: JSON.stringify({ status: "healthy" }),
    });
  let current = token;
  expect((await beat(current)).status).toBe(200);
  const alive = setInterval(() => void beat(current), 500);
  try {
    await manage();
  } finally {
    clearInterval(alive);
  }

  async function manage() {
    await page.goto(`${server.url}/agents/${id}`);
    await page.getByRole("button", { name: "Drain" }).click();
    await expect(page.locator(".page-head [data-status]")).toHaveAttribute("data-status", "draining");
    await page.getByRole("button", { name: "Undrain" }).click();
    await expect(page.locator(".page-head [data-status]")).toHaveAttribute("data-status", "online");

    await page.getByRole("button", { name: "Rotate token" }).click();
    const fresh = (await page.getByRole("dialog").locator("[data-secret=token]").textContent())!.trim();
    expect(fresh).not.toBe(token);
    expect((await beat(token)).status).toBe(401); // the old token stopped working at once
    current = fresh;
    expect((await beat(fresh)).status).toBe(200);
    await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();

    await page.getByRole("button", { name: "Deregister" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Deregister" }).click();
    await expect(page).toHaveURL(/\/agents$/);
    await expect.poll(async () => (await server.api(`/api/v1/agents/${id}`)).status).toBe(404);
  }
});

test("a built-in agent offers no drain, rotate or deregister, and says who changes it", async ({
  signedIn: page,
  server,
}) => {
  const scripted = (await server.api("/api/v1/agents?kind=scripted")).body.items[0];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${server.url}/agents/${scripted.id}`);
    await expect(page.getByTestId("builtin-note")).toContainText("shared by every tenant");
    await expect(page.getByTestId("builtin-note")).toContainText("operator");
    for (const name of ["Drain", "Undrain", "Rotate token", "Deregister"])
      await expect(page.getByRole("button", { name })).toHaveCount(0);
    await shot(page, `agent-builtin-${width}`);
  }
  // And the server refuses it to the tenant's admin key all the same.
  const r = await server.api(`/api/v1/agents/${scripted.id}`, {
    method: "PATCH",
    json: { status: "draining" },
  });
  expect(r.status).toBe(403);
});

test("the register dialog says where this tenant's repositories may live, and refuses a path elsewhere", async ({
  signedIn: page,
  server,
}) => {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${server.url}/projects`);
    await page.getByRole("button", { name: "+ Register repository" }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog).toContainText(`Repositories may live under ${server.dir}.`);
    await shot(page, `project-register-${width}`);
    await dialog.getByLabel("Name").fill("far");
    await dialog.getByLabel("Path on the server").fill("/opt/far-away");
    await dialog.getByRole("button", { name: "Register" }).click();
    await expect(dialog.locator(".field .err")).toHaveText(
      `/opt/far-away is outside the allowed roots (${server.dir})`,
    );
    await dialog.getByRole("button", { name: "Cancel" }).click();
  }
});
