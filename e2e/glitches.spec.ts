import type { Locator, Page } from "@playwright/test";
import { expect, gitRepo, settle, shot, test } from "./fixtures.ts";

// The scripted agent is shared by every file on a worker's server: the one-point chart must hold one attempt.
test.use({ ownServer: "glitches" });

test("a first visit without a key asks for nothing it would be refused, and logs no error", async ({
  page,
  server,
}) => {
  const errors: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
  const refused: string[] = [];
  page.on("response", (r) => void (r.status() === 401 && refused.push(new URL(r.url()).pathname)));
  await page.goto(server.url);
  await expect(page.getByRole("heading", { name: "Control Room sign-in" })).toBeVisible();
  // A shared session link, opened by someone not signed in yet.
  await page.goto(`${server.url}/sessions/00000000-0000-4000-8000-000000000000`);
  await expect(page.getByRole("heading", { name: "Control Room sign-in" })).toBeVisible();
  expect(refused).toEqual([]);
  expect(errors).toEqual([]);
  // Signing in still checks the key, and a wrong one is refused in place.
  await page.getByLabel("API key").fill(server.key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Session" })).toBeVisible();
});

/** The box of the chart's coloured pixels (its marks), in CSS pixels of the element. */
async function marks(page: Page, el: Locator) {
  const png = (await el.screenshot()).toString("base64");
  return page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const img = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
    const ctx = new OffscreenCanvas(img.width, img.height).getContext("2d")!;
    ctx.drawImage(img, 0, 0);
    const { data } = ctx.getImageData(0, 0, img.width, img.height);
    let [top, left, bottom, right] = [Infinity, Infinity, -1, -1];
    for (let y = 0; y < img.height; y++)
      for (let x = 0; x < img.width; x++) {
        const [r, g, b] = data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3);
        // A tone, not the near-black card nor the grey baseline.
        if (Math.max(r!, g!, b!) - Math.min(r!, g!, b!) < 60) continue;
        [top, left, bottom, right] = [
          Math.min(top, y),
          Math.min(left, x),
          Math.max(bottom, y),
          Math.max(right, x),
        ];
      }
    return { top, left, width: right - left + 1, height: bottom - top + 1, chart: img.height };
  }, png);
}

test("a latency chart with one attempt shows one whole, square point", async ({ signedIn: page, server }) => {
  const r = await server.api("/api/v1/sessions", {
    json: { title: "one point", prompt: "sleep 300\nsucceed", capabilities: ["scripted"] },
  });
  await settle(server, r.body.id, ["completed"]);
  const scripted = (await server.api("/api/v1/agents")).body.items.find((a: any) => a.name === "scripted");
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${server.url}/agents/${scripted.id}`);
    const chart = page.locator("section[aria-labelledby=latency-t] svg");
    await expect(page.locator("#latency-t")).toContainText("last 1 attempt");
    const m = await marks(page, chart);
    // Not clipped by the chart's top edge, and not stretched with the chart's width.
    expect(m.top, JSON.stringify(m)).toBeGreaterThan(0);
    expect(m.top + m.height, JSON.stringify(m)).toBeLessThan(m.chart);
    expect(m.height, JSON.stringify(m)).toBeGreaterThanOrEqual(7);
    expect(Math.abs(m.width - m.height), JSON.stringify(m)).toBeLessThanOrEqual(1);
    await shot(page, `one-point-${width}`);
  }
});

// A real OpenCode with the demo model (a scripted fake LLM, not an AI) on a real git repository.
const prompt = (steps: unknown[]) => `Do it.\nFAKE_SCRIPT: ${JSON.stringify(steps)}`;

test("the Changes header stays one line where it fits, keeps +N −M together, and offers views only of a patch", async ({
  signedIn: page,
  server,
}) => {
  const repo = gitRepo(server, "diff-repo", { "README.md": "# demo\n" });
  const lines = Array.from({ length: 8 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
  const changed = await server.api("/api/v1/sessions", {
    json: {
      title: "eight lines",
      profile: "demo",
      workspace: { repo },
      prompt: prompt([
        { tool: "write", args: { filePath: "notes.txt", content: lines.slice(0, 42) } },
        { tool: "write", args: { filePath: "more.txt", content: lines.slice(42) } },
        { text: "wrote them" },
      ]),
    },
  });
  const unchanged = await server.api("/api/v1/sessions", {
    json: {
      title: "nothing to change",
      profile: "demo",
      workspace: { repo },
      prompt: prompt([{ text: "all good" }]),
    },
  });
  await settle(server, changed.body.id, ["completed"], 120_000);
  await settle(server, unchanged.body.id, ["completed"], 120_000);

  for (const width of [1440, 1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${server.url}/sessions/${changed.body.id}`);
    const title = page.locator("#diff-t");
    await expect(title).toContainText("2 files");
    const counts = title.getByText("+8 −0");
    // The counts never split over two lines.
    const rows = await counts.evaluate((el) => Array.from(el.getClientRects()).map((r) => Math.round(r.top)));
    expect(new Set(rows).size, `width ${width}`).toBe(1);
    const unified = page.getByRole("button", { name: "Unified" });
    const split = page.getByRole("button", { name: "Split" });
    const [u, s, t] = [await unified.boundingBox(), await split.boundingBox(), await title.boundingBox()];
    expect(s!.y, `width ${width}`).toBe(u!.y); // Split keeps its row
    if (width >= 1280) expect(Math.abs(u!.y + u!.height / 2 - (t!.y + t!.height / 2))).toBeLessThan(4);
    await shot(page, `diff-header-${width}`);
  }
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${server.url}/sessions/${unchanged.body.id}`);
    await expect(page.locator("#diff-t")).toContainText("0 files");
    await expect(page.getByText("The session changed no files.")).toBeVisible();
    await expect(page.getByRole("button", { name: "Unified" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Split" })).toHaveCount(0);
  }
});
