import { afterAll, beforeAll, expect, test } from "vitest";
import { sql } from "drizzle-orm";
import { type Client, createClient } from "@orchestrator/sdk";
import * as Approvals from "../src/approval/store.ts";
import * as Sessions from "../src/session/store.ts";
import * as Keys from "../src/auth/key.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import { queuedMs, quietMs } from "../src/attention/attention.ts";
import { type TestServer, create, serve, settle, until } from "./harness.ts";

let s: TestServer;
let client: Client;
beforeAll(async () => {
  s = await serve();
  client = createClient({ url: s.url, key: s.key });
});
afterAll(() => s?.stop());

const ended = async (prompt: string, status: string) => {
  const { id } = await create(s, { prompt, maxAttempts: 1 });
  await settle(s, id, [status]);
  return id;
};
const running = async () => {
  const { id } = await create(s, { prompt: "hang" });
  await settle(s, id, ["running"]);
  return id;
};

/** Move a session's history back in time, as if it had been created and last heard of `ms` ago. */
async function age(id: string, ms: number): Promise<void> {
  const by = `${Math.round(ms / 1000)} seconds`;
  await s.deps.db.rows(sql`update session_events set at = at - ${by}::interval where session_id = ${id}`);
  await s.deps.db.rows(sql`update sessions set created_at = created_at - ${by}::interval where id = ${id}`);
}

test("nothing needs a person on a fresh server", async () => {
  expect(await client.attention()).toEqual({
    items: [],
    counts: { approval: 0, conflict: 0, merge: 0, stalled: 0, failed: 0, review: 0 },
  });
});

test("ranked: approvals, then stalled, failed and finished sessions; reviewing takes one off", async () => {
  const done = await ended("succeed", "completed");
  const failed = await ended("fatal the disk is full", "failed");
  const partial = await ended("partial", "partially_completed");
  const held = await create(s, { prompt: "succeed", hold: true });
  await client.sessions.cancel(held.id); // a person's own doing: never shown
  const quiet = await running();
  await age(quiet, quietMs + 60_000);
  const fresh = await running();
  const { id: stuck } = await create(s, { prompt: "succeed", capabilities: ["x-nobody-has-this"] });
  await age(stuck, queuedMs + 60_000);
  await create(s, { prompt: "succeed", capabilities: ["x-nobody-has-this"] }); // queued only just now

  // An agent asks a person, exactly as a runner does: under the fence of its lease.
  const asking = await running();
  const row = await Sessions.get(s.deps.db, s.deps.defaultTenant, asking);
  const { approval } = await Approvals.request(
    s.deps.store,
    row,
    row.fence,
    "permission",
    { title: "rm -rf build", permission: "bash" },
    600_000,
  );

  const q = await client.attention();
  expect(q.counts).toEqual({ approval: 1, conflict: 0, merge: 0, stalled: 2, failed: 2, review: 1 });
  expect(q.items.map((i) => [i.kind, i.sessionId])).toEqual([
    ["approval", asking],
    ["stalled", stuck], // in the queue for 11 minutes: the longest
    ["stalled", quiet],
    ["failed", partial], // newest end first
    ["failed", failed],
    ["review", done],
  ]);
  expect(q.items[0]).toMatchObject({
    status: "waiting",
    approvalId: approval.id,
    detail: "bash: rm -rf build",
    at: approval.createdAt,
    link: `/sessions/${asking}`,
  });
  expect(q.items[1]!.detail).toMatch(/agent|capabilit/i); // the routing's reason it waits
  expect(q.items[2]).toMatchObject({
    status: "running",
    detail: expect.stringMatching(/^no event for 1[89]\d s$/),
  });
  expect(q.items[3]).toMatchObject({ status: "partially_completed", detail: "partial result" });
  expect(q.items[4]).toMatchObject({ status: "failed", detail: "the disk is full" });
  expect(q.items[5]).toMatchObject({ status: "completed", title: "Test", detail: null });
  expect(q.items.map((i) => i.sessionId)).not.toContain(fresh);
  expect(q.items.map((i) => i.sessionId)).not.toContain(held.id);

  await client.sessions.review(done);
  await client.sessions.review(failed);
  const after = await client.attention();
  expect(after.counts).toMatchObject({ failed: 1, review: 0 });
  expect(after.items.map((i) => i.sessionId)).not.toContain(done);
  expect(after.items.map((i) => i.sessionId)).not.toContain(failed);

  // Answering the approval takes it off; the queue is the tenant's own.
  await s.api(`/api/v1/approvals/${approval.id}`, { method: "POST", json: { reply: "once" } });
  expect((await client.attention()).counts.approval).toBe(0);
  const other = await Tenant.ensure(s.deps.db, "attention-other");
  const { key } = await Keys.create(s.deps.db, other, "other", "viewer");
  expect((await s.api("/api/v1/attention", { key })).body).toEqual({
    items: [],
    counts: { approval: 0, conflict: 0, merge: 0, stalled: 0, failed: 0, review: 0 },
  });
  for (const id of [quiet, fresh, asking, stuck])
    await s.api(`/api/v1/sessions/${id}/cancel`, { method: "POST" });
});

test("at most 100 items; the counts still cover every session", async () => {
  const before = (await client.attention()).counts.review;
  const ids = await Promise.all(Array.from({ length: 102 - before }, () => ended("succeed", "completed")));
  const q = await client.attention();
  expect(q.counts.review).toBe(102);
  expect(q.items).toHaveLength(100);
  expect(ids.length).toBeGreaterThan(0);
});

test("a plan task whose merge conflicted is one item naming its plan, task and paths, until it is retried", async () => {
  const make = await s.api("/api/v1/plans", {
    method: "POST",
    json: {
      title: "Conflicting plan",
      start: true,
      tasks: ["x", "y"].map((key) => ({
        key,
        title: `Task ${key}`,
        prompt: `succeed ${key}`,
        agent: "scripted",
      })),
    },
  });
  expect(make.status).toBe(201);
  const plan = make.body.id;
  const done = await until(async () => {
    const v = (await s.api(`/api/v1/plans/${plan}`)).body;
    return v.status === "succeeded" ? v : null;
  });
  const y = done.tasks.find((t: any) => t.key === "y");
  const before = await client.attention();
  expect(before.items.filter((i) => i.sessionId === y.sessionId).map((i) => i.kind)).toEqual(["review"]);
  // The state a failed merge leaves (plan/tasks.ts; the real merge is in plan-git.test.ts): a scripted
  // agent has no branch to merge, so the task is put there directly.
  await s.deps.db.rows(sql`
    update plan_tasks set status = 'conflicted',
      reason = ${JSON.stringify({ conflict: ["src/app.ts", "README.md"], branch: "b", tip: "t" })}::jsonb
    where id = ${y.id}`);
  await s.deps.db.rows(sql`update plans set status = 'partially_succeeded' where id = ${plan}`);

  const q = await client.attention();
  expect(q.counts.conflict).toBe(1);
  expect(q.counts.review).toBe(before.counts.review - 1);
  const mine = q.items.filter((i) => i.sessionId === y.sessionId);
  expect(mine).toEqual([
    {
      kind: "conflict",
      sessionId: y.sessionId,
      title: "Task y",
      status: "completed",
      at: y.endedAt,
      detail: "conflicts with the plan's integration branch in src/app.ts, README.md",
      link: `/plans/${plan}?task=y`,
      plan: { id: plan, title: "Conflicting plan", task: "y", paths: ["src/app.ts", "README.md"] },
    },
  ]);
  // Ranked right after approvals: nothing but an agent waiting on a person comes before it.
  expect(q.items.findIndex((i) => i.kind === "conflict")).toBe(q.counts.approval);

  // Retrying the task takes it off: it runs again, and its new session is one to review.
  const retry = await s.api(`/api/v1/plans/${plan}/tasks/y/retry`, { method: "POST" });
  expect(retry.status).toBe(200);
  const again = await until(async () => {
    const v = (await s.api(`/api/v1/plans/${plan}`)).body;
    return v.status === "succeeded" ? v : null;
  });
  const y2 = again.tasks.find((t: any) => t.key === "y");
  expect(y2.attempt).toBe(2);
  const after = await client.attention();
  expect(after.counts.conflict).toBe(0);
  expect(after.items.map((i) => i.kind)).not.toContain("conflict");
  // The first attempt's session is no longer held back from review; the second is there too.
  const kinds = after.items.filter((i) => [y.sessionId, y2.sessionId].includes(i.sessionId));
  expect(kinds.map((i) => i.kind)).toEqual(["review", "review"]);
  // Another tenant sees none of it.
  const other = await Tenant.ensure(s.deps.db, "attention-plan-other");
  const { key } = await Keys.create(s.deps.db, other, "other", "viewer");
  expect((await s.api("/api/v1/attention", { key })).body.counts.conflict).toBe(0);
});
