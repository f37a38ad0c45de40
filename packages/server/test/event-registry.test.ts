import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestServer, create, registered, serve, settle, until } from "./harness.ts";
import { FakeAgent } from "./eap-agent.ts";

// Every entry the server writes is of a type in the SDK's event registry, with the data its schema
// describes: the OpenAPI document, the dashboard and the CLI read entries by that registry.
// (OpenCode's types — tools, deltas, reasoning, approvals, restores — are checked in approval.test.ts.)
let s: TestServer;
let a: FakeAgent;
beforeAll(async () => {
  s = await serve({ config: { agents: { heartbeatIntervalMs: 200, heartbeatTtlMs: 1500 } } });
  a = new FakeAgent(s, "registry-1");
  await a.register({ capabilities: ["x-registry"] });
  a.beat();
});
afterAll(async () => {
  a?.stop();
  await s?.stop();
});

test("a scripted run, an external agent's events, edits, reviews, deletes and a wait log only registered entries", async () => {
  const run = await create(s, {
    prompt:
      "emit 2 hi\nartifact notes.txt all good\ncheckpoint\ndegrade slow\ndegrade still slow\nrecover\nsucceed done",
  });
  await settle(s, run.id, ["completed"]);
  expect((await s.api(`/api/v1/sessions/${run.id}/review`, { method: "POST" })).status).toBe(200);

  const external = await create(s, { title: "echo", prompt: "say hi", capabilities: ["x-registry"] });
  const task = await a.next();
  const sent = await a.events(task, [
    { type: "message", text: "working" },
    { type: "log", text: "a note" },
    { type: "progress", done: 1, total: 2 },
    { type: "artifact", name: "out.txt", content: "hi" },
    { type: "checkpoint", data: { step: 1 } },
    { type: "usage", input: 3, output: 4 },
    { type: "degraded", reason: "rate limited" },
    { type: "recovered" },
  ]);
  expect(sent.status).toBe(202);
  await a.result(task, { tokens_used: 12, cost_usd: 0.01 });
  await settle(s, external.id, ["completed"]);

  const held = await create(s, { prompt: "succeed", hold: true });
  const patch = { title: "Renamed", priority: "high", tags: ["x"] };
  expect((await s.api(`/api/v1/sessions/${held.id}`, { method: "PATCH", json: patch })).status).toBe(200);
  expect((await s.api(`/api/v1/sessions/${held.id}`, { method: "DELETE" })).status).toBe(204);

  const stuck = await create(s, { prompt: "succeed", capabilities: ["x-nobody-has-this"] });
  await until(
    async () => (await registered(s)).types.has("session.waiting"),
    10_000,
    "a session.waiting entry",
  );
  await s.api(`/api/v1/sessions/${stuck.id}/cancel`, { method: "POST" });

  const { types, bad } = await registered(s);
  expect(bad).toEqual([]);
  expect([...types].sort()).toEqual(
    expect.arrayContaining([
      "agent.artifact",
      "agent.log",
      "agent.message",
      "agent.progress",
      "agent.usage",
      "session.checkpoint",
      "session.created",
      "session.deleted",
      "session.reviewed",
      "session.status",
      "session.updated",
      "session.waiting",
    ]),
  );
});
