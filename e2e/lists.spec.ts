import { expect, settle, shot, test } from "./fixtures.ts";

test("a sort picked while the cleared search waits to apply stays picked", async ({
  signedIn: page,
  server,
}) => {
  for (const title of ["order-a", "order-b"]) {
    const r = await server.api("/api/v1/sessions", {
      json: { title, prompt: "succeed", capabilities: ["scripted"] },
    });
    await settle(server, r.body.id, ["completed"]);
  }
  // The page's timers run when the test says, so the sort lands inside the search's 300 ms pause.
  await page.clock.install();
  await page.goto(`${server.url}/sessions?q=order-a`);
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await page.clock.pauseAt(Date.now() + 60_000);
  const search = page.getByLabel("Search title and prompt");
  await expect(search).toHaveValue("order-a");
  await search.fill("");
  await page.getByLabel("Sort", { exact: true }).selectOption({ label: "oldest first" });
  await expect(page).toHaveURL(/sort=createdAt/);
  expect(new URL(page.url()).searchParams.get("q")).toBe("order-a"); // the search has not applied yet
  await page.clock.runFor(400);
  await page.clock.resume(); // TanStack Query hands its results over on a timer too
  await expect(page).not.toHaveURL(/q=/);
  expect(new URL(page.url()).searchParams.get("sort")).toBe("createdAt");
  await expect(page.getByLabel("Sort", { exact: true })).toHaveValue("createdAt");
  // The worker's server may hold sessions of earlier test files: the whole list, oldest first.
  const all = (await server.api("/api/v1/sessions?sort=createdAt&limit=200")).body.items;
  await expect(page.locator("tbody tr")).toHaveCount(Math.min(all.length, 25)); // the page's size
  await expect(page.locator("tbody tr").first()).toContainText(all[0].title);
});

test("a bulk-cancel result is a padded note that can be dismissed, and a new filter clears it", async ({
  signedIn: page,
  server,
}) => {
  const cancelAll = async () => {
    for (const title of ["note-a", "note-b"])
      await server.api("/api/v1/sessions", { json: { title, prompt: "hang", capabilities: ["scripted"] } });
    await page.goto(`${server.url}/sessions?q=note&status=queued,running`);
    await expect(page.locator("tbody tr")).toHaveCount(2);
    await page.getByLabel("Select all on this page").check();
    await page.getByRole("button", { name: "Cancel 2 selected" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel sessions" }).click();
    const note = page.getByRole("status").filter({ hasText: "cancelled" });
    await expect(note).toContainText("2 cancelled");
    return note;
  };
  const note = await cancelAll();
  // Its text does not touch its border.
  const pad = await note.evaluate((el) => getComputedStyle(el).paddingLeft);
  expect(parseFloat(pad)).toBeGreaterThanOrEqual(8);
  await shot(page, "bulk-result");
  await note.getByRole("button", { name: "Dismiss" }).click();
  await expect(note).toHaveCount(0);

  // A result is about the list it was made on: another filter is another list.
  await cancelAll();
  await page.getByRole("button", { name: "cancelled", exact: true }).click();
  await expect(page).toHaveURL(/status=.*cancelled/);
  await expect(page.getByRole("status").filter({ hasText: "cancelled" })).toHaveCount(0);
});
