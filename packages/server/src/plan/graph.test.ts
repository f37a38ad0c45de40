import { describe, expect, test } from "vitest";
import { type Built, type Graph, build, predOf, succOf } from "./graph.ts";

const tasks = (...keys: string[]) => keys.map((key) => ({ key }));
const ok = (b: Built): Graph => {
  if (!b.ok) throw new Error(JSON.stringify(b.problems));
  return b.graph;
};
const problems = (b: Built) => (b.ok ? [] : b.problems);
const keysOf = (g: Graph, xs: ArrayLike<number>) => Array.from(xs, (i) => g.keys[i]);

describe("plan graph", () => {
  test("a diamond sorts prerequisites first and indexes both directions", () => {
    const g = ok(
      build(tasks("c", "a", "b", "d"), [
        { from: "a", to: "b" },
        { from: "a", to: "c" },
        { from: "b", to: "d" },
        { from: "c", to: "d" },
      ]),
    );
    expect(keysOf(g, g.order)).toEqual(["a", "c", "b", "d"]); // c before b: earlier in the input
    expect(keysOf(g, succOf(g, g.index.get("a")!))).toEqual(["b", "c"]);
    expect(keysOf(g, predOf(g, g.index.get("d")!))).toEqual(["b", "c"]);
    expect(keysOf(g, predOf(g, g.index.get("a")!))).toEqual([]);
  });

  test("an input already in dependency order comes back unchanged", () => {
    const keys = Array.from({ length: 50 }, (_, i) => `t${i}`);
    const edges = keys.slice(1).map((k, i) => ({ from: keys[Math.floor(i / 2)]!, to: k }));
    expect(keysOf(ok(build(tasks(...keys), edges)), ok(build(tasks(...keys), edges)).order)).toEqual(keys);
  });

  test("every problem is reported by field, all at once", () => {
    const b = build(tasks("a", "b", "a", "c", "b"), [
      { from: "a", to: "b" },
      { from: "a", to: "a" },
      { from: "x", to: "b" },
      { from: "c", to: "y" },
      { from: "a", to: "b", type: "start_to_start" },
      { from: "q", to: "q" },
    ]);
    expect(problems(b)).toEqual([
      { path: "tasks.2.key", message: 'duplicate key "a" (also tasks.0)' },
      { path: "tasks.4.key", message: 'duplicate key "b" (also tasks.1)' },
      { path: "edges.1", message: "a task cannot depend on itself" },
      { path: "edges.2.from", message: 'unknown task key "x"' },
      { path: "edges.3.to", message: 'unknown task key "y"' },
      { path: "edges.4", message: "duplicate of edges.0 (a → b)" },
      { path: "edges.5.from", message: 'unknown task key "q"' },
      { path: "edges.5.to", message: 'unknown task key "q"' },
    ]);
  });

  test("a cycle is named by its path, in edge order, with the other problems", () => {
    const b = build(tasks("s", "a", "b", "c", "z"), [
      { from: "s", to: "a" },
      { from: "a", to: "b" },
      { from: "b", to: "c" },
      { from: "c", to: "a" },
      { from: "c", to: "z" },
      { from: "z", to: "nope" },
    ]);
    expect(problems(b)).toEqual([
      { path: "edges.5.to", message: 'unknown task key "nope"' },
      { path: "edges", message: "the edges form a cycle: a → b → c → a", cycle: ["a", "b", "c", "a"] },
    ]);
  });

  test("a cycle through edges that are not executed is refused too", () => {
    const b = build(tasks("a", "b"), [
      { from: "a", to: "b" },
      { from: "b", to: "a", type: "finish_to_finish" },
    ]);
    expect(problems(b)).toMatchObject([{ path: "edges", cycle: ["a", "b", "a"] }]);
  });

  test("only finish_to_start edges are in the adjacency", () => {
    const g = ok(
      build(tasks("a", "b", "c"), [
        { from: "a", to: "b", type: "start_to_start" },
        { from: "b", to: "c" },
      ]),
    );
    expect(keysOf(g, predOf(g, 1))).toEqual([]);
    expect(keysOf(g, predOf(g, 2))).toEqual(["b"]);
    expect(keysOf(g, g.order)).toEqual(["a", "b", "c"]);
  });

  test("the cycle found is a real cycle of the input in random graphs", () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const n = 2 + Math.floor(rnd() * 30);
      const keys = Array.from({ length: n }, (_, i) => `k${i}`);
      const edges = new Map<string, { from: string; to: string }>();
      for (let e = 0; e < n * 2; e++) {
        const a = Math.floor(rnd() * n);
        const b = Math.floor(rnd() * n);
        if (a !== b) edges.set(`${a}>${b}`, { from: keys[a]!, to: keys[b]! });
      }
      const b = build(tasks(...keys), [...edges.values()]);
      if (b.ok) {
        const pos = new Map(Array.from(b.graph.order, (v, i) => [b.graph.keys[v]!, i]));
        for (const e of edges.values()) expect(pos.get(e.from)!).toBeLessThan(pos.get(e.to)!);
        continue;
      }
      const cycle = b.problems[0]!.cycle!;
      expect(cycle[0]).toBe(cycle.at(-1));
      for (let i = 0; i + 1 < cycle.length; i++)
        expect(edges.has(`${cycle[i]!.slice(1)}>${cycle[i + 1]!.slice(1)}`)).toBe(true);
    }
  });
});
