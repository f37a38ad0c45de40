import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import * as Credential from "../src/work/credential.ts";
import * as Keys from "../src/auth/key.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import { type TestServer, serve, until } from "./harness.ts";

// The MCP endpoint through the official SDK's client: people's tools with an API key, an agent's tools
// with its session's credential, resources and subscriptions, and refusals outside scope and tenant.
let s: TestServer;
const clients: Client[] = [];
beforeAll(async () => {
  s = await serve();
}, 60_000);
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await s?.stop();
});

async function connect(bearer: string): Promise<Client> {
  const client = new Client({ name: "mcp-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${bearer}` } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** A tool's answer as JSON, or its error. */
async function call(c: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const r = (await c.callTool({ name, arguments: args })) as {
    isError?: boolean;
    content: { text: string }[];
  };
  const body = JSON.parse(r.content[0]!.text);
  return r.isError ? { refused: body.error } : body;
}

async function key(role: string): Promise<string> {
  const r = await s.api("/api/v1/keys", { method: "POST", json: { name: role, role } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.key;
}

/** A plan whose task `a` hangs, and the credential its running session's agent would get. */
async function runningTask(prompt = "hang") {
  const p = await s.api("/api/v1/plans", {
    method: "POST",
    json: {
      title: "MCP plan",
      start: true,
      tasks: [
        { key: "a", title: "A", prompt, agent: "scripted" },
        { key: "b", title: "B", prompt: "succeed", agent: "scripted" },
      ],
      edges: [{ from: "a", to: "b" }],
    },
  });
  expect(p.status, JSON.stringify(p.body)).toBe(201);
  const a = await until(async () => {
    const r = await s.api(`/api/v1/plans/${p.body.id}`);
    const t = r.body.tasks.find((x: any) => x.key === "a");
    return t.status === "running" ? t : null;
  });
  // The task is running once its session is launched; its session once the engine holds its lease.
  const row = await until(async () => {
    const r = (await s.api(`/api/v1/sessions/${a.sessionId}`)).body;
    return r.lease ? r : null;
  });
  const tenantId = (
    await s.deps.db.rows<{ tenant_id: string }>(
      // The engine mints it the same way when its agent asks (RunInput.credential).
      (await import("drizzle-orm")).sql`select tenant_id from sessions where id = ${a.sessionId}`,
    )
  )[0]!.tenant_id;
  const credential = await Credential.mint(
    s.deps.db,
    { id: a.sessionId, tenantId, fence: row.lease.fence },
    new Date(),
  );
  return { planId: p.body.id as string, sessionId: a.sessionId as string, credential };
}

describe("MCP for people's tools", () => {
  test("lists and calls the tools with an API key; a viewer reads and cannot write", async () => {
    const c = await connect(s.key);
    const names = (await c.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(
      [
        "approval_answer",
        "approvals_list",
        "attention",
        "context_diff",
        "context_history",
        "context_merge_resolve",
        "context_merges",
        "context_patch",
        "contexts_list",
        "plan_create",
        "plan_diff",
        "plan_events",
        "plan_get",
        "plans_list",
        "session_action",
        "session_create",
        "session_diff",
        "session_events",
        "session_get",
        "sessions_list",
      ].sort(),
    );
    const made = await call(c, "session_create", {
      session: { title: "via MCP", prompt: "succeed hi", agent: "scripted" },
    });
    expect(made.id).toMatch(/^[0-9a-f-]{36}$/);
    await until(async () => (await call(c, "session_get", { id: made.id })).status === "completed");
    const log = await call(c, "session_events", { id: made.id });
    expect(log.items.map((e: any) => e.type)).toContain("session.status");
    expect((await call(c, "sessions_list", { limit: 5 })).items[0].id).toBe(made.id);
    expect(await call(c, "attention")).toHaveProperty("items");
    const bad = await call(c, "session_create", { session: { title: "", prompt: "x" } });
    expect(bad.refused).toMatchObject({ status: 422, code: "validation_failed" });

    const viewer = await connect(await key("viewer"));
    expect((await call(viewer, "session_get", { id: made.id })).id).toBe(made.id);
    const refused = await call(viewer, "session_create", {
      session: { title: "x", prompt: "y", agent: "scripted" },
    });
    expect(refused.refused).toMatchObject({ status: 403, code: "forbidden" });

    // A conflict a person settles from their editor.
    const mk = async (ownerId: string, data: unknown) =>
      (
        await s.api("/api/v1/contexts", {
          method: "POST",
          json: { scope: "project", ownerId, name: "mcp-m", data },
        })
      ).body;
    const t = await mk("p-t", { db: "pg" });
    const src = await mk("p-s", { db: "sqlite" });
    await s.api(`/api/v1/contexts/${t.id}/merge`, {
      method: "POST",
      json: { source: src.id, strategy: "manual" },
    });
    const open = (await call(c, "context_merges", {})).items.find((m: any) => m.targetId === t.id);
    expect(open.conflicts).toEqual([{ path: "/db", target: "pg", source: "sqlite" }]);
    const settled = await call(c, "context_merge_resolve", {
      id: open.id,
      choices: [{ path: "/db", take: "source" }],
    });
    expect(settled.status).toBe("resolved");
    expect((await call(c, "context_diff", { id: t.id })).changes).toEqual([
      { path: "/db", kind: "changed", before: "pg", after: "sqlite" },
    ]);
    expect(
      (
        await call(viewer, "context_merge_resolve", {
          id: open.id,
          choices: [{ path: "/db", take: "target" }],
        })
      ).refused,
    ).toMatchObject({ status: 403 });

    // Another tenant's admin sees none of it: the same answer as an id that does not exist.
    const other = (await Keys.create(s.deps.db, await Tenant.ensure(s.deps.db, "mcp-b"), "b", "admin")).key;
    const b = await connect(other);
    expect((await call(b, "session_get", { id: made.id })).refused).toMatchObject({ status: 404 });
    expect((await call(b, "sessions_list", {})).items).toEqual([]);
    expect((await call(b, "context_history", { id: t.id })).refused).toMatchObject({ status: 404 });
  });

  test("a bad key is refused; another MCP session's id is not the caller's to use", async () => {
    await expect(connect("io_000000000000_" + "a".repeat(43))).rejects.toThrow(/401|unauthorized/i);
    const c = await connect(s.key);
    const sid = (c.transport as StreamableHTTPClientTransport).sessionId!;
    const other = await key("member");
    const r = await fetch(`${s.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${other}`,
        "mcp-session-id": sid,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }),
    });
    expect(r.status).toBe(403);
  });

  test("bad input answers a 4xx JSON-RPC error, never a 5xx", async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${s.url}/mcp`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${s.key}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...headers,
        },
        body,
      });
    const cases: [string, Record<string, string>?][] = [
      ["{not json"],
      ["null"],
      ["[]"],
      [JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" })],
      [JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: 7 } })],
      [JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), { "mcp-session-id": "nope" }],
      ["\u0000".repeat(10)],
    ];
    for (const [body, headers] of cases) {
      const r = await post(body, headers);
      expect(r.status, body).toBeGreaterThanOrEqual(400);
      expect(r.status, body).toBeLessThan(500);
      expect((await r.json()).error, body).toBeTruthy();
    }
    const c = await connect(s.key);
    const bad = (await c.callTool({ name: "session_get", arguments: { id: 42 } })) as { isError?: boolean };
    expect(bad.isError).toBe(true);
    await expect(c.callTool({ name: "no_such_tool", arguments: {} })).resolves.toMatchObject({
      isError: true,
    });
  });
});

describe("MCP for an agent the orchestrator runs", () => {
  test("its tools reach its plan's context and tasks, attributed to its session", async () => {
    const { planId, sessionId, credential } = await runningTask();
    const c = await connect(credential);
    const names = (await c.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(
      [
        "ask_person",
        "ask_wait",
        "context_get",
        "context_patch",
        "report_progress",
        "task_create",
        "task_get",
        "task_list",
        "task_update",
      ].sort(),
    );
    const first = await call(c, "context_get", {});
    expect(first).toMatchObject({ scope: "plan", name: "main", version: 0, value: {} });
    const set = await call(c, "context_patch", {
      ops: [{ op: "add", path: "decisions.db", value: "postgres" }],
      version: 0,
    });
    // decisions does not exist yet: the op names the path whose parent is missing.
    expect(set.refused).toMatchObject({ status: 422, details: { issues: [{ path: "body.ops.0.path" }] } });
    const ok = await call(c, "context_patch", {
      ops: [
        { op: "add", path: "decisions", value: { db: "postgres" } },
        { op: "increment", path: "done", value: 1 },
      ],
      version: 0,
    });
    expect(ok.version).toBe(1);
    expect((await call(c, "context_get", { path: "decisions.db" })).value).toBe("postgres");
    // A stale replace of a path changed since: the refusal names it and its current value.
    await s.api(`/api/v1/contexts/${ok.id}`, {
      method: "PATCH",
      json: { ops: [{ op: "replace", path: "/decisions/db", value: "sqlite" }] },
      headers: { "if-match": '"1"' },
    });
    const stale = await call(c, "context_patch", {
      ops: [{ op: "replace", path: "decisions.db", value: "mysql" }],
      version: 1,
    });
    expect(stale.refused).toMatchObject({
      status: 412,
      details: { conflicts: [{ path: "/decisions/db", current: "sqlite" }] },
    });

    const history = (await s.api(`/api/v1/contexts/${ok.id}/history`)).body.items;
    expect(history[0].actor.session).toBe(sessionId);
    expect(history[0].causationId).toBe(`mcp:${sessionId}`);
    const doc = (await s.api(`/api/v1/contexts/${ok.id}`)).body;
    expect(doc).toMatchObject({ scope: "plan", ownerId: planId, createdBy: `session:${sessionId}` });

    const tasks = await call(c, "task_list");
    expect(tasks.tasks).toEqual([
      { key: "a", title: "A", status: "running", blockedBy: [], mine: true },
      { key: "b", title: "B", status: "blocked", blockedBy: ["a"], mine: false },
    ]);
    expect((await call(c, "task_get", { key: "b" })).prompt).toBe("succeed");
    expect((await call(c, "task_get", { key: "zz" })).refused.status).toBe(404);

    expect(await call(c, "report_progress", { done: 2, total: 5, message: "halfway there" })).toEqual({
      recorded: true,
    });
    const log = (await s.api(`/api/v1/sessions/${sessionId}/events`)).body.items;
    expect(log.find((e: any) => e.type === "agent.progress").data).toEqual({ done: 2, total: 5 });
    expect(log.some((e: any) => e.type === "agent.log" && e.data.text === "halfway there")).toBe(true);
  });

  test("it adds tasks to its plan and changes one that has not started; the plan runs them", async () => {
    const { planId, credential } = await runningTask("sleep 3000\nsucceed a");
    const c = await connect(credential);
    const made = await call(c, "task_create", {
      key: "c",
      title: "C",
      prompt: "succeed c done",
      blockedBy: ["a"],
    });
    expect(made).toEqual({ key: "c", status: "blocked" });
    const free = await call(c, "task_create", { title: "Write the docs", prompt: "succeed docs" });
    expect(free.key).toMatch(/^write-the-docs-[0-9a-f]{4}$/);
    expect((await call(c, "task_create", { key: "c", title: "C", prompt: "x" })).refused).toMatchObject({
      status: 409,
    });
    expect(
      (await call(c, "task_create", { key: "d", title: "D", prompt: "x", blockedBy: ["nope"] })).refused,
    ).toMatchObject({
      status: 422,
      details: { issues: [{ path: "body.blockedBy.0" }] },
    });
    // b waits for a; c waiting for b is fine, a waiting for c is a cycle; a has started and cannot change.
    expect(await call(c, "task_update", { key: "c", addBlockedBy: ["b"], prompt: "succeed c2" })).toEqual({
      key: "c",
      status: "blocked",
    });
    expect((await call(c, "task_update", { key: "b", addBlockedBy: ["c"] })).refused).toMatchObject({
      status: 422,
      details: { issues: [{ path: "body.addBlockedBy.0" }] },
    });
    expect((await call(c, "task_update", { key: "a", title: "A2" })).refused).toMatchObject({ status: 409 });
    const log = (await s.api(`/api/v1/plans/${planId}/events`)).body.items;
    expect(log.some((e: any) => e.type === "task.status" && e.data.key === "c")).toBe(true);
    // The agent's task ends: b, then c, run; the docs task already did.
    const done = await until(async () => {
      const p = (await s.api(`/api/v1/plans/${planId}`)).body;
      return ["succeeded", "partially_succeeded", "failed"].includes(p.status) ? p : null;
    });
    const status = Object.fromEntries(done.tasks.map((t: any) => [t.key, t.status]));
    expect(status).toEqual({ a: "succeeded", b: "succeeded", c: "succeeded", [free.key]: "succeeded" });
    expect(done.edges).toEqual(
      expect.arrayContaining([
        { from: "a", to: "c", type: "finish_to_start" },
        { from: "b", to: "c", type: "finish_to_start" },
      ]),
    );
    expect(done.tasks.find((t: any) => t.key === "c").prompt).toBe("succeed c2");
    // Each task's end is written to the plan's document as it happens, for its dependents to read.
    const doc = (await s.api(`/api/v1/contexts?scope=plan&ownerId=${planId}&name=main`)).body.items[0];
    expect(doc.data.tasks.a).toMatchObject({ title: "A", status: "succeeded", summary: "a" });
    expect(Object.keys(doc.data.tasks).sort()).toEqual(["a", "b", "c", free.key].sort());
    const history = (await s.api(`/api/v1/contexts/${doc.id}/history`)).body.items;
    expect(history.every((h: any) => h.actor.plan === planId)).toBe(true);
  });

  test("ask_person waits for a person's answer through the approval flow", async () => {
    const { sessionId, credential } = await runningTask();
    const c = await connect(credential);
    const asked = call(c, "ask_person", { question: "Which database?", options: ["postgres", "sqlite"] });
    const approval = await until(async () => {
      const r = await s.api(`/api/v1/sessions/${sessionId}/approvals`);
      return r.body.items.find((a: any) => a.status === "pending");
    });
    expect(approval.request.questions[0]).toMatchObject({
      question: "Which database?",
      options: [{ label: "postgres" }, { label: "sqlite" }],
    });
    expect((await s.api(`/api/v1/sessions/${sessionId}`)).body.status).toBe("waiting");
    // It expires as the profile's approvals do (the default profile here), not after a fixed hour.
    const ttl = Date.parse(approval.expiresAt) - Date.parse(approval.createdAt);
    expect(Math.abs(ttl - s.deps.profiles.get(null).approvalTimeoutSec * 1000)).toBeLessThan(5000);
    const r = await s.api(`/api/v1/approvals/${approval.id}`, {
      method: "POST",
      json: { answers: [["postgres"]] },
    });
    expect(r.status).toBe(200);
    expect(await asked).toEqual({ answers: [["postgres"]] });
    await until(async () => (await s.api(`/api/v1/sessions/${sessionId}`)).body.status === "running");
  });

  test("resources: its work's documents, read and subscribed, with an update when one changes", async () => {
    const { credential } = await runningTask();
    const c = await connect(credential);
    const { id } = await call(c, "context_get", {});
    const listed = (await c.listResources()).resources.map((r) => r.uri);
    expect(listed).toContain(`context://${id}`);
    const read = await c.readResource({ uri: `context://${id}` });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ id, version: 0 });
    const updates: string[] = [];
    c.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => void updates.push(n.params.uri));
    await c.subscribeResource({ uri: `context://${id}` });
    await s.api(`/api/v1/contexts/${id}`, {
      method: "PATCH",
      json: { ops: [{ op: "increment", path: "/n", value: 1 }] },
    });
    await until(async () => updates.includes(`context://${id}`));
  });

  test("it is refused outside its work, its tenant, and once its attempt ends", async () => {
    const mine = await runningTask();
    const theirs = await runningTask();
    const c = await connect(mine.credential);
    const other = await connect(theirs.credential);
    const { id } = await call(other, "context_get", {});
    // Another plan's document: not found for this agent, over REST and as a resource.
    const api = (path: string, init: RequestInit = {}) =>
      fetch(s.url + path, {
        ...init,
        headers: { authorization: `Bearer ${mine.credential}`, ...init.headers },
      });
    expect((await api(`/api/v1/contexts/${id}`)).status).toBe(404);
    await expect(c.readResource({ uri: `context://${id}` })).rejects.toThrow(/no context document/);
    await expect(c.subscribeResource({ uri: `context://${id}` })).rejects.toThrow(/no context document/);
    expect((await c.listResources()).resources.map((r) => r.uri)).not.toContain(`context://${id}`);
    // People's routes, and another plan, are not its to reach.
    expect((await api("/api/v1/sessions")).status).toBe(403);
    expect((await api(`/api/v1/plans/${theirs.planId}`)).status).toBe(403);
    expect((await api(`/api/v1/plans/${mine.planId}`)).status).toBe(200);
    const made = await api("/api/v1/contexts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ scope: "plan", ownerId: theirs.planId, name: "x" }),
    });
    expect(made.status).toBe(403);
    // The attempt ends: the credential with it.
    await s.api(`/api/v1/sessions/${mine.sessionId}/cancel`, { method: "POST", json: {} });
    await until(async () => (await api(`/api/v1/plans/${mine.planId}`)).status === 401);
    await expect(connect(mine.credential)).rejects.toThrow(/401|unauthorized|attempt has ended/i);
  });
});
