// Plans, in process: validate a plan's graph, sort it and run CPM with PERT (packages/server/src/plan/) on
// random DAGs of 1,000 tasks / 3,000 edges and 10,000 / 30,000, median of N rounds after a warm-up.
// Targets (issue 15): ≤ 10 ms and ≤ 50 ms. No database: the plan's persistence is measured separately.
// Run alone: npx tsx bench/plans.ts [--rounds=30] [--warmup=5]
import os from "node:os";
import { build } from "../packages/server/src/plan/graph.ts";
import { durations, schedule } from "../packages/server/src/plan/cpm.ts";
import { median, ms, table, verdict } from "./lib/stats.ts";
import { type Targets, alone } from "./lib/target.ts";

export interface Size {
  tasks: number;
  edges: number;
  /** Target for the median, in ms. */
  target: number;
}

export interface Options {
  sizes: Size[];
  rounds: number;
  warmup: number;
}

export const defaults: Options = {
  sizes: [
    { tasks: 1_000, edges: 3_000, target: 10 },
    { tasks: 10_000, edges: 30_000, target: 50 },
  ],
  rounds: 30,
  warmup: 5,
};

export interface Result {
  tasks: number;
  edges: number;
  target: number;
  /** validate + sort + CPM, one sample per round, ms. */
  times: number[];
  /** The same rounds in CPU time (user + system, the whole process): on a loaded machine wall time also
   * counts the time other processes held the core. */
  cpu: number[];
  /** The two halves' medians: build (validation, Kahn, adjacency) and CPM (both passes, the chain, PERT). */
  build: number;
  cpm: number;
  /** The first round, before the JIT has seen the code. */
  cold: number;
}

type Task = { key: string; estimate?: { optimistic: number; likely: number; pessimistic: number } };

/** A fixed-seed generator (mulberry32), so every run measures the same graphs. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random DAG as a client would send it: tasks in a shuffled order (so the sort has work to do), edges
 * between distinct random pairs oriented by a hidden random order, most tasks with a PERT estimate.
 */
export function plan(n: number, m: number, seed = 15) {
  const rnd = random(seed);
  const rank = Array.from({ length: n }, (_, i) => i).sort(() => rnd() - 0.5);
  const tasks: Task[] = rank.map((_, i) => {
    const likely = 5 + Math.floor(rnd() * 120);
    return rnd() < 0.8
      ? { key: `t${i}`, estimate: { optimistic: likely / 2, likely, pessimistic: likely * 3 } }
      : { key: `t${i}` };
  });
  const seen = new Set<number>();
  const edges: { from: string; to: string }[] = [];
  while (edges.length < m) {
    const a = Math.floor(rnd() * n);
    const b = Math.floor(rnd() * n);
    if (a === b || seen.has(a * n + b) || seen.has(b * n + a)) continue;
    seen.add(a * n + b);
    const [from, to] = rank[a]! < rank[b]! ? [a, b] : [b, a];
    edges.push({ from: `t${from}`, to: `t${to}` });
  }
  return { tasks, edges };
}

const fallback = () => ({ expected: 30, sigma: 10 });

/** One round: every step the API takes before it answers, checked so a fast but wrong run does not count. */
function once(p: ReturnType<typeof plan>) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const b = build(p.tasks, p.edges);
  const t1 = performance.now();
  if (!b.ok) throw new Error(`the random plan was refused: ${b.problems[0]?.message}`);
  const s = schedule(b.graph, durations(p.tasks, fallback));
  const t2 = performance.now();
  const c = process.cpuUsage(c0);
  if (b.graph.order.length !== p.tasks.length || s.critical.length === 0 || !(s.makespan > 0))
    throw new Error("the schedule is incomplete");
  return { build: t1 - t0, cpm: t2 - t1, all: t2 - t0, cpu: (c.user + c.system) / 1000 };
}

export function run(size: Size, o: Options): Result {
  const p = plan(size.tasks, size.edges);
  const cold = once(p).all;
  for (let i = 0; i < o.warmup; i++) once(p);
  const rounds = Array.from({ length: o.rounds }, () => once(p));
  return {
    ...size,
    times: rounds.map((r) => r.all),
    cpu: rounds.map((r) => r.cpu),
    build: median(rounds.map((r) => r.build)),
    cpm: median(rounds.map((r) => r.cpm)),
    cold,
  };
}

export function report(rs: Result[], o: Options): string {
  const rows: (string | number)[][] = [
    ["tasks / edges", "median", "build", "CPM", "max", "cold", "CPU median", "target", ""],
    ...rs.map((r) => [
      `${r.tasks.toLocaleString("en")} / ${r.edges.toLocaleString("en")}`,
      ms(median(r.times), 2),
      ms(r.build, 2),
      ms(r.cpm, 2),
      ms(Math.max(...r.times), 2),
      ms(r.cold, 1),
      ms(median(r.cpu), 2),
      `≤ ${r.target} ms`,
      verdict(median(r.times), r.target),
    ]),
  ];
  return [
    `plans in process: validate + sort + CPM, median of ${o.rounds} rounds after ${o.warmup} warm-up (load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")})`,
    table(rows),
  ].join("\n");
}

export async function main(_t: Targets, o: Options): Promise<Result[]> {
  const out = o.sizes.map((s) => run(s, o));
  console.log(report(out, o) + "\n");
  return out;
}

await alone(import.meta.url, (t, f) =>
  main(t, {
    ...defaults,
    rounds: f.num("rounds", defaults.rounds),
    warmup: f.num("warmup", defaults.warmup),
  }),
);
