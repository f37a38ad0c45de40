import { describe, expect, test } from "vitest";
import { labelled, ticks, words } from "./scale.ts";

describe("axis ticks", () => {
  test("counts step by whole 1, 2 or 5 × 10^k up to a round top at or above the largest value", () => {
    expect(ticks(7, "sessions")).toEqual([0, 2, 4, 6, 8]);
    expect(ticks(3, "sessions")).toEqual([0, 1, 2, 3]);
    expect(ticks(12_345, "tokens")).toEqual([0, 5000, 10_000, 15_000]);
    expect(ticks(20, "sessions")).toEqual([0, 5, 10, 15, 20]);
  });
  test("dollars may step by cents, without floating-point crumbs", () => {
    expect(ticks(0.3, "cost")).toEqual([0, 0.1, 0.2, 0.3]);
    expect(ticks(0.0042, "cost")).toEqual([0, 0.002, 0.004, 0.006]);
  });
  test("time steps by round seconds, minutes and hours", () => {
    expect(ticks(185, "durationSec")).toEqual([0, 60, 120, 180, 240]);
    expect(ticks(3 * 3600, "durationSec")).toEqual([0, 3600, 7200, 10_800]);
  });
  test("an empty chart still has an axis", () => {
    expect(ticks(0, "cost")).toEqual([0, 1]);
  });
});

test("day labels thin out to fit, today always labelled", () => {
  const show = labelled(30, 300, 40); // 30 labels of 40 px in 300 px: every 4th
  const shown = Array.from({ length: 30 }, (_, i) => i).filter(show);
  expect(shown.at(-1)).toBe(29);
  expect(shown).toEqual([1, 5, 9, 13, 17, 21, 25, 29]);
  expect(Array.from({ length: 7 }, (_, i) => i).filter(labelled(7, 600, 40))).toHaveLength(7);
});

test("a bar in words names its outcomes, leaving out the zeros", () => {
  const t = {
    sessions: 3,
    completed: 2,
    failed: 1,
    cancelled: 0,
    active: 0,
    tokens: 0,
    cost: 1.5,
    durationSec: 0,
  };
  expect(words(t, "sessions")).toBe("3 sessions: 2 completed, 1 failed");
  expect(words(t, "cost")).toBe("$1.50");
});
