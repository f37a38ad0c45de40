import { randomUUID } from "node:crypto";
import type { ConsoleMessage, WebSocket } from "@playwright/test";
import { expect, settle, shot, test } from "./fixtures.ts";

// Issue 14: an unknown session's page reconnected its socket for ever, and the key travelled in every
// socket's URL. Now the server ends such a stream with 4404 and the page stops there; the key rides in a
// subprotocol (decision 9).

for (const width of [1280, 390]) {
  test(`an unknown session at ${width} px: "not found", one socket at most, none left open after leaving`, async ({
    signedIn: page,
    server,
  }) => {
    await page.setViewportSize({ width, height: 860 });
    const id = randomUUID();
    const sockets: WebSocket[] = [];
    const errors: ConsoleMessage[] = [];
    page.on("websocket", (ws) => void (ws.url().includes(`/ws/sessions/${id}`) && sockets.push(ws)));
    page.on("console", (m) => void (m.type() === "error" && errors.push(m)));

    await page.goto(`${server.url}/sessions/${id}`);
    await expect(page.getByRole("heading", { name: "Session not found" })).toBeVisible();
    await expect(page.getByText(id)).toBeVisible();
    // Long enough for the old behaviour's reconnects (250 ms doubling) to show several attempts.
    await page.waitForTimeout(4_000);
    await shot(page, `session-not-found-${width}`);
    expect(sockets.length).toBeLessThanOrEqual(1);
    // The only errors: the browser's own line for each 404 of this session's REST reads.
    for (const e of errors) {
      expect(e.text()).toMatch(/status of 404/);
      expect(e.location().url).toContain(`/api/v1/sessions/${id}`);
    }

    await page.getByRole("link", { name: "All sessions" }).click();
    await expect(page.getByRole("heading", { name: "Sessions", exact: true })).toBeVisible();
    await page.waitForTimeout(1_000);
    expect(sockets.filter((ws) => !ws.isClosed())).toEqual([]);
    expect(sockets.length).toBeLessThanOrEqual(1);
  });
}

test("the Control Room never puts the key in a URL: not in a request, not in a socket", async ({
  signedIn: page,
  server,
}) => {
  const urls: string[] = [];
  page.on("request", (r) => void urls.push(r.url()));
  page.on("websocket", (ws) => void urls.push(ws.url()));
  const { body } = await server.api("/api/v1/sessions", {
    json: { title: "keyless urls", prompt: "emit 3 hello\nsucceed", capabilities: ["scripted"] },
  });
  await settle(server, body.id, ["completed"]);

  // A cold session link (its early requests and socket), then the app's other pages.
  await page.goto(`${server.url}/sessions/${body.id}`);
  await expect(page.getByTestId("timeline")).toContainText("hello 3/3");
  await expect(page.locator("[data-stream]")).toHaveAttribute("data-stream", "live");
  await expect(page.locator("[data-connection]").first()).toHaveAttribute("data-connection", "live");
  for (const [link, heading] of [
    ["Overview", "System overview"],
    ["Sessions", "Sessions"],
    ["Agents", "Agent marketplace"],
  ]) {
    await page.getByRole("link", { name: link }).first().click();
    await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
  }

  const sockets = urls.filter((u) => u.startsWith("ws"));
  expect(sockets.length).toBeGreaterThanOrEqual(2); // the tenant's stream and the session's
  const secret = server.key.split("_").slice(2).join("_");
  const leaked = urls.filter((u) => u.includes(secret) || /access_token|io_[0-9a-f]{12}_/.test(u));
  expect(leaked).toEqual([]);
});
