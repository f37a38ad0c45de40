import { afterAll, beforeAll, expect, test } from "vitest";
import { sql } from "drizzle-orm";
import { type Client, createClient } from "@orchestrator/sdk";
import * as Approvals from "../src/approval/store.ts";
import * as Sessions from "../src/session/store.ts";
import * as Keys from "../src/auth/key.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import { queuedMs, quietMs } from "../src/attention/attention.ts";
import { type TestServer, create, serve, settle } from "./harness.ts";

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
    counts: { approval: 0, stalled: 0, failed: 0, review: 0 },
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
  expect(q.counts).toEqual({ approval: 1, stalled: 2, failed: 2, review: 1 });
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
    counts: { approval: 0, stalled: 0, failed: 0, review: 0 },
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
