import { createHmac } from "node:crypto";
import { type IncomingHttpHeaders, type Server as HttpServer, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import AxeBuilder from "@axe-core/playwright";
import { expect, settle, shot, test } from "./fixtures.ts";

// The receiver is on loopback, which the SSRF guard refuses unless the operator allows it.
test.use({ serverEnv: { ORCHESTRATOR_WEBHOOK_ALLOW_HOSTS: "127.0.0.1" } });

interface Got {
  headers: IncomingHttpHeaders;
  body: string;
}
const got: Got[] = [];
const answers: number[] = [];
let receiver: HttpServer;
let url = "";
test.beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/chat`;
});
test.afterAll(() => void receiver?.close());

const signed = (secret: string, g: Got) => {
  const [, t, v1] = /t=(\d+),v1=([0-9a-f]{64})/.exec(String(g.headers["x-orchestrator-signature"])) ?? [];
  return v1 === createHmac("sha256", secret).update(`${t}.${g.body}`).digest("hex");
};

test("add a webhook, keep its secret, test it, watch deliveries, remove it", async ({
  signedIn: page,
  server,
}) => {
  await page.goto(`${server.url}/webhooks`);
  await expect(page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
  await expect(page.getByText("No webhooks yet")).toBeVisible();

  await page.getByRole("button", { name: "+ Add webhook" }).click();
  const dialog = page.getByRole("dialog");
  // The server's SSRF refusal lands on the URL field.
  await dialog.getByLabel("URL").fill("http://169.254.169.254/latest/meta-data");
  await dialog.getByRole("button", { name: "Add webhook" }).click();
  await expect(dialog.getByLabel("URL")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog).toContainText("169.254.169.254");

  await dialog.getByLabel("URL").fill(url);
  await dialog.getByLabel("Description").fill("#team-agents");
  await dialog.getByRole("checkbox", { name: /session\.completed/ }).check();
  await dialog.getByRole("button", { name: "Add webhook" }).click();
  await expect(dialog.getByRole("heading", { name: "Webhook added: save its secret" })).toBeVisible();
  const secret = (await dialog.locator("[data-secret=webhook]").textContent())!.trim();
  expect(secret).toMatch(/^whsec_/);
  await shot(page, "webhooks-secret");
  await dialog.getByRole("button", { name: "Done" }).click();

  await page.getByRole("button", { name: "Send test" }).click();
  await expect(page.locator("[data-test-result]")).toHaveText("Test delivered: HTTP 200");
  expect(JSON.parse(got.at(-1)!.body)).toMatchObject({ type: "ping" });
  expect(signed(secret, got.at(-1)!)).toBe(true);

  const session = await server.api("/api/v1/sessions", {
    json: { title: "Shipped from the browser test", prompt: "succeed", capabilities: ["scripted"] },
  });
  await settle(server, session.body.id, ["completed"]);
  const rows = page.getByRole("table", { name: "Deliveries" }).locator("tbody tr");
  await expect(rows.filter({ hasText: "session.completed" })).toContainText("delivered");
  const completed = got.find((g) => g.headers["x-orchestrator-event"] === "session.completed")!;
  expect(JSON.parse(completed.body).text).toContain('Session "Shipped from the browser test" completed');
  expect(signed(secret, completed)).toBe(true);

  answers.push(500);
  await page.getByRole("button", { name: "Send test" }).click();
  await expect(page.locator("[data-test-result]")).toHaveText("Test not delivered: HTTP 500");
  await expect(rows.first()).toContainText("failed");

  const scan = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  expect(scan.violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
  await shot(page, "webhooks-page");
  // At a phone's width the list, the actions and the deliveries stack, each row a card.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole("button", { name: "Send test" })).toBeVisible();
  await shot(page, "webhooks-phone");
  await page.setViewportSize({ width: 1280, height: 860 });

  await page.getByRole("button", { name: "Remove" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
  await expect(page.getByText("No webhooks yet")).toBeVisible();
  expect((await server.api("/api/v1/webhooks")).body.items).toEqual([]);
});
