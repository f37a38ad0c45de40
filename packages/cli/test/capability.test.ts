import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { Client } from "@orchestrator/sdk";
import type { Server } from "@orchestrator/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { run, serve } from "./harness.ts";

// A custom capability from the terminal: the SDK's echo example advertises `x-echo`, and a task that asks
// for it goes to it, with no repository involved.
const root = path.resolve(import.meta.dirname, "../../..");
let server: Server;
let client: Client;
let env: Record<string, string>;
let agent: ChildProcess | undefined;
beforeAll(async () => {
  ({ server, client, env } = await serve());
  agent = spawn(process.execPath, ["--import", "tsx", "examples/echo-agent/index.ts"], {
    cwd: root,
    env: { ...process.env, ...env, EAP_NAME: "cli-echo", EAP_MODE: "pull" },
    stdio: "ignore",
  });
  for (const end = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 200))) {
    const echo = (await client.agents.list()).find((a) => a.name === "cli-echo");
    if (echo?.status === "online") break;
    if (Date.now() > end) throw new Error("the echo example did not come online");
  }
}, 60_000);
afterAll(async () => {
  agent?.kill("SIGKILL");
  await server?.stop();
});

test("run --capability x-echo goes to the agent that advertises it", async () => {
  const r = await run(["run", "hello from the terminal", "--capability", "x-echo"], env);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("echo: hello from the terminal");
  expect(r.stdout).toContain("● completed");
  const id = /▶ .* {2}([0-9a-f-]{36})/.exec(r.stdout)![1]!;
  const s = await client.sessions.get(id);
  expect(s).toMatchObject({ capabilities: ["x-echo"], status: "completed", workspace: null });
  expect(s.result).toMatchObject({ output: { echo: "hello from the terminal" } });
}, 60_000);

test("sessions create --capability, repeated, asks for each; a word the server does not know is refused", async () => {
  const made = await run(
    ["--json", "sessions", "create", "--title", "two", "--prompt", "p", "--hold"].concat([
      "--capability",
      "x-echo",
      "--capability",
      "testing",
    ]),
    env,
  );
  expect(made.code).toBe(0);
  expect(JSON.parse(made.stdout).capabilities).toEqual(["x-echo", "testing"]);
  const bad = await run(["run", "hi", "--capability", "Python"], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("capabilities.0");
  expect(bad.stderr).toContain("unknown capability");
}, 60_000);
