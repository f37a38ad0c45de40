import { expect, test } from "vitest";
import { Envelope, Event, isEvent } from "./event.ts";
import { type EventData, Payloads, agentEntry, isKnown } from "./events.ts";
import * as Eap from "./eap.ts";

const entry = (type: string, data: Record<string, unknown>) => ({
  id: 9,
  sessionId: "3f1c2a4e-8b7d-4c1a-9e2f-0a1b2c3d4e5f",
  seq: 4,
  type,
  at: "2026-11-25T02:50:00.000Z",
  data,
});

test("an entry is checked against its type's payload; the envelope takes any type, untouched", () => {
  const status = { from: "queued", to: "running", event: "claim", attempt: 1, owner: "node-1" };
  expect(Event.safeParse(entry("session.status", status)).success).toBe(true);
  expect(Event.safeParse(entry("session.status", { ...status, to: "sideways" })).success).toBe(false);
  expect(Event.safeParse(entry("agent.tool", { tool: "bash" })).success).toBe(false);
  // A newer server's type: not in this registry, yet readers that check the envelope get it whole.
  const future = entry("session.teleported", { where: "mars" });
  expect(Event.safeParse(future).success).toBe(false);
  expect(Envelope.parse(future)).toEqual(future);
  expect(isEvent(future)).toBe(true);
  expect(isKnown("session.teleported")).toBe(false);
  expect(isKnown("agent.tool")).toBe(true);
});

test("narrowing on type gives the payload's fields", () => {
  const e = Event.parse(entry("agent.tool", { tool: "bash", callId: "c1", status: "running" }));
  const tool: EventData<"agent.tool"> | null = e.type === "agent.tool" ? e.data : null;
  expect(tool?.callId).toBe("c1");
});

test("an agent event is logged as agent.<type> with its other fields as data", () => {
  expect(agentEntry({ type: "progress", done: 1, total: 3 })).toEqual({
    type: "agent.progress",
    data: { done: 1, total: 3 },
  });
});

test("every EAP event is an agent event of the registry, and those logged as they are have a log type", () => {
  const wire = [
    { type: "message", text: "hi" },
    { type: "log", text: "note" },
    { type: "progress", done: 1, total: 2 },
    { type: "artifact", name: "a.txt", content: "x" },
    { type: "usage", input: 1, output: 2 },
  ];
  for (const w of wire) {
    const ev = Eap.Event.parse(w);
    const { type, data } = agentEntry(ev as Parameters<typeof agentEntry>[0]);
    expect(Payloads[type].safeParse(data).success, type).toBe(true);
  }
  // The edge's bounds are the EAP's own: the log takes longer text from the agents the server runs.
  expect(Eap.Event.safeParse({ type: "message", text: "x".repeat(100_001) }).success).toBe(false);
  expect(Payloads["agent.message"].safeParse({ text: "x".repeat(100_001) }).success).toBe(true);
});
