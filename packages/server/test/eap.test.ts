import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, create, events, serve, settle, until } from "./harness.ts";
import { FakeAgent } from "./eap-agent.ts";

let s: TestServer;
const agents: FakeAgent[] = [];
beforeAll(async () => {
  s = await serve({
    config: {
      agents: {
        heartbeatIntervalMs: 200,
        heartbeatTtlMs: 1500,
        ackMs: 1500,
        breakerCoolDownMs: 1500,
        allowHosts: ["127.0.0.1"],
      },
    },
  });
});
afterAll(async () => {
  for (const a of agents) a.stop();
  await s?.stop();
});

const agent = async (name: string, extra: Record<string, unknown> = {}) => {
  const a = new FakeAgent(s, name);
  agents.push(a);
  await a.register(extra);
  a.beat();
  return a;
};
const claims = (evs: any[]) => evs.filter((e) => e.type === "session.status" && e.data.event === "claim");

describe("EAP over REST", () => {
  test("register shows the token once; bad tokens and bodies are refused by field", async () => {
    const a = await agent("reg-1", { capabilities: ["x-reg"] });
    expect(a.token).toMatch(/^eat_/);
    const listed = await s.api(`/api/v1/agents/${a.id}`);
    expect(listed.body).toMatchObject({
      name: "reg-1",
      kind: "eap",
      status: "online",
      mode: "pull",
      capacity: 2,
    });
    expect(JSON.stringify(listed.body)).not.toContain(a.token);
    const wrong = await s.api(`/api/v1/agents/external/${a.id}/heartbeat`, {
      method: "POST",
      key: null,
      headers: { "x-agent-token": "eat_nope" },
      json: { status: "healthy" },
    });
    expect(wrong.status).toBe(401);
    const bad = await a.call("/heartbeat", { method: "POST", json: { status: "sleepy", current_load: 3 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.issues.map((i: any) => i.path)).toEqual([
      "body.status",
      "body.current_load",
    ]);
    const dup = await s.api("/api/v1/agents/external/register", {
      method: "POST",
      json: { name: "reg-1", capabilities: ["x-reg"] },
    });
    expect(dup.status).toBe(409);
    const cap = await s.api("/api/v1/agents/external/register", {
      method: "POST",
      json: { name: "reg-2", capabilities: ["python expert"] },
    });
    expect(cap.status).toBe(422);
    expect(cap.body.error.details.issues[0].path).toBe("body.capabilities.0");
    const ssrf = await s.api("/api/v1/agents/external/register", {
      method: "POST",
      json: {
        name: "reg-3",
        capabilities: ["x-reg"],
        mode: "push",
        endpoint_url: "http://169.254.169.254/latest",
      },
    });
    expect(ssrf.status).toBe(422);
    expect(ssrf.body.error.details.issues[0].path).toBe("body.endpoint_url");
    const rotated = await a.call("/token/rotate", { method: "POST" });
    const old = a.token;
    a.token = rotated.body.auth_token;
    expect((await a.heartbeat()).status).toBe(200);
    a.token = old;
    expect((await a.heartbeat()).status).toBe(401);
    a.token = rotated.body.auth_token;
  });

  test("pull: the long-poll gets the task, events and the result land; a duplicate result is a no-op", async () => {
    const a = await agent("pull-1", { capabilities: ["x-pull"] });
    const { id } = await create(s, { title: "echo", prompt: "say hi", capabilities: ["x-pull"] });
    const task = await a.next();
    expect(task).toMatchObject({ task_id: id, attempt: 1, input_data: "say hi", requirements: ["x-pull"] });
    expect(
      (
        await a.events(task, [
          { type: "message", text: "working" },
          { type: "progress", done: 1, total: 2 },
        ])
      ).status,
    ).toBe(202);
    // The assignment's credential reaches the session's shared context, attributed to the session.
    expect(task.credential).toMatch(/^ios_/);
    const asAgent = { key: task.credential as string };
    const doc = await s.api("/api/v1/contexts", {
      method: "POST",
      json: { scope: "session", ownerId: id, name: "notes", data: { found: 1 } },
      ...asAgent,
    });
    expect(doc.status, JSON.stringify(doc.body)).toBe(201);
    expect(doc.body.createdBy).toBe(`session:${id}`);
    expect((await s.api("/api/v1/sessions", asAgent)).status).toBe(403);
    const r = await a.result(task, { tokens_used: 12, cost_usd: 0.01 });
    expect(r.body).toEqual({ status: "accepted", session_status: "completed" });
    const done = await settle(s, id, ["completed"]);
    expect(done.result).toMatchObject({ output: { echo: "say hi" } });
    expect(done.agentId).toBe(a.id);
    expect(done.usage.input).toBe(12);
    expect((await a.result(task)).body.status).toBe("duplicate");
    expect((await s.api(`/api/v1/contexts/${doc.body.id}`, asAgent)).status).toBe(401); // its attempt ended
    const late = await a.events(task, [{ type: "message", text: "late" }]);
    expect(late.status).toBe(409);
    const evs = await events(s, id);
    expect(claims(evs)[0].data.agent).toMatchObject({ id: a.id, name: "pull-1" });
    expect(evs.map((e) => e.type)).toContain("agent.message");
    const perf = (await s.api(`/api/v1/agents/${a.id}`)).body.performance;
    expect(perf).toMatchObject({ attempts: 1, completed: 1, tokens: 12 });
  });

  test("push: the assignment is POSTed, signed; 202 takes it", async () => {
    const a = new FakeAgent(s, "push-1");
    agents.push(a);
    const url = await a.listen();
    await a.register({ capabilities: ["x-push"], mode: "push", endpoint_url: url });
    a.beat();
    const { id } = await create(s, { title: "pushed", prompt: "p", capabilities: ["x-push"] });
    await until(async () => a.pushed.length > 0, 5000, "a push");
    const p = a.pushed[0]!;
    expect(p.body).toMatchObject({ task_id: id, attempt: 1 });
    expect(a.verify(p)).toBe(true);
    expect(a.verify({ ...p, body: { ...p.body, raw: p.body.raw.replace("pushed", "forged") } })).toBe(false);
    expect((await a.result(p.body)).body.status).toBe("accepted");
    await settle(s, id, ["completed"]);
  });

  test("no fitting agent: the session waits with a reason, and runs once one registers", async () => {
    const { id } = await create(s, { title: "needs", prompt: "p", capabilities: ["x-later"] });
    const waiting = await until(async () => {
      const r = await s.api(`/api/v1/sessions/${id}`);
      return r.body.queueReason ? r.body : null;
    });
    expect(waiting.status).toBe("queued");
    expect(waiting.queueReason).toMatch(/no registered agent has x-later/);
    expect((await events(s, id)).map((e) => e.type)).toContain("session.waiting");
    const a = await agent("later-1", { capabilities: ["x-later"] });
    const task = await a.next(5);
    expect(task.task_id).toBe(id);
    await a.result(task);
    expect((await settle(s, id, ["completed"])).queueReason).toBeNull();
  });

  test("an agent killed mid-task: its task moves to another fitting agent within the TTL; its late result gets 409", async () => {
    const a = await agent("kill-a", { capabilities: ["x-kill"] });
    const { id } = await create(s, { title: "k", prompt: "p", capabilities: ["x-kill"], maxAttempts: 3 });
    const task = await a.next();
    expect(task.task_id).toBe(id);
    const b = await agent("kill-b", { capabilities: ["x-kill"] });
    a.stop(); // killed: no more heartbeats
    const t0 = Date.now();
    const moved = await b.next(10);
    expect(moved).toMatchObject({ task_id: id, attempt: 2 });
    expect(Date.now() - t0).toBeLessThan(1500 + 2000);
    expect((await a.result(task)).status).toBe(409);
    await b.result(moved);
    const done = await settle(s, id, ["completed"]);
    expect(done.agentId).toBe(b.id);
    expect((await s.api(`/api/v1/agents/${a.id}`)).body.status).toBe("offline");
  });

  test("a retry prefers a different fitting agent", async () => {
    const a = await agent("retry-a", { capabilities: ["x-retry"] });
    const b = await agent("retry-b", { capabilities: ["x-retry"] });
    const { id } = await create(s, { title: "r", prompt: "p", capabilities: ["x-retry"], maxAttempts: 2 });
    // Whichever routing chose takes it (short polls: a pending long-poll would swallow the retry).
    const first = await until(async () => {
      for (const [by, other] of [
        [a, b],
        [b, a],
      ] as const) {
        const t = await by.next(0.1);
        if (t) return { t, by, other };
      }
      return null;
    });
    await first.by.result(first.t, { status: "failed", error_message: "flaky" });
    const second = await first.other.next(5);
    expect(second).toMatchObject({ task_id: id, attempt: 2 });
    await first.other.result(second);
    await settle(s, id, ["completed"]);
    const decision = claims(await events(s, id))[1].data;
    expect(decision.agent.id).toBe(first.other.id);
    expect(decision.runnersUp.map((r: any) => r.id)).toContain(first.by.id);
    expect(decision.agent.score).toBeGreaterThan(decision.runnersUp[0].score);
  });

  test("an agent that keeps failing: its breaker opens, routing avoids it, and it is probed after the cool-down", async () => {
    const bad = await agent("flaky-1", { capabilities: ["x-flaky"], capacity: 5 });
    for (let i = 0; i < 5; i++) {
      const { id } = await create(s, {
        title: `f${i}`,
        prompt: "p",
        capabilities: ["x-flaky"],
        maxAttempts: 1,
      });
      const t = await bad.next(5);
      expect(t.task_id).toBe(id);
      await bad.result(t, { status: "failed", error_message: "broken" });
      await settle(s, id, ["failed"]);
    }
    const open = (await s.api(`/api/v1/agents/${bad.id}`)).body.breaker;
    expect(open).toMatchObject({ state: "open" });
    const { id } = await create(s, { title: "avoided", prompt: "p", capabilities: ["x-flaky"] });
    expect(await bad.next(0.5)).toBeNull();
    const held = await until(async () => (await s.api(`/api/v1/sessions/${id}`)).body.queueReason, 5000);
    expect(held).toMatch(/circuit breaker/);
    // After the cool-down a probe goes through; two good probes close it.
    const probe = await bad.next(8);
    expect(probe.task_id).toBe(id);
    await bad.result(probe);
    const diag = (await s.api(`/api/v1/agents/${bad.id}/diagnostics`)).body;
    expect(diag.breaker.transitions.map((t: any) => t.to)).toEqual(["open", "half_open"]);
    expect(diag.recent).toHaveLength(6);
    expect(diag.heartbeats.length).toBeGreaterThan(0);
    expect(diag.byType.execution).toMatchObject({ attempts: 6, failed: 5, completed: 1 });
  });

  test("graceful deregistration drains: no new work, held work finishes, then the agent is gone", async () => {
    const a = await agent("drain-1", { capabilities: ["x-drain"] });
    const { id } = await create(s, { title: "d", prompt: "p", capabilities: ["x-drain"] });
    const task = await a.next();
    const r = await a.call("/deregister", { method: "POST", json: { graceful: true } });
    expect(r.body).toEqual({ status: "draining", tasks: 1 });
    const other = await create(s, { title: "d2", prompt: "p", capabilities: ["x-drain"] });
    expect(await a.next(0.5)).toBeNull();
    await a.result(task);
    await settle(s, id, ["completed"]);
    await until(async () => (await s.api(`/api/v1/agents/${a.id}`)).status === 404, 5000, "agent gone");
    // While it drained the reason said so; once it is gone the reason follows.
    await until(
      async () =>
        /no registered agent has x-drain/.test(
          (await s.api(`/api/v1/sessions/${other.id}`)).body.queueReason,
        ),
      6000,
      "the reason to follow",
    );
  });
});
