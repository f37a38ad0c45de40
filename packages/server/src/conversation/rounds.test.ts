import { expect, test } from "vitest";
import { type Entry, split } from "./rounds.ts";

const at = (n: number) => `2026-12-06T06:00:${String(n).padStart(2, "0")}.000Z`;
let n = 0;
const e = (type: string, data: Record<string, unknown>): Entry => ({ type, at: at(n++), data });
const status = (from: string, to: string) => e("session.status", { from, to });
const checkpoint = (commit: string) => e("session.checkpoint", { data: { commit } });

test("rounds: each ends at an end state; a follow-up opens the next from where the last ended", () => {
  n = 0;
  const log = [
    e("session.created", { status: "queued" }),
    status("queued", "running"),
    checkpoint("c1"),
    checkpoint("c2"),
    e("session.message", { author: "key:a", text: "in the same round" }),
    status("running", "completed"),
    status("completed", "queued"),
    e("session.message", { author: "key:a", text: "now two.txt", comments: 2 }),
    status("queued", "running"),
    status("running", "completed"),
    status("completed", "queued"),
    status("queued", "running"),
    checkpoint("c3"),
  ];
  expect(split("base", log)).toEqual([
    {
      round: 1,
      from: "base",
      to: "c2",
      status: "completed",
      startedAt: at(0),
      endedAt: at(5),
      openedBy: null,
    },
    {
      round: 2,
      from: "c2",
      to: "c2",
      status: "completed",
      startedAt: at(6),
      endedAt: at(9),
      openedBy: { author: "key:a", text: "now two.txt", comments: 2 },
    },
    { round: 3, from: "c2", to: "c3", status: null, startedAt: at(10), endedAt: null, openedBy: null },
  ]);
});

test("a restore moves the tip back; a retry within a round is not a new round", () => {
  n = 0;
  const log = [
    e("session.created", { status: "queued" }),
    status("queued", "running"),
    checkpoint("c1"),
    status("running", "queued"), // an automatic retry: not an end
    status("queued", "running"),
    checkpoint("c2"),
    status("running", "failed"),
    e("session.restored", { seq: 3, commit: "c1" }),
    status("failed", "queued"),
    status("queued", "running"),
    status("running", "completed"),
  ];
  const spans = split("b", log);
  expect(spans.map((s) => [s.round, s.from, s.to, s.status])).toEqual([
    [1, "b", "c2", "failed"],
    [2, "c2", "c1", "completed"],
  ]);
});
