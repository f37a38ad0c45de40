import type { Plan } from "@orchestrator/sdk";
import { type Graph } from "./graph.ts";

/**
 * The critical path method on the task graph, weighted on nodes (a task's duration is its expected PERT
 * time), and a PERT forecast of the makespan. This fixes the reference's critical path, which counted edges
 * and ignored durations (reference-backend §2.5). Every finish_to_start edge constrains the schedule, also
 * into a task whose trigger rule is `always` (it may start earlier; the forecast stays on the safe side);
 * the other edge types constrain nothing, as in execution. Times are minutes from the plan's start.
 */

/** A duration as PERT sees it: the mean and the standard deviation, in minutes. */
export interface Duration {
  expected: number;
  sigma: number;
}

/** PERT's three-point estimate: expected = (O + 4M + P) / 6, σ = (P − O) / 6. */
export const pert = (e: Plan.Estimate): Duration => ({
  expected: (e.optimistic + 4 * e.likely + e.pessimistic) / 6,
  sigma: (e.pessimistic - e.optimistic) / 6,
});

/**
 * Durations for a plan's tasks: their own estimate, else `fallback(task)` (the caller decides: a learnt
 * value for the task's type, a constant, …).
 */
export const durations =
  <T extends { estimate?: Plan.Estimate | undefined }>(
    tasks: readonly T[],
    fallback: (task: T) => Duration,
  ) =>
  (i: number): Duration => {
    const t = tasks[i]!;
    return t.estimate ? pert(t.estimate) : fallback(t);
  };

export interface Schedule {
  /** Per task: earliest start and finish, latest start and finish, slack = ls − es. */
  es: Float64Array;
  ef: Float64Array;
  ls: Float64Array;
  lf: Float64Array;
  slack: Float64Array;
  /** One chain of zero-slack tasks from a task with no prerequisite to one with no dependent, in order. */
  critical: number[];
  /** The latest earliest finish: the plan's length if every task takes its expected time. */
  makespan: number;
  forecast: Forecast;
}

/**
 * The makespan as a distribution, by PERT's classic assumptions: the critical path's durations are
 * independent, so their sum is close to normal (central limit theorem) with mean Σ expected and variance
 * Σ σ²; then p50 is the mean and p90 = mean + 1.2816 σ (1.2816 = Φ⁻¹(0.9)). It looks at the critical path
 * only: when other paths are nearly as long the real p90 is later (the "merge bias" PERT is known for).
 */
export interface Forecast {
  mean: number;
  sigma: number;
  p50: number;
  p90: number;
}

export const z90 = 1.2816;

/** CPM over the graph in O(V + E): a forward pass in topological order, a backward pass in reverse. */
export function schedule(g: Graph, duration: (i: number) => Duration): Schedule {
  const n = g.keys.length;
  const d = new Float64Array(n);
  const sd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = duration(i);
    d[i] = x.expected;
    sd[i] = x.sigma;
  }
  const es = new Float64Array(n);
  const ef = new Float64Array(n);
  let makespan = 0;
  for (const v of g.order) {
    let s = 0;
    for (let j = g.predStart[v]!; j < g.predStart[v + 1]!; j++) s = Math.max(s, ef[g.pred[j]!]!);
    es[v] = s;
    ef[v] = s + d[v]!;
    makespan = Math.max(makespan, ef[v]!);
  }
  const ls = new Float64Array(n);
  const lf = new Float64Array(n);
  const slack = new Float64Array(n);
  for (let k = n - 1; k >= 0; k--) {
    const v = g.order[k]!;
    let f = makespan;
    for (let j = g.succStart[v]!; j < g.succStart[v + 1]!; j++) f = Math.min(f, ls[g.succ[j]!]!);
    lf[v] = f;
    ls[v] = f - d[v]!;
    slack[v] = ls[v]! - es[v]!;
  }
  const critical = chain(g, es, ef, slack, makespan);
  let mean = 0;
  let variance = 0;
  for (const v of critical) {
    mean += d[v]!;
    variance += sd[v]! ** 2;
  }
  const sigma = Math.sqrt(variance);
  return {
    es,
    ef,
    ls,
    lf,
    slack,
    critical,
    makespan,
    forecast: { mean, sigma, p50: mean, p90: mean + z90 * sigma },
  };
}

/**
 * The critical chain: from the first zero-slack task with no prerequisite (in topological order), follow a
 * zero-slack dependent that starts exactly when the current task finishes, taking the first such dependent
 * in edge order. A critical task with a dependent always has such a dependent (its lf is the least ls of its
 * dependents, and that dependent cannot start earlier), so the walk ends at a task with no dependent.
 * Sums of fractional minutes differ in the last bits between the two passes: compare within `eps`.
 */
function chain(g: Graph, es: Float64Array, ef: Float64Array, slack: Float64Array, makespan: number) {
  const eps = 1e-9 * Math.max(1, makespan);
  let v = -1;
  for (const i of g.order) {
    if (g.predStart[i] === g.predStart[i + 1] && slack[i]! <= eps) {
      v = i;
      break;
    }
  }
  const path: number[] = [];
  while (v !== -1) {
    path.push(v);
    let next = -1;
    for (let j = g.succStart[v]!; j < g.succStart[v + 1]!; j++) {
      const s = g.succ[j]!;
      if (slack[s]! <= eps && Math.abs(es[s]! - ef[v]!) <= eps) {
        next = s;
        break;
      }
    }
    v = next;
  }
  return path;
}

/**
 * Learning from actual durations, per (task type, capability): an exponentially weighted moving average of
 * actual ÷ expected. The caller stores `Stat` (a row per key) and calibrates the next estimate with it.
 * A new sample weighs `alpha`; one sample is clamped to [1/10, 10] so a task stuck for a day (or a cache
 * hit of seconds) moves the average without taking it over.
 */
export interface Stat {
  ratio: number;
  samples: number;
}

export const alpha = 0.3;

export function learn(stat: Stat | undefined, expected: number, actual: number, a = alpha): Stat | undefined {
  if (!(expected > 0) || !(actual >= 0)) return stat; // nothing to learn from a zero estimate
  const r = Math.min(10, Math.max(0.1, actual / expected));
  if (!stat || stat.samples === 0) return { ratio: r, samples: 1 };
  return { ratio: a * r + (1 - a) * stat.ratio, samples: stat.samples + 1 };
}

/** Several stats (a task's type with each of its capabilities) as one: their ratios weighted by samples. */
export function merge(stats: readonly (Stat | undefined)[]): Stat | undefined {
  let w = 0;
  let sum = 0;
  for (const s of stats) {
    if (!s || s.samples <= 0) continue;
    w += s.samples;
    sum += s.samples * s.ratio;
  }
  return w > 0 ? { ratio: sum / w, samples: w } : undefined;
}

/** An estimate scaled by what was learnt: all three points move, so σ scales with the mean. */
export function calibrate(e: Plan.Estimate, stat: Stat | undefined): Plan.Estimate {
  if (!stat || stat.samples === 0) return e;
  const r = stat.ratio;
  return { optimistic: e.optimistic * r, likely: e.likely * r, pessimistic: e.pessimistic * r };
}
