import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sql } from "drizzle-orm";
import { type TestServer, create, events, serve, settle, until } from "./harness.ts";

let s: TestServer;
beforeAll(async () => {
  s = await serve({ engine: { concurrency: 4 } });
});
afterAll(() => s?.stop());

const statuses = (evs: any[]) => evs.filter((e) => e.type === "session.status").map((e) => e.data.to);
const messages = (evs: any[]) => evs.filter((e) => e.type === "agent.message").map((e) => e.data.text);

describe("engine", () => {
  test("a session runs to completion with its result and a gap-free log", async () => {
    const { id } = await create(s, { prompt: "emit 2 hello\nartifact notes.txt all good\nsucceed finished" });
    const done = await settle(s, id, ["completed"]);
    expect(done).toMatchObject({
      attempt: 1,
      lease: null,
      error: null,
      result: { text: "finished", artifacts: { "notes.txt": "all good" } },
    });
    expect(done.startedAt).toBeTruthy();
    expect(done.endedAt).toBeTruthy();
    const evs = await events(s, id);
    expect(evs.map((e) => e.seq)).toEqual(evs.map((_, i) => i + 1));
    expect(statuses(evs)).toEqual(["running", "completed"]);
    expect(messages(evs)).toEqual(["hello 1/2", "hello 2/2"]);
    expect(done.lastSeq).toBe(evs.length);
  });

  test("a retryable failure is retried after backoff and resumes from the last checkpoint", async () => {
    const { id } = await create(s, {
      prompt: "emit 2\ncheckpoint\nfail-attempt 1 flaky\nemit 1 after\nsucceed",
    });
    const done = await settle(s, id, ["completed"]);
    expect(done.attempt).toBe(2);
    const evs = await events(s, id);
    expect(statuses(evs)).toEqual(["running", "queued", "running", "completed"]);
    // Work before the checkpoint is not redone on the second attempt.
    expect(messages(evs)).toEqual(["step 1/2", "step 2/2", "after 1/1"]);
    const requeue = evs.find((e) => e.data.to === "queued");
    expect(requeue.data.error).toMatchObject({ code: "agent_error", message: "flaky", retryable: true });
    expect(done.checkpoint).toMatchObject({ data: { line: 2 } });
  });

  test("retries stop at maxAttempts and the session fails with the last error", async () => {
    const { id } = await create(s, { prompt: "fail always broken", maxAttempts: 2 });
    const done = await settle(s, id, ["failed"]);
    expect(done).toMatchObject({ attempt: 2, error: { code: "agent_error", message: "always broken" } });
    expect(statuses(await events(s, id))).toEqual(["running", "queued", "running", "failed"]);
  });

  test("a fatal error is not retried", async () => {
    const { id } = await create(s, { prompt: "fatal bad config" });
    const done = await settle(s, id, ["failed"]);
    expect(done).toMatchObject({
      attempt: 1,
      error: { code: "agent_fatal", message: "bad config", retryable: false },
    });
  });

  test("RetryAfter delays the next attempt by the agent's requested time", async () => {
    const { id } = await create(s, { prompt: "retry-after 300 rate limited", maxAttempts: 2 });
    const done = await settle(s, id, ["failed"]);
    expect(done).toMatchObject({ attempt: 2, error: { code: "agent_retry", message: "rate limited" } });
    const evs = await events(s, id);
    const requeued = evs.find((e) => e.data.to === "queued");
    const reclaimed = evs.filter((e) => e.data.to === "running")[1];
    expect(Date.parse(reclaimed.at) - Date.parse(requeued.at)).toBeGreaterThanOrEqual(290);
  });

  test("max duration moves a hanging session to timeout and stops the agent", async () => {
    const { id } = await create(s, { prompt: "emit 1\nhang", maxDurationSec: 1 });
    const done = await settle(s, id, ["timeout"], 5000);
    expect(done.error).toMatchObject({ code: "timeout" });
    expect(done.lease).toBeNull();
    const n = (await events(s, id)).length;
    await new Promise((r) => setTimeout(r, 300));
    expect((await events(s, id)).length).toBe(n);
  });

  test("cancel aborts the running agent", async () => {
    const { id } = await create(s, { prompt: "emit 1\nsleep 100\nemit 1000\nhang" });
    await settle(s, id, ["running"]);
    await until(async () => messages(await events(s, id)).length > 0);
    const r = await s.api(`/api/v1/sessions/${id}/cancel`, {
      method: "POST",
      json: { reason: "changed my mind" },
    });
    expect(r.body).toMatchObject({ status: "cancelled", lease: null, error: { message: "changed my mind" } });
    await until(
      async () => s.deps.engine!.running() === 0 || !(await runningHere(id)),
      3000,
      "runner to stop",
    );
    const n = (await events(s, id)).length;
    await new Promise((r) => setTimeout(r, 300));
    expect((await events(s, id)).length).toBe(n);
    expect((await s.api(`/api/v1/sessions/${id}`)).body.status).toBe("cancelled");
  });

  test("pause stops the run; resume continues from the checkpoint", async () => {
    const { id } = await create(s, { prompt: "emit 1 before\ncheckpoint\nsleep 400\nemit 1 after\nsucceed" });
    await until(async () => (await s.api(`/api/v1/sessions/${id}`)).body.checkpoint, 5000, "checkpoint");
    expect((await s.api(`/api/v1/sessions/${id}/pause`, { method: "POST" })).body.status).toBe("paused");
    await new Promise((r) => setTimeout(r, 600));
    expect((await s.api(`/api/v1/sessions/${id}`)).body.status).toBe("paused");
    expect((await s.api(`/api/v1/sessions/${id}/resume`, { method: "POST" })).body.status).toBe("queued");
    await settle(s, id, ["completed"]);
    const evs = await events(s, id);
    expect(messages(evs)).toEqual(["before 1/1", "after 1/1"]);
    expect(statuses(evs)).toEqual(["running", "paused", "queued", "running", "completed"]);
  });

  test("a stopped session can be retried and completes", async () => {
    const { id } = await create(s, { prompt: "checkpoint\nsleep 300\nsucceed" });
    await settle(s, id, ["running"]);
    expect((await s.api(`/api/v1/sessions/${id}/stop`, { method: "POST" })).body.status).toBe("stopped");
    const r = await s.api(`/api/v1/sessions/${id}/retry`, { method: "POST" });
    expect(r.body).toMatchObject({ status: "queued", retries: 1, attempt: 0, error: null });
    await settle(s, id, ["completed"]);
  });

  test("degrade and recover are reflected while the lease is held", async () => {
    const { id } = await create(s, {
      prompt: "degrade upstream slow\nsleep 200\nrecover\npartial half done",
    });
    await settle(s, id, ["degraded"]);
    const degraded = (await s.api(`/api/v1/sessions/${id}`)).body;
    expect(degraded.lease).toBeTruthy();
    const done = await settle(s, id, ["partially_completed"]);
    expect(done.result).toMatchObject({ text: "half done" });
    expect(statuses(await events(s, id))).toEqual(["running", "degraded", "running", "partially_completed"]);
  });

  test("repeated health reports move the state once and are still logged", async () => {
    const { id } = await create(s, { prompt: "degrade slow\ndegrade slower\nrecover\nrecover\nsucceed" });
    await settle(s, id, ["completed"]);
    const evs = await events(s, id);
    expect(statuses(evs)).toEqual(["running", "degraded", "running", "completed"]);
    expect(evs.filter((e) => e.type === "agent.log").map((e) => e.data.text)).toEqual([
      "still degraded: slower",
      "recovered",
    ]);
  });

  test("a held session waits in pending until started", async () => {
    const { id, status } = await create(s, { prompt: "succeed", hold: true });
    expect(status).toBe("pending");
    await new Promise((r) => setTimeout(r, 200));
    expect((await s.api(`/api/v1/sessions/${id}`)).body.status).toBe("pending");
    await s.api(`/api/v1/sessions/${id}/start`, { method: "POST" });
    await settle(s, id, ["completed"]);
  });

  test("an expired lease left by a dead runner is reaped and the session runs again", async () => {
    const { id } = await create(s, { prompt: "succeed", hold: true });
    // Forge a lease held by a node that died a while ago.
    await s.deps.db
      .rows(sql`update sessions set status = 'running', lease_owner = 'dead-node', attempt = 1, fence = fence + 1,
      lease_expires_at = now() - interval '1 second', started_at = now(), deadline = now() + interval '1 hour' where id = ${id}`);
    const done = await settle(s, id, ["completed"]);
    expect(done.attempt).toBe(2);
    const evs = await events(s, id);
    expect(evs.find((e) => e.data.event === "expire")?.data).toMatchObject({
      from: "running",
      to: "queued",
      error: { code: "lease_expired" },
    });
  });

  test("a running session always holds an unexpired lease owned by this node", async () => {
    const { id } = await create(s, { prompt: "sleep 600\nsucceed" });
    const running = await settle(s, id, ["running"]);
    expect(running.lease.owner).toBe(s.deps.config.nodeId);
    expect(Date.parse(running.lease.expiresAt)).toBeGreaterThan(Date.now());
    // Heartbeats move the expiry forward while the run lasts.
    await new Promise((r) => setTimeout(r, 300));
    const later = (await s.api(`/api/v1/sessions/${id}`)).body;
    if (later.status === "running")
      expect(Date.parse(later.lease.expiresAt)).toBeGreaterThan(Date.parse(running.lease.expiresAt));
    await settle(s, id, ["completed"]);
  });
});

async function runningHere(id: string): Promise<boolean> {
  const r = await s.api(`/api/v1/sessions/${id}`);
  return r.body.lease !== null;
}
