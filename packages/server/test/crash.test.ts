import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { terminal } from "@orchestrator/sdk";
import { databaseUrl, freshDatabase } from "./harness.ts";
import { type Proc, fastEnv, http, spawnServer } from "./proc.ts";

const dir = mkdtempSync(path.join(tmpdir(), "io-crash-"));
const procs: Proc[] = [];
let drop: (() => Promise<void>) | null = null;
afterAll(async () => {
  for (const p of procs) p.child.kill("SIGKILL");
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

test("kill -9 with sessions in flight: after a restart every session ends truthfully and no event is lost", async () => {
  const env: Record<string, string> = {
    ...fastEnv,
    ORCHESTRATOR_DATA_DIR: dir,
    ORCHESTRATOR_CONCURRENCY: "6",
  };
  if (databaseUrl) {
    const fresh = await freshDatabase();
    drop = fresh.drop;
    env.DATABASE_URL = fresh.url;
  }
  const first = await spawnServer(env);
  procs.push(first);
  const key = first.key!;
  expect(key).toBeTruthy();

  const prompts = [
    "emit 2 before\ncheckpoint\nsleep 2500\nemit 1 after\nsucceed", // checkpointed, killed mid-sleep
    "sleep 2500\nsucceed", // no checkpoint: restarts from scratch
    "succeed", // may finish before the kill
  ];
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const s = await http(first.url, key, "/api/v1/sessions", {
      method: "POST",
      json: { title: `crash ${i}`, prompt: prompts[i % 3] },
    });
    ids.push(s.id);
  }
  // Wait until the checkpointed sessions have their checkpoint and several sessions are running.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const list = (await http(first.url, key, "/api/v1/sessions?limit=200")).items as any[];
    const checkpointed = list.filter((s) => s.checkpoint && s.status === "running").length;
    if (checkpointed >= 2) break;
    if (Date.now() > deadline) throw new Error("sessions never got going");
    await new Promise((r) => setTimeout(r, 50));
  }
  const before = (await http(first.url, key, "/api/v1/sessions?limit=200")).items as any[];
  // A "succeed" session listed as running may finish before the kill lands; a sleeping one cannot.
  const inFlight = before
    .filter((s) => s.status === "running" && s.prompt.includes("sleep"))
    .map((s) => s.id);
  // Only a session whose checkpoint was saved before the kill resumes from it; one listed running without
  // one yet may have been killed before its checkpoint, and starts again from scratch.
  const checkpointed = before.filter((s) => s.status === "running" && s.checkpoint).map((s) => s.id);
  expect(inFlight.length).toBeGreaterThan(0);

  first.child.kill("SIGKILL");
  await first.exited;
  if (!databaseUrl) expect(existsSync(path.join(dir, "orchestrator.lock"))).toBe(true); // stale, left by the dead process

  const second = await spawnServer(env);
  procs.push(second);
  expect(second.key).toBeNull(); // the admin key is only created on the very first start

  // While recovering, "running" must always mean a live lease held by the new process.
  const end = Date.now() + 30_000;
  let sessions: any[];
  for (;;) {
    const asked = Date.now();
    sessions = (await http(second.url, key, "/api/v1/sessions?limit=200")).items;
    for (const s of sessions.filter((x) => x.status === "running" || x.status === "degraded")) {
      expect(s.lease).toBeTruthy();
      expect(Date.parse(s.lease.expiresAt)).toBeGreaterThanOrEqual(asked - 5);
    }
    if (sessions.every((s) => terminal.includes(s.status))) break;
    if (Date.now() > end) throw new Error(`not settled: ${JSON.stringify(sessions.map((s) => s.status))}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  expect(sessions.map((s) => s.id).sort()).toEqual([...ids].sort()); // none lost
  for (const s of sessions) {
    expect(s.status, JSON.stringify(s.error)).toBe("completed");
    const evs = (await http(second.url, key, `/api/v1/sessions/${s.id}/events?limit=1000`)).items as any[];
    expect(evs.map((e) => e.seq)).toEqual(evs.map((_: unknown, i: number) => i + 1)); // gap-free log
    if (inFlight.includes(s.id)) {
      const expire = evs.find((e) => e.type === "session.status" && e.data.event === "expire");
      expect(expire?.data).toMatchObject({ from: "running", to: "queued" });
      expect(s.attempt).toBe(2);
    }
    if (s.prompt.includes("checkpoint") && checkpointed.includes(s.id)) {
      // Retried from its last checkpoint: the work before it was not done again.
      const texts = evs.filter((e) => e.type === "agent.message").map((e) => e.data.text);
      expect(texts).toEqual(["before 1/2", "before 2/2", "after 1/1"]);
    }
  }
  second.child.kill("SIGTERM");
  expect(await second.exited).toBe(0);
}, 120_000);
