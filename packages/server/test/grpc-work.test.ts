import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestServer, serve, until } from "./harness.ts";
import { type Client, connect, fails, md, unary } from "./grpc-client.ts";

// EAP over gRPC on shared context and the plan's tasks: a real gRPC client from the repository's .proto,
// pulling a plan's task and acting on its work with its agent token, as an agent on another machine would.

let s: TestServer;
let client: Client;
let beat: ReturnType<typeof setInterval> | undefined;
beforeAll(async () => {
  s = await serve({ config: { agents: { heartbeatIntervalMs: 200, heartbeatTtlMs: 3000, ackMs: 3000 } } });
  client = connect(s.grpc!);
});
afterAll(async () => {
  clearInterval(beat);
  client?.close();
  await s?.stop();
});

const call = unary(() => client);
const num = (n: number) => ({ numberValue: n });
const str = (v: string) => ({ stringValue: v });
const op = (fields: Record<string, unknown>) => ({ fields });

test("a gRPC agent reads and patches its plan's context and lists, creates and changes its tasks with its token; outside its work it is refused", async () => {
  const r = await call(
    "Register",
    { name: "gw-agent", capabilities: ["x-gw"], capacity: 1 },
    md({ authorization: `Bearer ${s.key}` }),
  );
  const agent = md({ "x-agent-id": r.agent_id, "x-agent-token": r.auth_token });
  beat = setInterval(() => void call("Heartbeat", { status: "healthy" }, agent).catch(() => {}), 300);
  const p = await s.api("/api/v1/plans", {
    method: "POST",
    json: {
      title: "gRPC plan",
      start: true,
      tasks: [
        { key: "a", title: "A", prompt: "do a", capabilities: ["x-gw"] },
        { key: "b", title: "B", prompt: "do b", capabilities: ["x-gw"] },
      ],
      edges: [{ from: "a", to: "b" }],
    },
  });
  expect(p.status, JSON.stringify(p.body)).toBe(201);
  const planId = p.body.id as string;
  const next = await until(async () => (await call("Next", { wait_seconds: 2 }, agent)).assignment ?? null);
  const task = next.task_id as string;

  // The plan's tasks, with what blocks each and which is this agent's.
  const list = await call("TaskList", { task_id: task }, agent);
  expect(list.plan).toMatchObject({ id: planId, title: "gRPC plan" });
  expect(list.tasks).toEqual([
    expect.objectContaining({ key: "a", status: "running", mine: true }),
    expect.objectContaining({ key: "b", status: "blocked", blocked_by: ["a"] }),
  ]);

  // Context: an increment, read back by dot path; the change is the session's in the API.
  const inc = { op: str("increment"), path: str("stats.builds"), value: num(2) };
  const first = await call(
    "ContextPatch",
    {
      task_id: task,
      ops: [op({ op: str("add"), path: str("stats"), value: { structValue: { fields: {} } } })],
      version: 0,
    },
    agent,
  );
  const after = await call("ContextPatch", { task_id: task, ops: [op(inc)] }, agent);
  expect(after.version).toBe(first.version + 1);
  const got = await call("ContextGet", { task_id: task, path: "stats.builds" }, agent);
  expect(got).toMatchObject({ scope: "plan", name: "main", path: "/stats/builds", version: after.version });
  expect(got.value).toMatchObject({ numberValue: 2 });
  const doc = await s.api(`/api/v1/contexts/${got.id}`);
  expect(doc.body).toMatchObject({ scope: "plan", ownerId: planId, data: { stats: { builds: 2 } } });
  const history = await s.api(`/api/v1/contexts/${got.id}/history`);
  expect(history.body.items.at(-1)).toMatchObject({ actor: { session: task }, causationId: `eap:${task}` });

  // A stale write on a path changed since: FAILED_PRECONDITION, with the conflicting path in the details.
  const stale = await fails(
    call(
      "ContextPatch",
      {
        task_id: task,
        ops: [op({ op: str("replace"), path: str("stats"), value: num(0) })],
        version: first.version - 1,
      },
      agent,
    ),
  );
  expect(stale).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, errorCode: "precondition_failed" });
  expect(stale.more).toContain("/stats");

  // Tasks: add one after `a`, read it, change it before it starts.
  expect(
    await call(
      "TaskCreate",
      { task_id: task, key: "c", title: "C", prompt: "do c", blocked_by: ["a"] },
      agent,
    ),
  ).toEqual({ key: "c", status: "blocked" });
  const c = await call("TaskGet", { task_id: task, key: "c" }, agent);
  expect(c).toMatchObject({ key: "c", title: "C", prompt: "do c", blocked_by: ["a"], mine: false });
  expect(c.detail.fields.key).toMatchObject(str("c"));
  await call("TaskUpdate", { task_id: task, key: "c", title: "C, renamed", add_blocked_by: ["b"] }, agent);
  const plan = await s.api(`/api/v1/plans/${planId}`);
  expect(plan.body.tasks.find((t: any) => t.key === "c").title).toBe("C, renamed");
  expect(plan.body.edges).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ from: "a", to: "c" }),
      expect.objectContaining({ from: "b", to: "c" }),
    ]),
  );

  // Refusals, each with the proper status and the field named.
  const tenant = await fails(call("ContextGet", { task_id: task, scope: "tenant" }, agent));
  expect(tenant).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  expect(tenant.details).toContain("context_get.scope");
  const noTitle = await fails(call("TaskCreate", { task_id: task, prompt: "x" }, agent));
  expect(noTitle.details).toContain("task_create.title");
  const wrong = await fails(
    call("TaskList", { task_id: task }, md({ "x-agent-id": r.agent_id, "x-agent-token": "eat_nope" })),
  );
  expect(wrong.code).toBe(grpc.status.UNAUTHENTICATED);
  const notHeld = await fails(call("TaskList", { task_id: "00000000-0000-4000-8000-000000000000" }, agent));
  expect(notHeld).toMatchObject({ code: grpc.status.ABORTED, errorCode: "lease_lost" });

  // The same token and task over REST reach the work's documents, and nothing of people's.
  const headers = { "x-agent-id": r.agent_id, "x-agent-token": r.auth_token, "x-agent-task": task };
  const viaRest = await fetch(`${s.url}/api/v1/contexts/${got.id}`, { headers });
  expect(viaRest.status).toBe(200);
  expect((await fetch(`${s.url}/api/v1/sessions`, { headers })).status).toBe(403);

  // The task ends: its token no longer stands for that work.
  await call("ReportResult", { task_id: task, attempt: next.attempt, status: "completed" }, agent);
  const ended = await fails(call("ContextGet", { task_id: task }, agent));
  expect(ended).toMatchObject({ code: grpc.status.ABORTED, errorCode: "lease_lost" });
  expect((await fetch(`${s.url}/api/v1/contexts/${got.id}`, { headers })).status).toBe(409);
});
