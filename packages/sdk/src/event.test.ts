import { expect, test } from "vitest";
import { Event, isEvent } from "./event.ts";

const ok = {
  id: 7,
  sessionId: "3f1c2a4e-8b7d-4c1a-9e2f-0a1b2c3d4e5f",
  seq: 3,
  type: "agent.message",
  at: "2026-11-25T02:50:00.000Z",
  data: { text: "hi" },
};

test("isEvent accepts what Event accepts, and refuses a wrong or missing field as Event does", () => {
  expect(isEvent(ok)).toBe(true);
  expect(Event.safeParse(ok).success).toBe(true);
  const bad: unknown[] = [
    null,
    "x",
    [],
    { ...ok, id: "7" },
    { ...ok, seq: 1.5 },
    { ...ok, sessionId: undefined },
    { ...ok, type: 1 },
    { ...ok, at: undefined },
    { ...ok, data: null },
    { ...ok, data: [] },
    { ...ok, data: "text" },
  ];
  for (const b of bad) {
    expect(isEvent(b), JSON.stringify(b)).toBe(false);
    expect(Event.safeParse(b).success, JSON.stringify(b)).toBe(false);
  }
});
