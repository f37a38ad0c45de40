import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import * as Keys from "../src/auth/key.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import { type TestServer, create, gitRepo, serve, settle, until } from "./harness.ts";

/**
 * The overview's totals (GET /api/v1/sessions/stats?days=N) on real PGlite: sessions run by the scripted
 * agent, then given known usage and times (what a provider's usage events and a run would have left), so
 * every number below is exact.
 */
const root = mkdtempSync(path.join(tmpdir(), "io-stats-"));
const dayMs = 86_400_000;
let s: TestServer;
let b: string; // another tenant's admin key
let todayStart: number;

/** Give a session the usage, creation time and run it would have had. */
async function shape(id: string, o: { usage?: object; createdAt: number; runSec?: number }) {
  const started = o.runSec === undefined ? null : new Date(o.createdAt + 5000).toISOString();
  const ended = o.runSec === undefined ? null : new Date(o.createdAt + 5000 + o.runSec * 1000).toISOString();
  await s.deps.db.rows(sql`
    update sessions set usage = coalesce(${o.usage ? JSON.stringify(o.usage) : null}::jsonb, usage),
      created_at = ${new Date(o.createdAt).toISOString()}::timestamptz,
      started_at = ${started}::timestamptz, ended_at = coalesce(${ended}::timestamptz, ended_at)
    where id = ${id}`);
}

beforeAll(async () => {
  s = await serve({ config: { dataDir: path.join(root, "data"), repoRoots: [root] } });
  b = (await Keys.create(s.deps.db, await Tenant.ensure(s.deps.db, "stats-b"), "b", "admin")).key;
  const repo = await gitRepo(path.join(root, "repo"), { "README.md": "# r\n" });
  expect(
    (await s.api("/api/v1/projects", { method: "POST", json: { name: "shop", path: repo } })).status,
  ).toBe(201);
  todayStart = Math.floor(s.deps.clock.now().getTime() / dayMs) * dayMs;

  const done = await create(s, { prompt: "succeed" });
  const failed = await create(s, { prompt: "fail broken", maxAttempts: 1 });
  const held = await create(s, { prompt: "later", project: "shop", profile: "demo", hold: true });
  const old = await create(s, { prompt: "succeed" });
  const gone = await create(s, { prompt: "succeed" });
  await settle(s, done.id, ["completed"]);
  await settle(s, failed.id, ["failed"]);
  await settle(s, old.id, ["completed"]);
  await settle(s, gone.id, ["completed"]);
  await shape(done.id, {
    usage: { input: 100, output: 50, reasoning: 10, cost: 0.5 },
    createdAt: todayStart + 1000,
    runSec: 60,
  });
  await shape(failed.id, {
    usage: { input: 1000, output: 0, reasoning: 0, cost: 1.25 },
    createdAt: todayStart - 2 * dayMs + 1000,
    runSec: 30,
  });
  await shape(held.id, { createdAt: todayStart + 2000 });
  // Outside a 14-day window, and deleted: neither counts.
  await shape(old.id, {
    usage: { input: 7, output: 7, reasoning: 7, cost: 7 },
    createdAt: todayStart - 20 * dayMs,
  });
  await shape(gone.id, {
    usage: { input: 9, output: 9, reasoning: 9, cost: 9 },
    createdAt: todayStart + 3000,
  });
  expect((await s.api(`/api/v1/sessions/${gone.id}`, { method: "DELETE" })).status).toBe(204);
});
afterAll(async () => {
  await s?.stop();
  rmSync(root, { recursive: true, force: true });
});

const zero = {
  sessions: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  active: 0,
  tokens: 0,
  cost: 0,
  durationSec: 0,
};
const day = (offset: number) => new Date(todayStart + offset * dayMs).toISOString().slice(0, 10);

test("totals per UTC day: the window's days oldest first, today last, quiet days as zeros", async () => {
  const r = await s.api("/api/v1/sessions/stats?days=14");
  expect(r.status).toBe(200);
  expect(r.body.days).toHaveLength(14);
  expect(r.body.days.map((d: { day: string }) => d.day)).toEqual(
    Array.from({ length: 14 }, (_, i) => day(i - 13)),
  );
  expect(r.body.days[13]).toEqual({
    day: day(0),
    sessions: 2,
    completed: 1,
    failed: 0,
    cancelled: 0,
    active: 1,
    tokens: 160,
    cost: 0.5,
    durationSec: 60,
  });
  expect(r.body.days[11]).toEqual({
    ...zero,
    day: day(-2),
    sessions: 1,
    failed: 1,
    tokens: 1000,
    cost: 1.25,
    durationSec: 30,
  });
  for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12])
    expect(r.body.days[i]).toEqual({ ...zero, day: day(i - 13) });
  // The counts by status still cover every session, whatever its age (not the deleted one).
  expect(r.body.total).toBe(4);
});

test("totals per project and per agent, costliest first; sessions with none are one row named null", async () => {
  const r = await s.api("/api/v1/sessions/stats");
  expect(r.body.days).toHaveLength(14); // the default window
  const scripted = (await s.api("/api/v1/agents")).body.items.find(
    (a: { name: string }) => a.name === "scripted",
  );
  const project = (await s.api("/api/v1/projects/shop")).body;
  expect(r.body.projects).toEqual([
    {
      ...zero,
      id: null,
      name: null,
      sessions: 2,
      completed: 1,
      failed: 1,
      tokens: 1160,
      cost: 1.75,
      durationSec: 90,
    },
    { ...zero, id: project.id, name: "shop", sessions: 1, active: 1 },
  ]);
  expect(r.body.agents).toEqual([
    {
      ...zero,
      id: scripted.id,
      name: "scripted",
      sessions: 2,
      completed: 1,
      failed: 1,
      tokens: 1160,
      cost: 1.75,
      durationSec: 90,
    },
    { ...zero, id: null, name: null, sessions: 1, active: 1 },
  ]);
});

test("a shorter window counts only its days", async () => {
  const r = await s.api("/api/v1/sessions/stats?days=1");
  expect(r.body.days).toEqual([
    { ...zero, day: day(0), sessions: 2, completed: 1, active: 1, tokens: 160, cost: 0.5, durationSec: 60 },
  ]);
  expect(r.body.agents.map((a: { sessions: number }) => a.sessions)).toEqual([1, 1]);
});

test("a window outside 1..90 days, or a parameter it does not know, is a 422 naming the field", async () => {
  for (const q of ["days=0", "days=91", "days=two", "days=1.5"]) {
    const r = await s.api(`/api/v1/sessions/stats?${q}`);
    expect(r.status, q).toBe(422);
    expect(r.body.error.details.issues[0].path, q).toBe("query.days");
  }
  const r = await s.api("/api/v1/sessions/stats?day=3");
  expect(r.status).toBe(422);
  expect(JSON.stringify(r.body.error)).toContain("day");
});

test("each tenant sees its own totals; a running session's time counts up to now", async () => {
  const run = await s.api("/api/v1/sessions", {
    method: "POST",
    key: b,
    json: { title: "B", prompt: "hang" },
  });
  await until(
    async () => (await s.api(`/api/v1/sessions/${run.body.id}`, { key: b })).body.status === "running",
  );
  await s.deps.db.rows(sql`
    update sessions set started_at = ${new Date(s.deps.clock.now().getTime() - 120_000).toISOString()}::timestamptz
    where id = ${run.body.id}`);
  const theirs = (await s.api("/api/v1/sessions/stats?days=3", { key: b })).body;
  expect(theirs.total).toBe(1);
  expect(theirs.days[2]).toMatchObject({ sessions: 1, active: 1, tokens: 0 });
  expect(theirs.days[2].durationSec).toBeGreaterThanOrEqual(120);
  expect(theirs.days[2].durationSec).toBeLessThan(180);
  const { day: _, ...today } = theirs.days[2];
  expect(theirs.projects).toEqual([{ ...today, id: null, name: null }]);
  // And A's numbers did not move.
  const mine = (await s.api("/api/v1/sessions/stats?days=3")).body;
  expect(mine.days[2]).toMatchObject({ sessions: 2, active: 1, durationSec: 60 });
  await s.api(`/api/v1/sessions/${run.body.id}/cancel`, { method: "POST", key: b });
});
