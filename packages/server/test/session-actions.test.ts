import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Action, type Client, createClient } from "@orchestrator/sdk";
import * as Keys from "../src/auth/key.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import { type TestServer, create, events, serve, settle } from "./harness.ts";

let s: TestServer;
let client: Client;
beforeAll(async () => {
  // Room for every hanging run of the action matrix at once.
  s = await serve({ engine: { concurrency: 40 } });
  client = createClient({ url: s.url, key: s.key });
});
afterAll(() => s?.stop());

const post = (id: string, action: string) => s.api(`/api/v1/sessions/${id}/${action}`, { method: "POST" });
const nobody = { capabilities: ["x-nobody-has-this"] };

/** A fresh session driven to a status through the API and the scripted agent. */
const reach: Record<string, () => Promise<string>> = {
  pending: async () => (await create(s, { prompt: "succeed", hold: true })).id,
  // No agent has the capability: it waits in the queue.
  queued: async () => (await create(s, { prompt: "succeed", ...nobody })).id,
  running: async () => running("hang"),
  degraded: async () => {
    const { id } = await create(s, { prompt: "degrade slow\nhang" });
    await settle(s, id, ["degraded"]);
    return id;
  },
  paused: async () => moved(await reach.queued!(), "pause"),
  completed: async () => ended("succeed", "completed"),
  partially_completed: async () => ended("partial", "partially_completed"),
  failed: async () => ended("fatal boom", "failed"),
  timeout: async () => {
    const { id } = await create(s, { prompt: "hang", maxDurationSec: 1 });
    await settle(s, id, ["timeout"]);
    return id;
  },
  stopped: async () => moved(await running("hang"), "stop"),
  cancelled: async () => moved(await reach.pending!(), "cancel"),
};

async function running(prompt: string): Promise<string> {
  const { id } = await create(s, { prompt });
  await settle(s, id, ["running"]);
  return id;
}
async function ended(prompt: string, status: string): Promise<string> {
  const { id } = await create(s, { prompt, maxAttempts: 1 });
  await settle(s, id, [status]);
  return id;
}
async function moved(id: string, action: string): Promise<string> {
  expect((await post(id, action)).status).toBe(200);
  return id;
}

describe("per-minute activity in the stats", () => {
  test("the last 60 minutes, one point each with zeros, count this tenant's starts and ends", async () => {
    const before = await client.sessions.stats();
    expect(before.timeline).toHaveLength(60);
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const ats = before.timeline.map((p) => Date.parse(p.at));
    expect(ats.every((t, i) => i === 0 || t - ats[i - 1]! === 60_000)).toBe(true);
    // The last point is the current minute (or the one before, if a minute turned over meanwhile).
    expect([0, 60_000]).toContain(minute - ats.at(-1)!);
    expect(before.timeline.filter((p) => p.started || p.finished)).toEqual([]);

    await ended("succeed", "completed");
    await ended("fatal no", "failed");
    await create(s, { prompt: "succeed", hold: true }); // never starts: counts in neither
    const after = await client.sessions.stats();
    const sum = (k: "started" | "finished") => after.timeline.reduce((n, p) => n + p[k], 0);
    expect(sum("started")).toBe(2);
    expect(sum("finished")).toBe(2);
    expect(after.total).toBe(3);
    expect(after.byStatus).toMatchObject({ completed: 1, failed: 1, pending: 1 });

    const other = await Tenant.ensure(s.deps.db, "stats-other");
    const { key } = await Keys.create(s.deps.db, other, "other", "member");
    const theirs = (await s.api("/api/v1/sessions/stats", { key })).body;
    expect(theirs.timeline).toHaveLength(60);
    expect(theirs.timeline.every((p: any) => p.started === 0 && p.finished === 0)).toBe(true);
  });
});

describe("allowed actions", () => {
  for (const status of Object.keys(reach)) {
    test(`${status}: every listed action succeeds through the API and every other is refused with 409`, async () => {
      const probe = await client.sessions.get(await reach[status]!());
      expect(probe.status).toBe(status);
      const listed = probe.actions;
      const all: Action[] = ["start", "cancel", "stop", "pause", "resume", "retry"];
      await Promise.all(
        all.map(async (action) => {
          const id = await reach[status]!();
          expect((await client.sessions.get(id)).actions).toEqual(listed);
          const r = await post(id, action);
          if (listed.includes(action)) {
            expect(r.status, `${action} in ${status}: ${JSON.stringify(r.body)}`).toBe(200);
          } else {
            expect(r.status, `${action} in ${status}`).toBe(409);
            expect(r.body.error.code).toBe("invalid_transition");
          }
        }),
      );
    });
  }

  test("the list and the session agree, and follow the session as it moves", async () => {
    const id = await reach.pending!();
    const page = await client.sessions.list({ limit: 200 });
    expect(page.items.find((x) => x.id === id)?.actions).toEqual(["start", "cancel"]);
    const started = await client.sessions.start(id);
    expect(started.actions).toEqual(expect.arrayContaining(["cancel"]));
    expect(started.actions).not.toContain("start");
    const done = await settle(s, id, ["completed"]);
    expect(done.actions).toEqual([]);
  });
});

describe("bulk cancel", () => {
  test("each id is cancelled on its own; one that cannot be is a result, not a failure", async () => {
    const a = await reach.pending!();
    const b = await reach.running!();
    const done = await reach.completed!();
    const missing = "00000000-0000-4000-8000-000000000000";
    const other = await Tenant.ensure(s.deps.db, "bulk-other");
    const { key } = await Keys.create(s.deps.db, other, "other", "member");
    const theirs = (
      await s.api("/api/v1/sessions", { method: "POST", key, json: { title: "x", prompt: "y", hold: true } })
    ).body.id;

    const results = await client.sessions.cancelMany([a, b, done, missing, theirs, a], {
      reason: "clearing up",
    });
    expect(results).toEqual([
      { id: a, ok: true, status: "cancelled" },
      { id: b, ok: true, status: "cancelled" },
      {
        id: done,
        ok: false,
        status: "completed",
        error: { code: "invalid_transition", message: expect.stringContaining("completed") },
      },
      { id: missing, ok: false, error: { code: "not_found", message: expect.any(String) } },
      { id: theirs, ok: false, error: { code: "not_found", message: expect.any(String) } },
      {
        id: a,
        ok: false,
        status: "cancelled",
        error: expect.objectContaining({ code: "invalid_transition" }),
      },
    ]);
    // The same transition as a single cancel: the reason is on the session and in its log.
    const cancelled = await client.sessions.get(b);
    expect(cancelled.error).toMatchObject({ code: "cancelled", message: "clearing up" });
    expect((await events(s, b)).at(-1)).toMatchObject({
      type: "session.status",
      data: { to: "cancelled", reason: "clearing up" },
    });
    expect((await s.api(`/api/v1/sessions/${theirs}`, { key })).body.status).toBe("pending");
  });

  test("bad bodies are refused by field; the path does not collide with a session id", async () => {
    const bad = async (json: unknown, field: string) => {
      const r = await s.api("/api/v1/sessions/cancel", { method: "POST", json });
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.error.message).toContain(field);
    };
    await bad({ ids: [] }, "body.ids");
    await bad({}, "body.ids");
    await bad({ ids: ["nope"] }, "body.ids.0");
    await bad({ ids: Array.from({ length: 201 }, () => randomUUID()) }, "body.ids");
    await bad({ ids: [randomUUID()], reason: 5 }, "body.reason");
    await bad({ ids: [randomUUID()], force: true }, "body");
    const get = await s.api("/api/v1/sessions/cancel");
    expect(get.status).toBe(422);
    expect(get.body.error.message).toContain("params.id");
  });
});

describe("review", () => {
  test("an ended session is marked reviewed once, with an event; again changes nothing", async () => {
    const id = await reach.completed!();
    expect((await client.sessions.get(id)).reviewedAt).toBeNull();
    const first = await client.sessions.review(id);
    expect(first.reviewedAt).toBeTruthy();
    const logged = (await events(s, id)).filter((e) => e.type === "session.reviewed");
    expect(logged).toHaveLength(1);
    expect(logged[0].data.by).toMatch(/^key:/);
    const again = await client.sessions.review(id);
    expect(again.reviewedAt).toBe(first.reviewedAt);
    expect(again.lastSeq).toBe(first.lastSeq);
  });

  test("a session that has not ended cannot be reviewed (409); an unknown one is 404", async () => {
    const id = await reach.running!();
    const r = await s.api(`/api/v1/sessions/${id}/review`, { method: "POST" });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: "invalid_transition", details: { status: "running" } });
    expect(r.body.error.message).toContain("only a session that has ended");
    const missing = await s.api("/api/v1/sessions/00000000-0000-4000-8000-000000000000/review", {
      method: "POST",
    });
    expect(missing.status).toBe(404);
    await post(id, "cancel");
  });

  test("a retry clears the mark: the next end needs a fresh look", async () => {
    const id = await reach.failed!();
    expect((await client.sessions.review(id)).reviewedAt).toBeTruthy();
    const retried = await client.sessions.retry(id);
    expect(retried.reviewedAt).toBeNull();
    expect((await settle(s, id, ["failed"])).reviewedAt).toBeNull();
  });
});

describe("who acted", () => {
  test("a person's cancel, stop or bulk cancel is logged with their key and their reason; the engine's moves are not", async () => {
    const me = await client.me();
    const cancelled = await reach.running!();
    await client.sessions.cancel(cancelled, { reason: "not needed" });
    const stopped = await reach.running!();
    await client.sessions.stop(stopped);
    const bulk = await reach.running!();
    await client.sessions.cancelMany([bulk]);
    const by = async (id: string, to: string) =>
      (await events(s, id)).find((e) => e.type === "session.status" && e.data.to === to)!.data;
    expect(await by(cancelled, "cancelled")).toMatchObject({ by: `key:${me.keyId}`, reason: "not needed" });
    expect(await by(stopped, "stopped")).toMatchObject({ by: `key:${me.keyId}` });
    expect(await by(bulk, "cancelled")).toMatchObject({ by: `key:${me.keyId}` });
    expect(await by(bulk, "running")).not.toHaveProperty("by");
  });
});
