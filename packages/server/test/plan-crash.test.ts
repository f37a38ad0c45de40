import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { databaseUrl, freshDatabase } from "./harness.ts";
import { type Proc, fastEnv, http, spawnServer } from "./proc.ts";

const dir = mkdtempSync(path.join(tmpdir(), "io-plan-crash-"));
const procs: Proc[] = [];
let drop: (() => Promise<void>) | null = null;
afterAll(async () => {
  for (const p of procs) p.child.kill("SIGKILL");
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

const ended = ["succeeded", "failed", "partially_succeeded", "cancelled"];

test("kill -9 with 50 plan tasks running: after a restart no task runs twice per attempt, none is stuck, the plan ends", async () => {
  const env: Record<string, string> = {
    ...fastEnv,
    ORCHESTRATOR_DATA_DIR: dir,
    ORCHESTRATOR_CONCURRENCY: "64",
  };
  if (databaseUrl) {
    const fresh = await freshDatabase();
    drop = fresh.drop;
    env.DATABASE_URL = fresh.url;
  }
  const first = await spawnServer(env);
  procs.push(first);
  const key = first.key!;
  // 50 wide, then 10 that each need 5 of them, then one that needs all 10.
  const wide = Array.from({ length: 50 }, (_, i) => ({
    key: `w${i}`,
    title: `wide ${i}`,
    prompt: "sleep 2500\nsucceed",
    agent: "scripted",
  }));
  const mid = Array.from({ length: 10 }, (_, i) => ({
    key: `m${i}`,
    title: `mid ${i}`,
    prompt: "succeed",
    agent: "scripted",
  }));
  const edges = [
    ...wide.map((w, i) => ({ from: w.key, to: `m${Math.floor(i / 5)}` })),
    ...mid.map((m) => ({ from: m.key, to: "end" })),
  ];
  const plan = await http(first.url, key, "/api/v1/plans", {
    method: "POST",
    json: {
      title: "crash",
      start: true,
      policy: { maxParallel: 60 },
      tasks: [...wide, ...mid, { key: "end", title: "end", prompt: "succeed", agent: "scripted" }],
      edges,
    },
  });
  expect(plan.status).toBe("running");
  const deadline = Date.now() + 30_000;
  for (;;) {
    const p = await http(first.url, key, `/api/v1/plans/${plan.id}`);
    const sessions = (await http(first.url, key, "/api/v1/sessions?limit=200")).items as any[];
    if (sessions.filter((s) => s.planId === plan.id && s.status === "running").length >= 50) break;
    if (Date.now() > deadline) throw new Error(`tasks never got going: ${JSON.stringify(p.counts)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  first.child.kill("SIGKILL");
  await first.exited;

  const second = await spawnServer(env);
  procs.push(second);
  const end = Date.now() + 60_000;
  let done: any;
  for (;;) {
    done = await http(second.url, key, `/api/v1/plans/${plan.id}`);
    if (ended.includes(done.status)) break;
    if (Date.now() > end) throw new Error(`plan never ended: ${JSON.stringify(done.counts)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(done.status).toBe("succeeded");
  expect(done.tasks.every((t: any) => t.status === "succeeded" && t.attempt === 1)).toBe(true);
  // One session per task (and attempt): the unique index held across the crash and the reconcile.
  const sessions = ((await http(second.url, key, "/api/v1/sessions?limit=200")).items as any[]).filter(
    (s) => s.planId === plan.id,
  );
  expect(sessions).toHaveLength(61);
  expect(new Set(sessions.map((s) => s.taskId)).size).toBe(61);
  // The killed tasks' sessions ran again after the restart (their lease expired), still one session each.
  expect(sessions.filter((s) => s.attempt === 2).length).toBeGreaterThanOrEqual(50);
  // The plan's log is gap-free and ends with its success.
  const log = (await http(second.url, key, `/api/v1/plans/${plan.id}/events?limit=1000`)).items as any[];
  expect(log.map((e) => e.seq)).toEqual(log.map((_: unknown, i: number) => i + 1));
  expect(log.at(-1)).toMatchObject({ type: "plan.status", data: { to: "succeeded" } });
  second.child.kill("SIGTERM");
  expect(await second.exited).toBe(0);
}, 150_000);
