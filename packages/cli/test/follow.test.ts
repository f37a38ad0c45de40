import { type Client, Event } from "@orchestrator/sdk";
import type { Server } from "@orchestrator/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { run, serve, start } from "./harness.ts";
import { proxy } from "./proxy.ts";

let server: Server;
let client: Client;
let env: Record<string, string>;
beforeAll(async () => ({ server, client, env } = await serve()));
afterAll(() => server?.stop());

const held = (prompt: string) => client.sessions.create({ title: "Follow me", prompt, hold: true });

describe("events --follow", { timeout: 60_000 }, () => {
  test("prints the live transitions of a session through completed, then exits 0", async () => {
    const s = await held("emit 3\nsleep 200\nsucceed done");
    const cli = start(["events", s.id, "--follow"], env);
    await cli.waitFor("session.created");
    await client.sessions.start(s.id); // only now does anything happen: the CLI sees it live
    const { code, stdout, stderr } = await cli.done;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^#1 {2}\d\d:\d\d:\d\d {2}session\.created {2}Follow me \(pending\)$/);
    expect(lines.slice(1).map((l) => l.replace(/^(#\d+) {2}\d\d:\d\d:\d\d/, "$1"))).toEqual([
      "#2  session.status  pending → queued (attempt 0)",
      "#3  session.status  queued → running (attempt 1)",
      "#4  agent.message  step 1/3",
      "#5  agent.message  step 2/3",
      "#6  agent.message  step 3/3",
      "#7  session.status  running → completed (attempt 1)",
    ]);
  });

  test("a session that fails exits 7 after printing why", async () => {
    const s = await held("emit 1\nfatal boom");
    const cli = start(["events", s.id, "--follow"], env);
    await cli.waitFor("session.created");
    await client.sessions.start(s.id);
    const { code, stdout } = await cli.done;
    expect(stdout).toMatch(/session\.status {2}running → failed \(attempt 1\) — agent_fatal: boom\n$/);
    expect(code).toBe(7);
  });

  test("following a session that has already ended prints its log and exits by its outcome", async () => {
    const s = await client.sessions.create({ title: "Done already", prompt: "fatal boom" });
    while ((await client.sessions.get(s.id)).status !== "failed") await new Promise((r) => setTimeout(r, 50));
    const { code, stdout } = await run(["events", s.id, "--follow", "--after", "100"], env);
    expect(stdout).toBe("");
    expect(code).toBe(7);
  });

  test("--json prints one event per line, each a valid Event", async () => {
    const s = await held("emit 2\nsucceed");
    const cli = start(["--json", "events", s.id, "--follow"], env);
    await cli.waitFor('"session.created"');
    await client.sessions.start(s.id);
    const { code, stdout } = await cli.done;
    expect(code).toBe(0);
    const events = stdout
      .trim()
      .split("\n")
      .map((l) => Event.parse(JSON.parse(l)));
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.at(-1)!.data).toMatchObject({ from: "running", to: "completed" });
  });

  test("Ctrl-C while following ends the stream and exits 130", async () => {
    const s = await client.sessions.create({ title: "Endless", prompt: "hang" });
    const cli = start(["events", s.id, "--follow"], env);
    await cli.waitFor("queued → running");
    cli.child.kill("SIGINT");
    expect((await cli.done).code).toBe(130);
    await client.sessions.cancel(s.id);
  });

  test("a dropped connection is resumed without losing or repeating an event", async () => {
    const net = await proxy(server.url);
    try {
      // The second batch and the completion happen while the proxy refuses connections: they can only
      // reach the CLI through the replay after it reconnects with Last-Event-ID.
      const s = await held("emit 5\nsleep 1500\nemit 5\nsucceed");
      const cli = start(["--json", "events", s.id, "--follow"], { ...env, ORCHESTRATOR_URL: net.url });
      await cli.waitFor('"session.created"');
      await client.sessions.start(s.id);
      await cli.waitFor('"step 5/5"');
      net.drop(2500);
      const { code, stdout, stderr } = await cli.done;
      expect(stderr).toMatch(/connection lost .*; reconnecting in \d+ ms from #\d+/);
      expect(net.connections()).toBeGreaterThanOrEqual(3);
      const events = stdout
        .trim()
        .split("\n")
        .map((l) => Event.parse(JSON.parse(l)));
      const seqs = events.map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
      expect(events.filter((e) => e.type === "agent.message").map((e) => e.data.text)).toEqual([
        ...[1, 2, 3, 4, 5].map((k) => `step ${k}/5`),
        ...[1, 2, 3, 4, 5].map((k) => `step ${k}/5`),
      ]);
      expect(events.at(-1)!.data).toMatchObject({ to: "completed" });
      expect(code).toBe(0);
    } finally {
      await net.close();
    }
  });
});
