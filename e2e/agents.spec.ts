import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { SdkAgent } from "../packages/server/test/a2a-agent.ts";
import { expect, shot, test, ttlMs } from "./fixtures.ts";
import { childEnv } from "./config.ts";

test("register an EAP agent: the token shows once, the SDK example connects with it, its card goes online, then offline when killed", async ({
  signedIn: page,
  server,
}) => {
  await page.goto(`${server.url}/agents`);
  await page.getByRole("button", { name: "+ Connect agent" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("e2e-echo");
  await dialog.getByLabel("Custom capabilities").fill("x-echo");
  await dialog.getByRole("button", { name: "Register agent" }).click();
  const token = (await dialog.locator("[data-secret=token]").textContent())!.trim();
  const secret = (await dialog.locator("[data-secret=secret]").textContent())!.trim();
  const agentId = (await dialog.locator("[data-agent-id]").textContent())!.trim();
  expect(token).toMatch(/\S{20,}/);
  await expect(dialog).toContainText("EAP_CREDENTIALS=agent.json");
  await shot(page, "agent-registered");
  await dialog.getByRole("button", { name: "I saved them — close" }).click();

  // Shown once: nothing on the page or from the API carries the token afterwards.
  await expect(page.getByText(token)).toHaveCount(0);
  expect(JSON.stringify((await server.api(`/api/v1/agents/${agentId}`)).body)).not.toContain(token);
  const card = page.locator("[data-agent=e2e-echo]");
  await expect(card).toHaveAttribute("data-status", "offline");

  // The SDK's example agent, as its own process, with the credentials the dialog gave.
  const creds = path.join(server.dir, "agent.json");
  writeFileSync(creds, JSON.stringify({ agentId, token, secret }), { mode: 0o600 });
  const agent: ChildProcess = spawn("npx", ["tsx", "examples/echo-agent/index.ts"], {
    env: {
      ...childEnv,
      ORCHESTRATOR_URL: server.url,
      EAP_CREDENTIALS: creds,
      EAP_MODE: "pull",
      ORCHESTRATOR_API_KEY: "",
    },
    stdio: "inherit",
    detached: true,
  });
  try {
    await expect(card).toHaveAttribute("data-status", "online", { timeout: 30_000 });
    await expect(card.locator("[data-heartbeat]")).toContainText("ago");
    await shot(page, "agents");
    // It takes work: a session asking for x-echo is routed to it.
    const s = await server.api("/api/v1/sessions", {
      json: { title: "echo this", prompt: "hello", capabilities: ["x-echo"] },
    });
    await page.goto(`${server.url}/sessions/${s.body.id}`);
    await expect(page.getByTestId("timeline")).toContainText("echo: hello");
    await expect(page.locator("[data-why]")).toContainText("e2e-echo");
    await page.goto(`${server.url}/agents`);
  } finally {
    process.kill(-agent.pid!, "SIGKILL"); // killed, not stopped: it cannot deregister
  }
  const killed = Date.now();
  await expect(card).toHaveAttribute("data-status", "offline", { timeout: ttlMs + 10_000 });
  expect(Date.now() - killed).toBeLessThan(ttlMs + 5_000);

  // Its page has the diagnostics.
  await card.getByRole("link", { name: "e2e-echo" }).click();
  await expect(page.getByRole("heading", { name: /e2e-echo/ })).toBeVisible();
  await expect(page.locator("#beats-t")).toContainText("Heartbeats");
  await expect(page.getByRole("table")).toContainText("echo this");
  await shot(page, "agent-diagnostics");
});

test("connect an A2A agent by its card: previewed before saving, then listed and given work", async ({
  signedIn: page,
  server,
}) => {
  const remote = new SdkAgent();
  const cardUrl = await remote.start({ streaming: true, skills: [{ id: "echo", tags: ["testing"] }] });
  try {
    await page.goto(`${server.url}/agents`);
    await page.getByRole("button", { name: "+ Connect agent" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "A2A agent (agent card)" }).click();
    // A card that is not there is refused in place, naming the problem.
    await dialog.getByLabel("Agent card URL").fill(`${remote.url}/nothing.json`);
    await dialog.getByRole("button", { name: "Preview" }).click();
    await expect(dialog.getByRole("alert").or(dialog.locator(".field .err"))).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Register" })).toBeDisabled();

    await dialog.getByLabel("Agent card URL").fill(cardUrl);
    await dialog.getByRole("button", { name: "Preview" }).click();
    const preview = dialog.locator("[data-preview]");
    await expect(preview).toContainText("sdk-echo");
    await expect(preview).toContainText("v1.2.3");
    await expect(preview).toContainText("testing");
    // Nothing is saved by a preview.
    expect((await server.api("/api/v1/agents?kind=a2a")).body.items).toHaveLength(0);
    await shot(page, "a2a-preview");
    await dialog.getByRole("button", { name: "Register" }).click();
    await expect(dialog).toBeHidden();
    const card = page.locator("[data-agent=sdk-echo]");
    await expect(card).toHaveAttribute("data-status", "online");

    const caps = (await server.api("/api/v1/agents?kind=a2a")).body.items[0].capabilities;
    const s = await server.api("/api/v1/sessions", {
      json: { title: "to a2a", prompt: "hello a2a", capabilities: caps },
    });
    await page.goto(`${server.url}/sessions/${s.body.id}`);
    await expect(page.locator(".page-head [data-status=completed]")).toBeVisible();
    await expect(page.getByTestId("timeline")).toContainText("hello a2a");
  } finally {
    remote.stop();
  }
});
