import { expect, settle, shot, test } from "./fixtures.ts";

// The attention count in the tab title and the opt-in browser notifications, against a real server. The
// title counts items, so this file's server is its own.
test.use({ ownServer: "notify" });

const plain = "Control Room · Industrial Orchestrator";

test("the tab title counts what needs a person, live; Notify me shows a notification for each new item", async ({
  signedIn: page,
  server,
  context,
}) => {
  await context.grantPermissions(["notifications"], { origin: server.url });
  // Chromium's own Notification, recorded as the page makes them (a test cannot see the desktop's).
  await page.addInitScript(() => {
    const seen: Notification[] = [];
    (window as any).notes = seen;
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        seen.push(this);
      }
    } as typeof Notification;
  });
  await page.goto(server.url);
  await expect(page.getByRole("heading", { name: "System overview" })).toBeVisible();
  await expect(page).toHaveTitle(plain);

  const notify = page.locator(".side-foot").getByRole("button", { name: "Notify me" });
  await notify.click();
  await expect(page.locator(".side-foot [data-notify]")).toHaveAttribute("data-notify", "on");
  await expect(page.locator(".side-foot [data-notify]")).toHaveText("Notifying");

  // A session fails: the title says so without a reload, and a notification says what and where.
  const { body } = await server.api("/api/v1/sessions", {
    json: { title: "breaks on purpose", prompt: "fatal broken on purpose", capabilities: ["scripted"] },
  });
  await settle(server, body.id, ["failed"]);
  await expect(page).toHaveTitle(`(1) ${plain}`);
  const notes = () =>
    page.evaluate(() => (window as any).notes.map((n: Notification) => ({ title: n.title, body: n.body })));
  await expect
    .poll(notes)
    .toEqual([{ title: "Needs a person: failed", body: expect.stringContaining("breaks on purpose") }]);
  await shot(page, "notify-on");

  // Clicking it opens where the item is shown.
  await page.evaluate(() => (window as any).notes[0].onclick());
  await expect(page).toHaveURL(new RegExp(`/sessions/${body.id}$`));
  await expect(page.getByRole("heading", { name: "breaks on purpose" })).toBeVisible();

  // A second one counts and notifies too; the first is not announced again.
  const two = await server.api("/api/v1/sessions", {
    json: { title: "breaks again", prompt: "fatal broken again", capabilities: ["scripted"] },
  });
  await settle(server, two.body.id, ["failed"]);
  await expect(page).toHaveTitle(`(2) ${plain}`);
  await expect
    .poll(async () => (await notes()).map((n: { title: string; body: string }) => n.body))
    .toEqual([expect.stringContaining("breaks on purpose"), expect.stringContaining("breaks again")]);

  // Reviewing one takes it out of the queue, and out of the title.
  await server.api(`/api/v1/sessions/${body.id}/review`, { method: "POST" });
  await expect(page).toHaveTitle(`(1) ${plain}`);

  // Turned off, it stays off across a reload.
  await page.locator(".side-foot [data-notify]").click();
  await expect(page.locator(".side-foot [data-notify]")).toHaveText("Notify me");
  await page.reload();
  await expect(page.locator(".side-foot [data-notify]")).toHaveAttribute("data-notify", "off");

  // On a phone the control is in the menu.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("button", { name: "Menu" }).click();
  await expect(page.getByRole("button", { name: "Notify me" })).toBeVisible();
  await shot(page, "notify-phone");
});

test("a browser that refuses notifications leaves the control saying so", async ({
  signedIn: page,
  server,
}) => {
  await page.goto(server.url);
  await expect(page.getByRole("heading", { name: "System overview" })).toBeVisible();
  // No permission granted: headless Chromium answers the request with a refusal.
  await page.locator(".side-foot").getByRole("button", { name: "Notify me" }).click();
  await expect(page.locator(".side-foot [data-notify]")).toHaveAttribute("data-notify", "blocked");
  await expect(page.locator(".side-foot [data-notify]")).toBeDisabled();
  await expect(page.locator(".side-foot [data-notify]")).toHaveAttribute(
    "title",
    /allow them in the browser/,
  );
});
