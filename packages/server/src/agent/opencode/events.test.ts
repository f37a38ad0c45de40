import { expect, test } from "vitest";
import { Mapper } from "./events.ts";

const ev = (type: string, properties: Record<string, unknown>) => ({
  type,
  properties: { sessionID: "s1", ...properties },
});

test("tool states are reported once each, in order; other sessions are ignored", () => {
  const m = new Mapper("s1", 3);
  const part = (status: string) => ({
    part: { type: "tool", tool: "write", callID: "c1", state: { status } },
  });
  const out = [
    m.next(ev("message.part.updated", part("pending"))),
    m.next(ev("message.part.updated", part("running"))),
    m.next(ev("message.part.updated", part("running"))),
    m.next({ type: "message.part.updated", properties: { sessionID: "other", ...part("completed") } }),
    m.next(ev("message.part.updated", part("completed"))),
  ].flatMap((s) => s.events);
  expect(out.map((e) => (e.type === "tool" ? e.status : e.type))).toEqual([
    "pending",
    "running",
    "completed",
  ]);
});

test("a finished step reports its usage and asks for a checkpoint", () => {
  const m = new Mapper("s1", 3);
  const step = m.next(
    ev("message.part.updated", {
      part: {
        type: "step-finish",
        messageID: "m1",
        cost: 0.5,
        tokens: { input: 10, output: 4, reasoning: 2, cache: { read: 5, write: 1 } },
      },
    }),
  );
  expect(step.events).toEqual([{ type: "usage", input: 16, output: 4, reasoning: 2, cost: 0.5 }]);
  expect(step.stepDone).toEqual({ n: 1, messageId: "m1" });
  expect(m.lastMessage).toBe("m1");
});

test("an LLM retried past the limit is given up with a clear failure; a recovery is reported", () => {
  const m = new Mapper("s1", 2);
  const retry = (attempt: number) =>
    m.next(ev("session.status", { status: { type: "retry", attempt, message: "overloaded" } }));
  expect(retry(1).events[0]).toMatchObject({ type: "degraded" });
  expect(m.next(ev("session.status", { status: { type: "busy" } })).events).toEqual([{ type: "recovered" }]);
  expect(retry(2).abort).toBeUndefined();
  expect(retry(3).abort).toBe(true);
  expect(m.failure).toContain("gave up after 3 retries");
});

test("permission and question requests become approval requests; an abort we asked for is not a failure", () => {
  const m = new Mapper("s1", 3);
  const p = m.next(
    ev("permission.asked", { id: "per1", permission: "bash", patterns: ["ls -la"], always: ["ls *"] }),
  );
  expect(p.permission).toEqual({
    id: "per1",
    request: { title: "bash: ls -la", permission: "bash", patterns: ["ls -la"], always: ["ls *"] },
  });
  const q = m.next(
    ev("question.asked", {
      id: "q1",
      questions: [{ question: "Which?", options: [{ label: "A" }, { label: "B", description: "bee" }] }],
    }),
  );
  expect(q.question).toEqual({
    id: "q1",
    request: {
      title: "Which?",
      questions: [{ question: "Which?", options: [{ label: "A" }, { label: "B", description: "bee" }] }],
    },
  });
  m.next(ev("session.error", { error: { name: "MessageAbortedError" } }));
  expect(m.failure).toBeNull();
  m.next(ev("session.error", { error: { name: "APIError", data: { message: "bad key" } } }));
  expect(m.failure).toBe("APIError: bad key");
  expect(m.next(ev("session.idle", {})).idle).toBe(true);
});

test("text streams in pieces at most every 250 ms per part, and the final message carries the whole", () => {
  let now = 1000;
  const m = new Mapper("s1", 3, () => now);
  const delta = (d: string) => ev("message.part.delta", { partID: "p1", field: "text", delta: d });
  const out: unknown[] = [];
  const take = (e: ReturnType<typeof ev>) => out.push(...m.next(e).events.filter((x) => x.type !== "alive"));
  take(delta("ignored: the part is not known as text yet"));
  take(ev("message.part.updated", { part: { id: "p1", type: "text", text: "" } }));
  take(delta("Hel"));
  now += 100;
  take(delta("lo, "));
  now += 200;
  take(delta("world"));
  take(
    ev("message.part.updated", { part: { id: "p1", type: "text", text: "Hello, world", time: { end: 1 } } }),
  );
  take(delta("late piece of a finished part"));
  expect(out).toEqual([
    { type: "delta", part: "p1", text: "Hel" },
    { type: "delta", part: "p1", text: "lo, world" },
    { type: "message", text: "Hello, world", part: "p1" },
  ]);
});
