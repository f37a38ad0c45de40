import type { Event } from "@orchestrator/sdk";
import { expect, test } from "vitest";
import { apply, empty } from "./fold.ts";

let seq = 0;
// Any type and data, as a log of an older or newer server may hold.
const ev = (type: string, data: Record<string, unknown> = {}): Event =>
  ({
    id: ++seq,
    sessionId: "00000000-0000-4000-8000-000000000000",
    seq,
    type,
    at: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    data,
  }) as Event;

test("a tool call is one entry that follows its status, and keeps its input and output", () => {
  seq = 0;
  const m = apply(empty(), [
    ev("agent.tool", { tool: "bash", callId: "c1", status: "pending" }),
    ev("agent.message", { text: "thinking" }),
    ev("agent.tool", {
      tool: "bash",
      callId: "c1",
      status: "running",
      input: { command: "ls" },
      title: "ls",
    }),
    ev("agent.tool", { tool: "bash", callId: "c1", status: "completed", output: "a\nb" }),
  ]);
  expect(m.items.map((i) => i.kind)).toEqual(["tool", "message"]);
  expect(m.items[0]).toMatchObject({
    status: "completed",
    input: { command: "ls" },
    output: "a\nb",
    title: "ls",
  });
  expect(m.items[0]!.kind === "tool" && m.items[0]!.steps.map((s) => s.status)).toEqual([
    "pending",
    "running",
    "completed",
  ]);
});

test("an approval entry changes in place when it is answered; the claim's routing decision is kept", () => {
  seq = 0;
  const m = empty();
  apply(m, [
    ev("session.status", {
      from: "queued",
      to: "running",
      event: "claim",
      attempt: 1,
      agent: { name: "demo" },
      runnersUp: [{ name: "b", score: 0.2 }],
      why: "demo scored 0.6",
    }),
    ev("approval.requested", { approvalId: "a1", kind: "permission", request: { title: "bash: ls" } }),
  ]);
  const before = m.items[1];
  apply(m, [ev("approval.answered", { approvalId: "a1", answer: { reply: "once" } })]);
  expect(m.items).toHaveLength(2);
  expect(m.items[1]).toMatchObject({ kind: "approval", state: "answered", answer: { reply: "once" } });
  // A new object, so the memoised row re-renders; the old one is untouched.
  expect(m.items[1]).not.toBe(before);
  expect(before).toMatchObject({ state: "pending" });
  expect(m.route).toEqual({ agent: "demo", why: "demo scored 0.6", runnersUp: [{ name: "b", score: 0.2 }] });
});

test("events already folded are skipped, and a jump in seq is counted as a gap", () => {
  seq = 0;
  const a = [ev("agent.message", { text: "1" }), ev("agent.message", { text: "2" })];
  const m = apply(empty(), a);
  apply(m, a); // a replay overlapping what was delivered
  expect(m.count).toBe(2);
  expect(m.gaps).toBe(0);
  seq++; // one event never arrives
  apply(m, [ev("agent.message", { text: "4" })]);
  expect(m).toMatchObject({ count: 3, gaps: 1, lastSeq: 4 });
  apply(m, [
    ev("agent.usage", { input: 10, output: 5, reasoning: 0, cost: 0.01 }),
    ev("agent.usage", { input: 1, output: 1, reasoning: 0, cost: 0 }),
  ]);
  expect(m.usage).toEqual({ input: 11, output: 6, reasoning: 0, cost: 0.01 });
});

test("streamed text grows one entry, and the final message replaces it with the whole text", () => {
  seq = 0;
  const m = apply(empty(), [
    ev("agent.delta", { part: "p1", text: "Hel" }),
    ev("agent.tool", { tool: "read", callId: "c9", status: "running" }),
    ev("agent.delta", { part: "p1", text: "lo" }),
  ]);
  expect(m.items[0]).toMatchObject({ kind: "message", text: "Hello", streaming: true });
  apply(m, [
    ev("agent.message", { part: "p1", text: "Hello, world" }),
    ev("agent.message", { text: "another" }),
  ]);
  expect(m.items.map((i) => (i.kind === "message" ? `${i.text}${i.streaming ? "…" : ""}` : i.kind))).toEqual([
    "Hello, world",
    "tool",
    "another",
  ]);
});

test("a tool call waits on its approval while it is pending; the answer as the log writes it is kept", () => {
  seq = 0;
  const m = apply(empty(), [
    ev("agent.tool", { tool: "bash", callId: "c1", status: "running", input: { command: "ls" } }),
    ev("approval.requested", {
      approvalId: "a1",
      kind: "permission",
      request: { title: "bash: ls", command: "ls", callId: "c1" },
    }),
  ]);
  expect(m.items[0]).toMatchObject({ kind: "tool", approval: "pending" });
  apply(m, [ev("approval.answered", { approvalId: "a1", reply: "reject", message: "no", by: "key:k1" })]);
  expect(m.items[0]).not.toHaveProperty("approval");
  expect(m.items[1]).toMatchObject({
    state: "answered",
    answer: { reply: "reject", message: "no" },
    by: "key:k1",
  });
});

test("session events other than state changes read as words, and a cancel keeps who asked", () => {
  seq = 0;
  const m = apply(empty(), [
    ev("session.waiting", { reason: "no registered agent has x-nobody" }),
    ev("session.updated", { title: "New", priority: "high" }),
    ev("session.restored", { seq: 4, commit: "0123456789abcdef", messageId: null }),
    ev("session.reviewed", { by: "key:k1" }),
    ev("session.status", {
      from: "running",
      to: "cancelled",
      event: "cancel",
      attempt: 1,
      reason: "not needed",
      by: "key:k1",
      error: { code: "cancelled", message: "not needed" },
    }),
  ]);
  expect(m.items.map((i) => (i.kind === "note" ? i.text : i.kind))).toEqual([
    "waiting in the queue: no registered agent has x-nobody",
    "edited: title → “New” · priority → high",
    "restored to checkpoint #4 (commit 0123456789): the next run starts from there",
    "marked reviewed",
    "status",
  ]);
  expect(m.items[3]).toMatchObject({ by: "key:k1" });
  expect(m.items[4]).toMatchObject({ by: "key:k1", reason: "not needed" });
});
