import { expect, settle, shot, test } from "./fixtures.ts";

test("sign in with the printed key; a wrong key is refused in place", async ({ page, server }) => {
  await page.goto(server.url);
  await page.getByLabel("API key").fill("io_000000000000_wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("not valid");
  await shot(page, "sign-in");
  await page.getByLabel("API key").fill(server.key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "System overview" })).toBeVisible();
  await expect(page.locator("[data-connection]").first()).toHaveAttribute("data-connection", "live");
  // The key is remembered: a reload stays signed in.
  await page.reload();
  await expect(page.getByRole("heading", { name: "System overview" })).toBeVisible();
});

test("create a session from the dialog and watch its events arrive live", async ({
  signedIn: page,
  server,
}) => {
  await page.goto(`${server.url}/sessions`);
  await page.getByRole("button", { name: "+ New session" }).click();
  const dialog = page.getByRole("dialog");
  // Inline validation names the fields before anything is sent.
  await dialog.getByRole("button", { name: "Create and queue" }).click();
  await expect(dialog.getByText("Too small").first()).toBeVisible();
  await dialog.getByLabel("Title").fill("live events");
  await dialog
    .getByLabel("Prompt")
    .fill("emit 3 warming up\nsleep 1500\nemit 5 streaming\nsleep 1500\nsucceed all done");
  await dialog.getByText("capabilities (any agent that has them)").click();
  await dialog.locator("[data-capability=scripted]").click();
  await dialog.getByRole("button", { name: "Create and queue" }).click();

  // The dialog takes us to the new session, which runs while we watch.
  await expect(page.getByRole("heading", { name: "live events" })).toBeVisible();
  const timeline = page.getByTestId("timeline");
  await expect(timeline).toContainText("warming up 3/3");
  await expect(page.locator("[data-status=running]").first()).toBeVisible();
  await expect(timeline).toContainText("streaming 5/5");
  await expect(page.locator(".page-head [data-status=completed]")).toBeVisible();
  await expect(page.locator("[data-why]")).toContainText("scripted");
  const id = page.url().split("/").pop()!;
  const last = (await server.api(`/api/v1/sessions/${id}`)).body.lastSeq;
  await expect(timeline).toHaveAttribute("data-last-seq", String(last));
  await expect(timeline).toHaveAttribute("data-gaps", "0");
  await shot(page, "session-detail");

  // It is in the list, found by search.
  await page.getByRole("link", { name: "Sessions" }).first().click();
  await page.getByLabel("Search title and prompt").fill("live events");
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await shot(page, "sessions");
});

test("cancel a running session from its page; retry is offered only where retry is allowed", async ({
  signedIn: page,
  server,
}) => {
  const { body } = await server.api("/api/v1/sessions", {
    json: { title: "long one", prompt: "emit 1 started\nhang", capabilities: ["scripted"] },
  });
  await settle(server, body.id, ["running"]);
  await page.goto(`${server.url}/sessions/${body.id}`);
  const retry = page.locator("[data-action=retry]");
  const cancel = page.locator("[data-action=cancel]");
  await expect(page.getByTestId("timeline")).toContainText("started 1/1");
  await expect(retry).toBeDisabled();
  await expect(page.locator("[data-action=resume]")).toBeDisabled();
  await expect(cancel).toBeEnabled();
  await cancel.click();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel session" }).click();
  await expect(page.locator(".page-head [data-status=cancelled]")).toBeVisible();
  await expect(cancel).toBeDisabled();
  await expect(retry).toBeEnabled();
  // Completed work cannot be retried.
  const done = await server.api("/api/v1/sessions", {
    json: { title: "quick", prompt: "succeed", capabilities: ["scripted"] },
  });
  await settle(server, done.body.id, ["completed"]);
  await page.goto(`${server.url}/sessions/${done.body.id}`);
  await expect(page.locator(".page-head [data-status=completed]")).toBeVisible();
  await expect(retry).toBeDisabled();
});

test("a WebSocket cut mid-stream resumes with no missing and no duplicated events", async ({
  signedIn: page,
  server,
}) => {
  const sockets: { close(): Promise<void>; url(): string }[] = [];
  // Stand between the page and the server on the session's socket, so the test can cut it.
  await page.routeWebSocket(/\/ws\/sessions\/[0-9a-f-]{36}/, (ws) => {
    ws.connectToServer();
    sockets.push(ws);
  });
  const prompt =
    Array.from({ length: 12 }, (_, i) => `emit 5 batch-${i}\nsleep 250`).join("\n") + "\nsucceed";
  const { body } = await server.api("/api/v1/sessions", {
    json: { title: "cut me", prompt, capabilities: ["scripted"] },
  });
  await page.goto(`${server.url}/sessions/${body.id}`);
  const timeline = page.getByTestId("timeline");
  await expect(timeline).toContainText("batch-2");
  await sockets[0]!.close();
  // The page opened a second socket by itself, resuming after the last event it had.
  await expect.poll(() => sockets.length).toBeGreaterThan(1);
  const resumedAfter = Number(new URL(sockets[1]!.url()).searchParams.get("after"));
  expect(resumedAfter).toBeGreaterThan(10);
  await settle(server, body.id, ["completed"]);
  const last = (await server.api(`/api/v1/sessions/${body.id}`)).body.lastSeq;
  await expect(timeline).toHaveAttribute("data-last-seq", String(last));
  await expect(timeline).toHaveAttribute("data-events", String(last));
  await expect(timeline).toHaveAttribute("data-gaps", "0");
});

test("a session link opened cold asks for its first requests once, before the app has run, and shows its end", async ({
  signedIn: page,
  server,
}) => {
  const prompt = `emit 600 line\nsucceed`;
  const { body } = await server.api("/api/v1/sessions", {
    json: { title: "cold link", prompt, capabilities: ["scripted"] },
  });
  await settle(server, body.id, ["completed"]);
  const last = (await server.api(`/api/v1/sessions/${body.id}`)).body.lastSeq;
  const asked: string[] = [];
  page.on("request", (r) => asked.push(new URL(r.url()).pathname + new URL(r.url()).search));
  const sockets: string[] = [];
  page.on("websocket", (ws) => {
    const url = new URL(ws.url());
    if (url.pathname.endsWith(body.id)) sockets.push(url.searchParams.get("after") ?? "");
  });

  await page.goto(`${server.url}/sessions/${body.id}`);
  const timeline = page.getByTestId("timeline");
  await expect(timeline).toHaveAttribute("data-events", String(last));
  // Following: the newest rows are in view, the oldest are not mounted.
  await expect(timeline).toContainText("line 600/600");
  await expect(timeline).not.toContainText("line 1/600");
  // index.html's inline script asked for these; the app took its answers instead of asking again.
  const count = (p: string) => asked.filter((a) => a === p).length;
  expect(count("/api/v1/me")).toBe(1);
  expect(count(`/api/v1/sessions/${body.id}/events?after=0&limit=500`)).toBe(1);
  expect(asked.filter((a) => a.includes("/events")).length).toBe(1);
  // The log's socket continues after that first page, and the page's code was asked for once.
  expect(sockets).toEqual(["500"]);
  expect(asked.filter((a) => /\/assets\/page-.*\.js$/.test(a)).length).toBe(1);
});
