import { Agent } from "@orchestrator/agent-sdk";
import type { Client } from "@orchestrator/sdk";
import type { Server } from "@orchestrator/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { run, serve } from "./harness.ts";

// Talking to an external (EAP) agent from the terminal: its question is answered with `approve --answer`
// by session id, and `send` to the ended session opens a new round the agent reads.
let server: Server;
let client: Client;
let env: Record<string, string>;
let agent: Agent;
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
}, 60_000);
afterAll(async () => {
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
