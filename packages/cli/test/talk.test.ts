import { Agent } from "@orchestrator/agent-sdk";
import type { Client } from "@orchestrator/sdk";
import type { Server } from "@orchestrator/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hint } from "../src/talk.ts";
import { run, serve, startTty } from "./harness.ts";

// Talking to an external (EAP) agent from the terminal: its question is answered with `approve --answer`
// by session id, and `send` to the ended session opens a new round the agent reads.
let server: Server;
let client: Client;
let env: Record<string, string>;
let agent: Agent;
let listener: Agent;
beforeAll(async () => {
  ({ server, client, env } = await serve({
    agents: { heartbeatIntervalMs: 300, heartbeatTtlMs: 3000, ackMs: 3000 },
  }));
  agent = new Agent({
    url: server.url,
    apiKey: server.adminKey!,
    name: "cli-talk",
    capabilities: ["x-cli-talk"],
    log: () => {},
  }).handle(async (task, ctx) => {
    const last = task.messages.at(-1);
    if (last) return `again: ${last.text}`;
    return `chose ${await ctx.ask({ question: "Which database?", options: [{ label: "PostgreSQL" }, { label: "SQLite" }] })}`;
  });
  await agent.start();
  // Waits for a person's message while it runs, and says what it heard.
  listener = new Agent({
    url: server.url,
    apiKey: server.adminKey!,
    name: "cli-listen",
    capabilities: ["x-cli-listen"],
    log: () => {},
  }).handle(async (_task, ctx) => {
    const text = await new Promise<string>((resolve) => ctx.onMessage((m) => resolve(m.text)));
    await ctx.message(`heard: ${text}`);
    return `heard: ${text}`;
  });
  await listener.start();
}, 60_000);
afterAll(async () => {
  await listener?.stop({ drain: false });
  await agent?.stop({ drain: false });
  await server?.stop();
});

async function until<T>(check: () => Promise<T | null | undefined>, ms = 20_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const v = await check();
    if (v) return v;
  }
  throw new Error("timed out");
}

describe("conversation with an EAP agent", { timeout: 60_000 }, () => {
  test("approve <session> --answer answers its question; send opens a new round it reads", async () => {
    const s = await client.sessions.create({
      title: "db",
      prompt: "set up the database",
      capabilities: ["x-cli-talk"],
    });
    await until(async () => (await client.sessions.get(s.id)).status === "waiting");
    const shown = await run(["approvals", "show", s.id], env);
    expect(shown.stdout).toContain("Which database?");
    expect(shown.stdout).toContain("SQLite");
    const answered = await run(["approve", s.id, "--answer", "2"], env);
    expect(answered.stderr).toBe("");
    expect(answered.code).toBe(0);
    const done = await until(async () => {
      const r = await client.sessions.get(s.id);
      return r.status === "completed" ? r : null;
    });
    expect((done.result as { output: string }).output).toBe("chose SQLite");

    const sent = await run(["send", s.id, "now", "add", "an", "index", "--follow"], env);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain("for round 2");
    const round = await client.sessions.get(s.id);
    expect(round).toMatchObject({ status: "completed", retries: 1 });
    expect((round.result as { output: string }).output).toBe("again: now add an index");
  });
});

describe("from the terminal", { timeout: 60_000 }, () => {
  test("run sends what is typed while it streams to the running agent", async () => {
    const cli = startTty(["run", "listen for a message", "--capability", "x-cli-listen"], env);
    await cli.waitFor(hint);
    await cli.waitFor("● running");
    cli.child.stdin!.write("use the existing helper\r");
    await cli.waitFor("→ sent: the agent reads it at its next turn");
    const { code, stdout } = await cli.done;
    expect(code, stdout).toBe(0);
    expect(stdout).toContain("  heard: use the existing helper\n");
    const id = /▶ .* {2}([0-9a-f-]{36})/.exec(stdout)![1]!;
    const messages = await client.sessions.messages(id);
    expect(messages.map((m) => m.text)).toEqual(["use the existing helper"]);
  });

  test("answer <session> <words> replies to its question in words", async () => {
    const s = await client.sessions.create({
      title: "db",
      prompt: "set up the database",
      capabilities: ["x-cli-talk"],
    });
    await until(async () => (await client.sessions.get(s.id)).status === "waiting");
    const wrong = await run(["answer", s.id], env);
    expect(wrong.code).not.toBe(0);
    const answered = await run(["answer", s.id, "sqlite"], env);
    expect(answered.stderr).toBe("");
    expect(answered.stdout).toContain(`✓ answered: SQLite  Which database?  (session ${s.id})`);
    const done = await until(async () => {
      const r = await client.sessions.get(s.id);
      return r.status === "completed" ? r : null;
    });
    expect((done.result as { output: string }).output).toBe("chose SQLite");
  });
});
