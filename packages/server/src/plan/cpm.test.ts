import { describe, expect, test } from "vitest";
import { build, type Graph } from "./graph.ts";
import { type Duration, type Stat, calibrate, durations, learn, merge, pert, schedule, z90 } from "./cpm.ts";

const graph = (keys: string[], edges: [string, string][]): Graph => {
  const b = build(
    keys.map((key) => ({ key })),
    edges.map(([from, to]) => ({ from, to })),
  );
  if (!b.ok) throw new Error(JSON.stringify(b.problems));
  return b.graph;
};
const fixed =
  (m: Record<string, number>, g: Graph) =>
  (i: number): Duration => ({ expected: m[g.keys[i]!]!, sigma: 0 });

describe("critical path", () => {
  test("durations decide the path, not the number of edges (the reference's defect)", () => {
    // s → a → b → e has more edges; s → long → e takes longer.
    const g = graph(
      ["s", "a", "b", "long", "e"],
      [
        ["s", "a"],
        ["a", "b"],
        ["b", "e"],
        ["s", "long"],
        ["long", "e"],
      ],
    );
    const r = schedule(g, fixed({ s: 1, a: 2, b: 2, long: 10, e: 1 }, g));
    expect(r.critical.map((i) => g.keys[i])).toEqual(["s", "long", "e"]);
    expect(r.makespan).toBe(12);
    const at = (k: string) => g.index.get(k)!;
    expect([r.es[at("a")], r.ef[at("a")], r.ls[at("a")], r.lf[at("a")], r.slack[at("a")]]).toEqual([
      1, 3, 7, 9, 6,
    ]);
    expect(r.slack[at("b")]).toBe(6);
    expect([r.es[at("e")], r.lf[at("e")], r.slack[at("long")]]).toEqual([11, 12, 0]);
  });

  test("ties go to the first in order; the chain ends at a task with no dependent", () => {
    const g = graph(
      ["a", "b", "c", "d"],
      [
        ["a", "c"],
        ["b", "c"],
        ["c", "d"],
      ],
    );
    const r = schedule(g, fixed({ a: 5, b: 5, c: 0, d: 3 }, g));
    expect(r.critical.map((i) => g.keys[i])).toEqual(["a", "c", "d"]);
    expect(Array.from(r.slack)).toEqual([0, 0, 0, 0]);
  });

  test("PERT: expected and σ per task, the forecast along the critical path", () => {
    expect(pert({ optimistic: 2, likely: 5, pessimistic: 14 })).toEqual({ expected: 6, sigma: 2 });
    const g = graph(
      ["a", "b", "c"],
      [
        ["a", "b"],
        ["a", "c"],
      ],
    );
    const tasks = [
      { estimate: { optimistic: 2, likely: 5, pessimistic: 14 } }, // 6 ± 2
      { estimate: { optimistic: 1, likely: 4, pessimistic: 7 } }, // 4 ± 1
      {}, // no estimate: the fallback, 3 ± 0.5
    ];
    const r = schedule(
      g,
      durations(tasks, () => ({ expected: 3, sigma: 0.5 })),
    );
    expect(r.critical).toEqual([0, 1]);
    expect(r.makespan).toBeCloseTo(10);
    expect(r.forecast.mean).toBeCloseTo(10);
    expect(r.forecast.sigma).toBeCloseTo(Math.sqrt(5));
    expect(r.forecast.p50).toBeCloseTo(10);
    expect(r.forecast.p90).toBeCloseTo(10 + z90 * Math.sqrt(5));
    expect(r.slack[2]).toBeCloseTo(1);
  });

  test("fractional minutes still give a whole chain of zero slack", () => {
    const n = 300;
    const keys = Array.from({ length: n }, (_, i) => `t${i}`);
    const edges: [string, string][] = keys.slice(1).map((k, i) => [keys[i]!, k]);
    const g = graph(keys, edges);
    const r = schedule(g, () => pert({ optimistic: 0.1, likely: 0.7, pessimistic: 1.3 }));
    expect(r.critical).toHaveLength(n);
  });

  test("an empty plan has an empty path and no length", () => {
    const r = schedule(graph([], []), () => ({ expected: 1, sigma: 0 }));
    expect(r).toMatchObject({ critical: [], makespan: 0, forecast: { p50: 0, p90: 0 } });
  });
});

describe("learning estimates", () => {
  test("an EWMA of actual ÷ expected scales the next estimate", () => {
    let s = learn(undefined, 10, 20);
    expect(s).toEqual({ ratio: 2, samples: 1 });
    s = learn(s, 10, 10);
    expect(s!.ratio).toBeCloseTo(0.3 * 1 + 0.7 * 2);
    expect(s!.samples).toBe(2);
    const e = calibrate({ optimistic: 1, likely: 2, pessimistic: 4 }, { ratio: 1.5, samples: 3 });
    expect(e).toEqual({ optimistic: 1.5, likely: 3, pessimistic: 6 });
    expect(calibrate(e, undefined)).toBe(e);
  });

  test("a zero estimate teaches nothing and one outlier is clamped", () => {
    expect(learn(undefined, 0, 30)).toBeUndefined();
    expect(learn(undefined, 1, 1000)).toEqual({ ratio: 10, samples: 1 });
  });

  test("merge weighs each stat by its samples", () => {
    expect(merge([{ ratio: 2, samples: 3 }, undefined, { ratio: 1, samples: 1 }])).toEqual({
      ratio: 1.75,
      samples: 4,
    });
    expect(merge([undefined])).toBeUndefined();
  });

  test("the forecast of a second plan is closer once the first plan's actuals are learnt", () => {
    const g = graph(["a", "b"], [["a", "b"]]);
    const est = { optimistic: 5, likely: 10, pessimistic: 15 };
    const first = schedule(g, () => pert(est)).forecast.p50; // 20
    let stat: Stat | undefined;
    for (const actual of [18, 22, 20, 19]) stat = learn(stat, pert(est).expected, actual); // tasks took ~2×
    const second = schedule(g, () => pert(calibrate(est, stat))).forecast.p50;
    const actualPlan = 40;
    expect(Math.abs(second - actualPlan)).toBeLessThan(Math.abs(first - actualPlan) / 4);
  });
});
