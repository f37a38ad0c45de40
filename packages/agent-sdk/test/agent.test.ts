import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Agent, TaskFailed, sign } from "@orchestrator/agent-sdk";
import { type TestServer, create, events, serve, settle, until } from "../../server/test/harness.ts";

const root = path.resolve(import.meta.dirname, "../../..");
let s: TestServer;
const stops: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  s = await serve({
    config: {
      agents: { heartbeatIntervalMs: 300, heartbeatTtlMs: 2000, ackMs: 2000, allowHosts: ["127.0.0.1"] },
    },
  });
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await s?.stop();
});

/** Run an example as its own process, the way its header says to. */
function example(name: string, env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", `examples/${name}/index.ts`], {
    cwd: root,
    env: { ...process.env, ORCHESTRATOR_URL: s.url, ORCHESTRATOR_API_KEY: s.key, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", (c) => (out += c));
  stops.push(async () => child.exitCode === null && child.kill("SIGKILL"));
  return Object.assign(child, { output: () => out });
}

const agentNamed = async (name: string) =>
  (await s.api(`/api/v1/agents`)).body.items.find((a: any) => a.name === name);

describe("agent SDK", () => {
  test("the echo example registers and completes sessions routed to it, then drains on SIGTERM", async () => {
    const child = example("echo-agent", { EAP_NAME: "echo-example" });
    await until(async () => (await agentNamed("echo-example"))?.status === "online", 20_000, "echo online");
    const made = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => create(s, { prompt: `hello ${i}`, capabilities: ["x-echo"] })),
    );
    for (const [i, m] of made.entries()) {
      const done = await settle(s, m.id, ["completed", "failed"], 15_000);
      expect(done.status).toBe("completed");
      expect(done.result.output).toEqual({ echo: `hello ${i + 1}` });
      const evs = await events(s, m.id);
      const claim = evs.find((e: any) => e.type === "session.status" && e.data.event === "claim");
      expect(claim.data.agent.name).toBe("echo-example");
      expect(JSON.stringify(evs)).toContain(`echo: hello ${i + 1}`);
    }
    child.kill("SIGTERM");
    const code = await new Promise((r) => child.once("exit", r));
    expect(code, child.output()).toBe(0);
    // Drained and deregistered: gone from the registry.
    await until(async () => !(await agentNamed("echo-example")), 10_000, "echo deregistered");
  }, 60_000);

  test("the shell example streams a command's output; a failing command fails without a retry", async () => {
    example("shell-agent", { EAP_NAME: "shell-example", EAP_MODE: "push" });
    await until(async () => (await agentNamed("shell-example"))?.status === "online", 20_000, "shell online");
    const ok = await create(s, { prompt: "echo one; echo two", capabilities: ["x-shell"] });
    const done = await settle(s, ok.id, ["completed", "failed"], 15_000);
    expect(done.status).toBe("completed");
    expect(done.result.output).toBe("one\ntwo\n");
    expect(done.result.artifacts["stdout.txt"]).toBe("one\ntwo\n");
    const logs = (await events(s, ok.id))
      .filter((e: any) => e.type === "agent.log")
      .map((e: any) => e.data.text);
    expect(logs.join("")).toBe("one\ntwo\n");
    const bad = await create(s, {
      prompt: "echo oops >&2; exit 3",
      capabilities: ["x-shell"],
      maxAttempts: 3,
    });
    const failed = await settle(s, bad.id, ["completed", "failed"], 15_000);
    expect(failed.status).toBe("failed");
    expect(failed.error.message).toContain("exit 3");
    expect(failed.attempt).toBe(1);
  }, 60_000);

  test("stream: the echo example over the gRPC stream; a cancel reaches the handler", async () => {
    const child = example("echo-agent", {
      EAP_NAME: "echo-stream",
      EAP_MODE: "stream",
      ORCHESTRATOR_GRPC: s.grpc!,
    });
    await until(async () => (await agentNamed("echo-stream"))?.status === "online", 20_000, "stream online");
    expect((await agentNamed("echo-stream")).mode).toBe("stream");
    const m = await create(s, { prompt: "over the stream", capabilities: ["x-echo"] });
    const done = await settle(s, m.id, ["completed", "failed"], 15_000);
    expect(done.result.output).toEqual({ echo: "over the stream" });
    expect(JSON.stringify(await events(s, m.id))).toContain("echo: over the stream");
    child.kill("SIGTERM");
    expect(await new Promise((r) => child.once("exit", r)), child.output()).toBe(0);

    let aborted: unknown = null;
    const agent = new Agent({
      url: s.url,
      apiKey: s.key,
      name: "sdk-stream",
      capabilities: ["x-sdk-stream"],
      mode: "stream",
      grpc: s.grpc!,
      log: () => {},
    }).handle(async (task, ctx) => {
      await ctx.checkpoint({ step: 1 });
      await new Promise((r) => task.signal.addEventListener("abort", r));
      aborted = task.signal.reason;
    });
    stops.push(() => agent.stop({ drain: false }));
    await agent.start();
    const w = await create(s, { prompt: "wait", capabilities: ["x-sdk-stream"] });
    await until(async () => (await s.api(`/api/v1/sessions/${w.id}`)).body.checkpoint, 5000, "checkpoint");
    await s.api(`/api/v1/sessions/${w.id}/cancel`, { method: "POST", json: {} });
    await until(async () => aborted, 5000, "handler aborted");
    expect(aborted).toBe("cancelled");
  }, 60_000);

  test("push: assignments are verified; a forged one is refused, a real one runs", async () => {
    const seen: string[] = [];
    const agent = new Agent({
      url: s.url,
      apiKey: s.key,
      name: "sdk-push",
      capabilities: ["x-sdk-push"],
      mode: "push",
      log: () => {},
    }).handle(async (task, ctx) => {
      seen.push(task.input);
      await ctx.progress(1, 1);
      return `done: ${task.input}`;
    });
    stops.push(() => agent.stop({ drain: false }));
    const c = await agent.start();
    const endpoint = agent.endpoint!;
    const body = JSON.stringify({ task_id: crypto.randomUUID(), attempt: 1 });
    const ts = Math.floor(Date.now() / 1000);
    const forged = await fetch(`${endpoint}/task`, {
      method: "POST",
      headers: {
        "x-eap-agent": c.agentId,
        "x-eap-timestamp": String(ts),
        "x-eap-signature": sign("wrong", ts, body),
      },
      body,
    });
    expect(forged.status).toBe(401);
    const stale = await fetch(`${endpoint}/task`, {
      method: "POST",
      headers: {
        "x-eap-agent": c.agentId,
        "x-eap-timestamp": String(ts - 3600),
        "x-eap-signature": sign(c.secret!, ts - 3600, body),
      },
      body,
    });
    expect(stale.status).toBe(401);
    expect(seen).toEqual([]);
    const m = await create(s, { prompt: "pushed", capabilities: ["x-sdk-push"] });
    const done = await settle(s, m.id, ["completed", "failed"], 15_000);
    expect(done.result.output).toBe("done: pushed");
    expect(seen).toEqual(["pushed"]);
  });

  test("a cancel reaches the running handler through its signal; a handler's TaskFailed is reported", async () => {
    let aborted: unknown = null;
    const agent = new Agent({
      url: s.url,
      apiKey: s.key,
      name: "sdk-cancel",
      capabilities: ["x-sdk-cancel"],
      log: () => {},
    }).handle(async (task) => {
      if (task.input === "fail") throw new TaskFailed("no good", { retryable: false });
      await new Promise((r) => task.signal.addEventListener("abort", r));
      aborted = task.signal.reason;
    });
    stops.push(() => agent.stop({ drain: false }));
    await agent.start();
    const m = await create(s, { prompt: "wait", capabilities: ["x-sdk-cancel"] });
    await settle(s, m.id, ["running"]);
    await until(async () => agent.load === 1, 5000, "task taken");
    expect((await s.api(`/api/v1/sessions/${m.id}/cancel`, { method: "POST", json: {} })).status).toBe(200);
    await until(async () => aborted, 5000, "handler aborted");
    expect(aborted).toBe("cancelled");
    const f = await create(s, { prompt: "fail", capabilities: ["x-sdk-cancel"], maxAttempts: 3 });
    const failed = await settle(s, f.id, ["failed"], 10_000);
    expect(failed.error).toMatchObject({ code: "agent_failed", message: "no good" });
    expect(failed.attempt).toBe(1);
  });

  test("ctx.shared: a plan's agent counts in the plan's context and adds a task, which another attempt runs", async () => {
    const agent = new Agent({
      url: s.url,
      apiKey: s.key,
      name: "sdk-shared",
      capabilities: ["x-sdk-shared"],
      mode: "stream",
      grpc: s.grpc!,
      log: () => {},
    }).handle(async (task, ctx) => {
      const shared = ctx.shared!;
      await shared.patch([{ op: "increment", path: "runs", value: 1 }]);
      if (task.title === "First")
        await shared.addTask({
          key: "follow",
          title: "Follow up",
          prompt: "second",
          capabilities: ["x-sdk-shared"],
          blockedBy: ["first"],
        });
      const { value, version } = await shared.get("runs");
      await shared.patch([{ op: "add", path: `seen ${task.title}`, value }], { version });
      return { output: { runs: value } };
    });
    stops.push(() => agent.stop({ drain: false }));
    await agent.start();
    const p = await s.api("/api/v1/plans", {
      method: "POST",
      json: {
        title: "shared",
        start: true,
        tasks: [{ key: "first", title: "First", prompt: "first", capabilities: ["x-sdk-shared"] }],
      },
    });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const done = await until(
      async () => {
        const v = (await s.api(`/api/v1/plans/${p.body.id}`)).body;
        return ["succeeded", "failed", "partially_succeeded"].includes(v.status) ? v : null;
      },
      20_000,
      "plan ends",
    );
    const why = await Promise.all(
      done.tasks.map(async (t: any) =>
        t.sessionId ? (await s.api(`/api/v1/sessions/${t.sessionId}`)).body.error : null,
      ),
    );
    expect(done.status, JSON.stringify(why)).toBe("succeeded");
    expect(done.tasks.map((t: any) => [t.key, t.status])).toEqual([
      ["first", "succeeded"],
      ["follow", "succeeded"],
    ]);
    const [doc] = (await s.api(`/api/v1/contexts?scope=plan&ownerId=${p.body.id}&name=main`)).body.items;
    expect(doc.data).toMatchObject({ runs: 2, "seen First": 1, "seen Follow up": 2 });
    const history = (await s.api(`/api/v1/contexts/${doc.id}/history`)).body.items;
    const sessions = new Set(done.tasks.map((t: any) => t.sessionId));
    const mine = history.filter((h: any) => h.causationId?.startsWith("eap:"));
    expect(mine).toHaveLength(4);
    for (const h of mine) expect(sessions.has(h.actor.session)).toBe(true);
  });

  test("an agent started before the orchestrator is reachable registers once it is", async () => {
    // A port nothing listens on yet: the SDK backs off and retries until a proxy to the server appears.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const agent = new Agent({
      url: `http://127.0.0.1:${port}`,
      apiKey: s.key,
      name: "sdk-late",
      capabilities: ["x-sdk-late"],
      log: () => {},
    }).handle((t) => t.input);
    stops.push(() => agent.stop({ drain: false }));
    const started = agent.start();
    await new Promise((r) => setTimeout(r, 800));
    const target = new URL(s.url);
    const socks = new Set<import("node:net").Socket>();
    const proxy = createServer((sock) => {
      socks.add(sock);
      const conn = connect(Number(target.port), target.hostname);
      sock.pipe(conn).pipe(sock);
      conn.on("error", () => sock.destroy());
      sock.on("error", () => conn.destroy());
    });
    stops.push(async () => {
      for (const k of socks) k.destroy();
      proxy.close();
    });
    await new Promise<void>((r) => proxy.listen(port, "127.0.0.1", r));
    await started;
    const m = await create(s, { prompt: "late", capabilities: ["x-sdk-late"] });
    expect((await settle(s, m.id, ["completed", "failed"])).result.output).toBe("late");
  });
});
