import { describe, expect, test } from "vitest";
import { type Candidate, overlaps, pick } from "./dispatch.ts";

const c = (task: number, over: Partial<Candidate> = {}): Candidate => ({
  task,
  slack: 0,
  priority: "medium",
  age: task,
  ...over,
});

describe("dispatch", () => {
  test("least slack first, then priority, then age", () => {
    const ready = [
      c(0, { slack: 30, priority: "critical" }),
      c(1, { slack: 0, priority: "low", age: 5 }),
      c(2, { slack: 0, priority: "high", age: 9 }),
      c(3, { slack: 0, priority: "low", age: 1 }),
    ];
    expect(pick(ready, [], 10)).toEqual([2, 3, 1, 0]);
  });

  test("maxParallel counts the tasks already running", () => {
    const ready = [c(0), c(1), c(2)];
    expect(pick(ready, [{}], 3)).toEqual([0, 1]);
    expect(pick(ready, [{}, {}, {}], 3)).toEqual([]);
  });

  test("a task whose write scope overlaps a running or picked one waits; the next in order goes", () => {
    const ready = [
      c(0, { scope: ["src/api/"] }),
      c(1, { scope: ["src/api/users.ts"] }),
      c(2, { scope: ["docs/"] }),
      c(3),
    ];
    expect(pick(ready, [], 4)).toEqual([0, 2, 3]);
    expect(pick(ready, [{ scope: ["docs/intro.md"] }], 3)).toEqual([0, 3]);
  });

  test("overlap is by whole path segments for paths, by prefix for globs; no scope overlaps nothing", () => {
    expect(overlaps(["src/"], ["src/api/x.ts"])).toBe(true);
    expect(overlaps(["src"], ["src/api/x.ts"])).toBe(true);
    expect(overlaps(["./src/a.ts"], ["src/a.ts"])).toBe(true);
    expect(overlaps(["src/a"], ["src/ab"])).toBe(false);
    expect(overlaps(["src/api"], ["docs", "test"])).toBe(false);
    expect(overlaps(["src/**/*.ts"], ["src/api/x.ts"])).toBe(true);
    expect(overlaps(["src/foo*"], ["src/food.ts"])).toBe(true);
    expect(overlaps(["src/foo*"], ["lib/foo.ts"])).toBe(false);
    expect(overlaps(["**"], ["anything"])).toBe(true);
    expect(overlaps(["."], ["src"])).toBe(true);
    expect(overlaps(undefined, ["src"])).toBe(false);
    expect(overlaps([], ["src"])).toBe(false);
  });
});
