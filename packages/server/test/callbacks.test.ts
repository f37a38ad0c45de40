import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from "vitest";
import { start } from "../src/agent/opencode/process.ts";
import { type TestServer, serve, until } from "./harness.ts";

// Callbacks that run outside any request (a driver's notification, a child process's events) catch what
// they throw: nothing escapes into the event loop, where it would end the process (issue 14).
let s: TestServer;
const escaped: unknown[] = [];
const note = (err: unknown) => escaped.push(err);
beforeAll(async () => {
  s = await serve({ engine: { enabled: false } as never });
});
afterAll(() => s?.stop());
beforeEach(() => {
  escaped.length = 0;
  process.on("uncaughtException", note);
  process.on("unhandledRejection", note);
});
afterEach(() => {
  process.off("uncaughtException", note);
  process.off("unhandledRejection", note);
});

test("a LISTEN handler that throws is contained, and notifications keep arriving", async () => {
  const heard: string[] = [];
  const offBad = await s.deps.db.listen("approval", () => {
    throw new Error("a handler's bug");
  });
  const offGood = await s.deps.db.listen("approval", (p) => void heard.push(p));
  await s.deps.db.notify([["approval", "one"]]);
  await until(async () => heard.includes("one"), 5_000, "the first notification");
  await s.deps.db.notify([["approval", "two"]]);
  await until(async () => heard.includes("two"), 5_000, "a notification after the failure");
  await offBad();
  await offGood();
  expect(escaped).toEqual([]);
  expect((await s.api("/health/live")).status).toBe(200);
});

test("an agent binary that cannot be started is a failed start, not an uncaught error event", async () => {
  const home = mkdtempSync(path.join(tmpdir(), "io-nobin-"));
  try {
    const started = start({
      home,
      cwd: home,
      config: {},
      binary: path.join(home, "no-such-opencode"),
      readyMs: 5_000,
    });
    await expect(started).rejects.toThrow(/ENOENT|exited before it was ready/);
    await new Promise((r) => setTimeout(r, 100));
    expect(escaped).toEqual([]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
