import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import WebSocket from "ws";
import { afterAll, beforeAll, expect, test } from "vitest";
import * as Keys from "../src/auth/key.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import * as Approvals from "../src/approval/store.ts";
import * as Sessions from "../src/session/store.ts";
import { scripted } from "../src/agent/scripted/scripted.ts";
import { type TestServer, create, events, gitRepo, serve, settle, until } from "./harness.ts";

/**
 * The cross-tenant matrix: for every route of /openapi.json that takes an id or a name, tenant B (an
 * admin) using tenant A's ids gets the answer of an id that does not exist, and nothing of A's changes.
 * The routes come from the document, so a new route is covered (or fails here until it is described).
 */
const root = mkdtempSync(path.join(tmpdir(), "io-isolation-"));
let s: TestServer;
let b: string; // tenant B's admin key
let bAgent: { id: string; token: string }; // an EAP agent of tenant B
let tenantA: string;
/** Tenant A's things, by kind. */
const a = {} as {
  session: string; // ended, with a checkpoint
  held: string; // pending (held): start and cancel would move it
  waiting: string; // waiting for the approval below
  approval: string;
  seq: number; // the checkpoint's seq in `session`
  project: { id: string; name: string };
  agent: { id: string; name: string; token: string };
  key: string;
  plan: string; // a draft: start and cancel would move it
  context: string; // a plan's shared context document
  merge: string; // an open merge into it, with a conflict
  webhook: string; // inactive: nothing is sent while the test runs
};
let bDoc: string; // tenant B's own document, the source of its merge attempts

beforeAll(async () => {
  mkdirSync(path.join(root, "a"), { recursive: true });
  s = await serve({
    agents: [scripted],
    config: {
      dataDir: path.join(root, "data"),
      repoRoots: [path.join(root, "a")],
      tenants: { "iso-b": { repoRoots: [path.join(root, "b")] } },
      // No agent goes offline during the test: its row would change by itself.
      agents: { heartbeatTtlMs: 3_600_000 },
    },
  });
  tenantA = s.deps.defaultTenant;
  b = (await Keys.create(s.deps.db, await Tenant.ensure(s.deps.db, "iso-b"), "b", "admin")).key;
  const reg = await s.api("/api/v1/agents/external/register", {
    method: "POST",
    key: b,
    json: { name: "b-agent", capabilities: ["x-b"], mode: "pull" },
  });
  bAgent = { id: reg.body.agent_id, token: reg.body.auth_token };

  a.session = (await create(s, { prompt: "checkpoint\nsucceed", capabilities: ["scripted"] })).id;
  await settle(s, a.session, ["completed"]);
  a.seq = (await events(s, a.session)).find((e) => e.type === "session.checkpoint").seq;
  a.held = (await create(s, { prompt: "succeed", capabilities: ["scripted"], hold: true })).id;
  a.waiting = (await create(s, { prompt: "hang", capabilities: ["scripted"] })).id;
  const running = await until(async () => {
    const row = await Sessions.get(s.deps.db, tenantA, a.waiting);
    return row.status === "running" ? row : null;
  });
  const asked = await Approvals.request(
    s.deps.store,
    running,
    running.lease!.fence,
    "permission",
    { title: "run a command", permission: "bash", patterns: ["ls"] },
    3_600_000,
  );
  a.approval = asked.approval.id;
  const repo = await gitRepo(path.join(root, "a", "repo"), { "a.txt": "a\n" });
  const p = await s.api("/api/v1/projects", { method: "POST", json: { name: "a-proj", path: repo } });
  a.project = { id: p.body.id, name: p.body.name };
  const ar = await s.api("/api/v1/agents/external/register", {
    method: "POST",
    json: { name: "a-agent", capabilities: ["x-a"], mode: "pull" },
  });
  a.agent = { id: ar.body.agent_id, name: "a-agent", token: ar.body.auth_token };
  a.key = (
    await s.api("/api/v1/keys", { method: "POST", json: { name: "a-member", role: "member" } })
  ).body.id;
  a.plan = (
    await s.api("/api/v1/plans", {
      method: "POST",
      json: { title: "a-plan", tasks: [{ key: "a", title: "A", prompt: "succeed", agent: "scripted" }] },
    })
  ).body.id;
  a.context = (
    await s.api("/api/v1/contexts", {
      method: "POST",
      json: { scope: "plan", ownerId: a.plan, name: "notes" },
    })
  ).body.id;
  const from = (
    await s.api("/api/v1/contexts", {
      method: "POST",
      json: { scope: "plan", ownerId: a.plan, name: "other", data: { x: 1 } },
    })
  ).body.id;
  await s.api(`/api/v1/contexts/${a.context}`, {
    method: "PATCH",
    json: { ops: [{ op: "add", path: "/x", value: 2 }] },
    headers: { "if-match": '"0"' },
  });
  a.merge = (
    await s.api(`/api/v1/contexts/${a.context}/merge`, {
      method: "POST",
      json: { source: from, strategy: "manual" },
    })
  ).body.id;
  a.webhook = (
    await s.api("/api/v1/webhooks", {
      method: "POST",
      // A public address by its number: the SSRF guard passes it without asking DNS (offline here).
      json: { url: "http://192.0.2.1/hook", events: ["plan.status"], active: false },
    })
  ).body.id;
  bDoc = (
    await s.api("/api/v1/contexts", {
      method: "POST",
      key: b,
      json: { scope: "plan", ownerId: "b-plan", name: "n" },
    })
  ).body.id;
  bodies["post /api/v1/contexts/{id}/merge"] = { source: bDoc };
}, 120_000);
afterAll(async () => {
  await s?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Tenant A's rows in every table that has a tenant (found in the catalogue), and its agents' history. */
async function snapshot(): Promise<string> {
  const tables = await s.deps.db.rows<{ table_name: string }>(sql`
    select table_name from information_schema.columns
    where table_schema = 'public' and column_name = 'tenant_id' order by table_name`);
  // Moving on their own: a running lease's renewals, and when a key was last used.
  const volatile = new Set(["lease_expires_at", "last_used_at"]);
  const out: Record<string, unknown> = {};
  for (const { table_name: t } of tables) {
    const rows = await s.deps.db.rows(
      sql`select * from ${sql.identifier(t)} where tenant_id = ${tenantA} order by 1`,
    );
    out[t] = rows.map((r) => Object.entries(r).filter(([k]) => !volatile.has(k)));
  }
  out.agent_events = await s.deps.db.rows(sql`
    select e.* from agent_events e join agents g on g.id = e.agent_id where g.tenant_id = ${tenantA} order by e.id`);
  out.tenant = await s.deps.db.rows(sql`select * from tenants where id = ${tenantA}`);
  return JSON.stringify(out);
}

/** Bodies that pass validation, so a refusal can only come from the lookup. */
const bodies: Record<string, unknown> = {
  "patch /api/v1/sessions/{id}": { priority: "high" },
  "post /api/v1/sessions/{id}/messages": { text: "hi" },
  "post /api/v1/approvals/{id}": { reply: "once" },
  "post /api/v1/sessions/{id}/checkpoints/{seq}/fork": {},
  "patch /api/v1/projects/{name}": { retentionHours: 5 },
  "put /api/v1/plans/{id}": { title: "b", tasks: [{ key: "a", title: "A", prompt: "p", agent: "scripted" }] },
  "post /api/v1/plans/{id}/tasks": { key: "z", title: "Z", prompt: "p", agent: "scripted" },
  "patch /api/v1/plans/{id}/tasks/{key}": { title: "Z" },
  "post /api/v1/contexts/{id}/promote": { scope: "plan", ownerId: "iso-b-plan" },
  "post /api/v1/context-merges/{id}/resolve": { choices: [{ path: "/x", take: "source" }] },
  "patch /api/v1/contexts/{id}": { ops: [{ op: "increment", path: "/n", value: 1 }] },
  "patch /api/v1/agents/{id}": { status: "draining" },
  "patch /api/v1/webhooks/{id}": { description: "b" },
  "post /api/v1/agents/external/{id}/heartbeat": { status: "healthy" },
  "post /api/v1/agents/external/{id}/deregister": { graceful: false },
  "post /api/v1/agents/external/{id}/tasks/{task}/events": {
    attempt: 1,
    events: [{ type: "message", text: "hi" }],
  },
  "post /api/v1/agents/external/{id}/tasks/{task}/result": { attempt: 1, status: "completed" },
  "post /api/v1/agents/external/{id}/tasks/{task}/inbox": { attempt: 1, wait: 0 },
};
const queries: Record<string, string> = {
  "get /api/v1/agents/external/{id}/tasks/next": "?wait=0",
  "delete /api/v1/agents/{id}": "?graceful=false",
};

interface Case {
  label: string;
  mine: () => Promise<Answer>;
  none: () => Promise<Answer>;
  /** Whether an answer is the refusal expected of an id that does not exist. */
  refused?: (r: Answer) => boolean;
}
interface Answer {
  status: number;
  body: string;
}
type Ids = Record<string, string>;

/** What a request answers, with each id it was given replaced by its parameter's name. */
async function ask(method: string, url: string, ids: Ids, init: RequestInit = {}): Promise<Answer> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization") && !headers.has("x-agent-token"))
    headers.set("authorization", `Bearer ${b}`);
  if (init.body) headers.set("content-type", "application/json");
  const res = await fetch(s.url + url, { ...init, method: method.toUpperCase(), headers });
  let body = await res.text();
  for (const [name, value] of Object.entries(ids)) body = body.replaceAll(value, `<${name}>`);
  return { status: res.status, body };
}

/** Which of A's ids a parameter takes, by its name and the path segment before it. */
function kind(route: string, param: string): keyof typeof a | "token-agent" | "taskKey" {
  const before = route.split("/").at(route.split("/").indexOf(`{${param}}`) - 1);
  if (param === "seq" || param === "version") return "seq";
  if (param === "against" || param === "contextId") return "context";
  if (before === "context-merges") return "merge";
  if (param === "key" && before === "tasks") return "taskKey";
  if (before === "plans") return "plan";
  if (before === "contexts") return "context";
  if (param === "task" || param === "parentId") return "session";
  if (param === "name") return "project";
  if (before === "sessions") return "session";
  if (before === "approvals") return "approval";
  if (before === "keys") return "key";
  if (before === "webhooks") return "webhook";
  if (before === "external") return "token-agent";
  if (before === "agents") return "agent";
  throw new Error(`${route}: which kind of id is {${param}}? Add it to kind() in isolation.test.ts`);
}

test("tenant B gets for tenant A's ids what it gets for ids that do not exist, and nothing of A's changes", async () => {
  const before = await snapshot();
  const doc = (await s.api("/openapi.json")).body;
  const cases = [...fromDocument(doc), ...beyondDocument()];
  expect(cases.length).toBeGreaterThan(40);
  for (const c of cases) {
    const none = await c.none();
    const mine = await c.mine();
    expect.soft(mine, c.label).toEqual(none);
    // The request reached the lookup: a refusal, and not of the request's shape (a 4xx other than 400/422).
    const refused = c.refused ?? ((r: Answer) => r.status > 400 && r.status < 500 && r.status !== 422);
    expect.soft(refused(none), `${c.label}: ${none.status} ${none.body}`).toBe(true);
  }
  expect(await snapshot()).toEqual(before);
}, 60_000);

/** A case per route of the document that takes an id (in its path, or a uuid in its query). */
function fromDocument(doc: { paths: Record<string, Record<string, any>> }): Case[] {
  const cases: Case[] = [];
  for (const [route, ops] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(ops)) {
      const params: { name: string; in: string; schema?: { format?: string } }[] = op.parameters ?? [];
      const ids = params.filter((p) => p.in === "path" || (p.in === "query" && p.schema?.format === "uuid"));
      if (!ids.length) continue;
      const key = `${method} ${route}`;
      const variants: {
        label: string;
        values: (missing: boolean) => Ids;
        headers: Record<string, string>;
      }[] = [];
      const pick = (p: string, missing: boolean): string => {
        const k = kind(route, p);
        if (k === "seq") return String(a.seq); // not an id of its own: the session's is what differs
        if (k === "taskKey") return "a"; // a task's key within its plan: the plan's id is what differs
        if (k === "project") return missing ? "no-such-project" : a.project.name;
        if (k === "token-agent" || k === "agent") return missing ? randomUUID() : a.agent.id;
        return missing ? randomUUID() : String(a[k]);
      };
      const token: Record<string, string> = route.includes("/external/{id}")
        ? { "x-agent-token": bAgent.token }
        : {};
      variants.push({
        label: key,
        values: (missing) => Object.fromEntries(ids.map((p) => [p.name, pick(p.name, missing)])),
        headers: token,
      });
      if (route.includes("{name}"))
        variants.push({
          label: `${key} (by id)`,
          values: (missing) => ({ name: missing ? randomUUID() : a.project.id }),
          headers: {},
        });
      if (route.includes("{task}"))
        // B's own agent, with its own token, reporting on A's session.
        variants.push({
          label: `${key} (B's agent)`,
          values: (missing) => ({ id: bAgent.id, task: missing ? randomUUID() : a.session }),
          headers: token,
        });
      for (const v of variants) {
        const run = (missing: boolean) => {
          const values = v.values(missing);
          let url = route;
          const query: string[] = [];
          for (const p of ids) {
            if (p.in === "path") url = url.replace(`{${p.name}}`, encodeURIComponent(values[p.name]!));
            else query.push(`${p.name}=${values[p.name]}`);
          }
          url += queries[key] ?? "";
          if (query.length) url += `${url.includes("?") ? "&" : "?"}${query.join("&")}`;
          const body = bodies[key] ?? (method === "post" ? {} : undefined);
          // B's own agent id is the same in both: keep it readable rather than a placeholder.
          const named = Object.fromEntries(Object.entries(values).filter(([, x]) => x !== bAgent.id));
          return ask(method, url, named, {
            headers: v.headers,
            body: body === undefined ? undefined : JSON.stringify(body),
          });
        };
        // An id in a list's query is a filter: it finds nothing.
        const filter = ids.every((p) => p.in === "query");
        const refused = filter ? (r: Answer) => r.status === 200 && r.body.includes('"items":[]') : undefined;
        cases.push({ label: v.label, mine: () => run(false), none: () => run(true), refused });
      }
    }
  }
  return cases;
}

/** Outside the document: streams, A2A (a task is a session), and ids and names in request bodies. */
function beyondDocument(): Case[] {
  const cases: Case[] = [];
  const post = (url: string, json: (x: string) => unknown) => (x: string) =>
    ask("post", url, { x }, { body: JSON.stringify(json(x)) });
  const rpc = (method: string) =>
    post("/api/v1/a2a", (id) => ({ jsonrpc: "2.0", id: 1, method, params: { id } }));
  const failed = (r: Answer) => r.status === 200 && /"error":\{"code":-32001/.test(r.body);
  const extra: [string, (x: string) => Promise<Answer>, string, string, ((r: Answer) => boolean)?][] = [
    [
      "SSE /api/v1/sessions/{id}/events",
      (id) =>
        ask("get", `/api/v1/sessions/${id}/events`, { x: id }, { headers: { accept: "text/event-stream" } }),
      a.session,
      randomUUID(),
    ],
    [
      "WS /ws/sessions/{id}",
      (id) => socket(`/ws/sessions/${id}?access_token=${b}`, { x: id }),
      a.session,
      randomUUID(),
    ],
    ["A2A tasks/get", rpc("tasks/get"), a.session, randomUUID(), failed],
    ["A2A tasks/cancel", rpc("tasks/cancel"), a.held, randomUUID(), failed],
    [
      "POST /api/v1/sessions/cancel {ids}",
      post("/api/v1/sessions/cancel", (id) => ({ ids: [id] })),
      a.held,
      randomUUID(),
      (r) => r.status === 200 && r.body.includes('"ok":false') && r.body.includes("not_found"),
    ],
    [
      "POST /api/v1/sessions {parentId}",
      post("/api/v1/sessions", (id) => ({ title: "x", prompt: "p", parentId: id, hold: true })),
      a.session,
      randomUUID(),
      (r) => r.status === 422,
    ],
    [
      "POST /api/v1/sessions {project}",
      post("/api/v1/sessions", (n) => ({ title: "x", prompt: "p", project: n })),
      a.project.name,
      "no-such",
      (r) => r.status === 422,
    ],
    [
      "POST /api/v1/sessions {agent}",
      post("/api/v1/sessions", (n) => ({ title: "x", prompt: "p", agent: n, hold: true })),
      a.agent.name,
      "no-such",
      (r) => r.status === 422,
    ],
  ];
  for (const [label, fn, mine, none, refused] of extra)
    cases.push({ label, mine: () => fn(mine), none: () => fn(none), refused });

  return cases;
}

/** A WebSocket's answer: the refusal's status and body, or 101 when it opened. */
function socket(url: string, ids: Ids): Promise<Answer> {
  return new Promise((resolve) => {
    const ws = new WebSocket(s.url.replace("http", "ws") + url);
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => {
        for (const [name, value] of Object.entries(ids)) body = body.replaceAll(value, `<${name}>`);
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.on("open", () => {
      ws.close();
      resolve({ status: 101, body: "" });
    });
  });
}

test("a built-in agent's measured performance counts only the asking tenant's attempts", async () => {
  const scripted = (await s.api("/api/v1/agents?kind=scripted")).body.items[0];
  expect(scripted.performance.completed).toBeGreaterThan(0); // tenant A's session ran on it
  for (const view of [
    (await s.api(`/api/v1/agents/${scripted.id}`, { key: b })).body,
    (await s.api("/api/v1/agents?kind=scripted", { key: b })).body.items[0],
    (await s.api(`/api/v1/agents/${scripted.id}/diagnostics`, { key: b })).body.agent,
  ])
    expect(view.performance).toMatchObject({ attempts: 0, completed: 0, failed: 0, cost: 0, tokens: 0 });
});
