import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestServer, create, events, serve, settle, until } from "./harness.ts";

let s: TestServer;
beforeAll(async () => {
  s = await serve({ engine: { concurrency: 2 } });
});
afterAll(() => s?.stop());

test("no more sessions run at once than the node's concurrency limit", async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await create(s, { prompt: "sleep 300\nsucceed" })).id);
  let peak = 0;
  await until(async () => {
    const r = await s.api("/api/v1/sessions/stats");
    peak = Math.max(peak, r.body.byStatus.running);
    return r.body.byStatus.completed >= 5;
  }, 15_000);
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThanOrEqual(2);
});

test("more urgent sessions are claimed first", async () => {
  // Fill both slots with sessions that wait until cancelled, queue sessions of mixed priority behind them,
  // then free the slots.
  const blockers = [await create(s, { prompt: "hang" }), await create(s, { prompt: "hang" })];
  await until(async () => (await s.api("/api/v1/sessions/stats")).body.byStatus.running === 2);
  const order = ["low", "deferred", "critical", "medium", "high"] as const;
  const byId = new Map<string, string>();
  for (const priority of order)
    byId.set((await create(s, { prompt: "succeed", priority, title: priority })).id, priority);
  for (const b of blockers) await s.api(`/api/v1/sessions/${b.id}/cancel`, { method: "POST" });
  for (const id of byId.keys()) await settle(s, id, ["completed"]);
  const started = await Promise.all(
    [...byId.keys()].map(async (id) => ({
      p: byId.get(id)!,
      at: (await events(s, id)).find((e) => e.data.to === "running").id,
    })),
  );
  started.sort((a, b) => a.at - b.at);
  expect(started.map((x) => x.p)).toEqual(["critical", "high", "medium", "low", "deferred"]);
});
