// Plans on a database (issue 15), with the server in its own process and scripted tasks:
//  - create: POST a 1,000-task / 3,000-edge plan (validate, three inserts, the view back); median of rounds.
//    Targets: ≤ 1 s on PGlite, ≤ 300 ms on PostgreSQL.
//  - run: a 1,000-task plan of instant tasks, 50 wide (20 layers, each task after 1–3 of the layer before),
//    against the same 1,000 sessions with no edges, in one run; ratio of wall times ≤ 1.3. Both at
//    concurrency 50 (maxParallel 50).
//  - queued: from a prerequisite's session ending (the moment its end is decided, before it waits for its
//    plan's step) to its dependent's session being created, in the same transaction as the end; p99 ≤ 50
//    ms. Measured on a paced plan (400 tasks, 50 wide, each task 0.5–1.5 s, so about 50 ends a second
//    at 50 running), and reported for the run above too, where 50 instant tasks end at once and wait for
//    each other's step: there it is the time to drain a burst, not the scheduler's delay.
// Run alone: npx tsx bench/plandb.ts [--db=pglite,postgres] [--tasks=1000] [--rounds=3]
import { api } from "./lib/api.ts";
import { child } from "./lib/child.ts";
import { median, ms, pct, table } from "./lib/stats.ts";
import { type Db, type Targets, alone, each } from "./lib/target.ts";
import { plan as randomPlan } from "./plans.ts";

export interface Options {
  tasks: number;
  rounds: number;
}
export const defaults: Options = { tasks: 1000, rounds: 3 };

export interface Result {
  db: string;
  tasks: number;
  create: number[];
  planMs: number;
  sessionsMs: number;
  ratio: number;
  /** Prerequisite ended → dependent queued, in the run (a burst) and on the paced plan. */
  burst: Latency;
  queued: Latency;
}

interface Latency {
  p50: number;
  p99: number;
  n: number;
}

const ended = ["succeeded", "failed", "partially_succeeded", "cancelled"];

/** Layers of 50: each task after 1–3 tasks of the layer before (fixed seed). */
function layered(n: number, prompt: (i: number) => string = () => "succeed") {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const width = 50;
  const tasks = Array.from({ length: n }, (_, i) => ({
    key: `t${i}`,
    title: `t${i}`,
    prompt: prompt(i),
    agent: "scripted",
  }));
  const edges: { from: string; to: string }[] = [];
  for (let i = width; i < n; i++) {
    const layer = Math.floor(i / width);
    const from = new Set<number>();
    for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--)
      from.add((layer - 1) * width + Math.floor(rnd() * width));
    for (const f of from) edges.push({ from: `t${f}`, to: `t${i}` });
  }
  return { tasks, edges };
}

export async function run(db: Db, o: Options = defaults): Promise<Result> {
  const config = {
    ...db.options.config,
    port: 0,
    logLevel: "silent",
    engine: { concurrency: 50, pollMs: 50 },
  };
  const srv = child("server.ts", [JSON.stringify({ ...db.options, config })]);
  try {
    const { url, adminKey } = await srv.next<{ url: string; adminKey: string }>();
    const a = api(url, adminKey);
    // create: the in-process bench's random DAG, its tasks given a prompt
    const g = randomPlan(o.tasks, o.tasks * 3);
    const body = {
      title: "bench",
      tasks: g.tasks.map((t) => ({ ...t, title: t.key, prompt: "succeed", agent: "scripted" })),
      edges: g.edges,
    };
    const create: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const t0 = performance.now();
      await a.call("POST", "/api/v1/plans", body);
      create.push(performance.now() - t0);
    }
    // run: the plan, then the same number of sessions with no edges
    const t1 = performance.now();
    const burst = await runPlan(a, layered(o.tasks));
    const planMs = performance.now() - t1;
    const t2 = performance.now();
    for (let i = 0; i < o.tasks; i += 100)
      await Promise.all(
        Array.from({ length: Math.min(100, o.tasks - i) }, () =>
          a.call("POST", "/api/v1/sessions", { title: "s", prompt: "succeed", agent: "scripted" }),
        ),
      );
    for (;;) {
      const st = await a.call("GET", "/api/v1/sessions/stats");
      if ((st.byStatus.completed ?? 0) >= o.tasks) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const sessionsMs = performance.now() - t2;
    // queued: a paced plan, its tasks' lengths spread so that they end one by one
    const queued = await runPlan(
      a,
      layered(400, (i) => `sleep ${500 + ((i * 7919) % 1000)}\nsucceed`),
    );
    return {
      db: db.label,
      tasks: o.tasks,
      create,
      planMs,
      sessionsMs,
      ratio: planMs / sessionsMs,
      burst,
      queued,
    };
  } finally {
    await srv.stop();
  }
}

/** Run a plan to its end (50 at once); per dependent, its session's creation after its last prerequisite's end. */
async function runPlan(a: ReturnType<typeof api>, graph: ReturnType<typeof layered>): Promise<Latency> {
  const p = await a.call("POST", "/api/v1/plans", {
    title: "run",
    ...graph,
    start: true,
    policy: { maxParallel: 50 },
  });
  let view: any;
  for (;;) {
    view = await a.call("GET", `/api/v1/plans/${p.id}`);
    if (ended.includes(view.status)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (view.status !== "succeeded") throw new Error(`the plan ended ${view.status}`);
  const byKey = new Map<string, any>(view.tasks.map((t: any) => [t.key, t]));
  const sessions = new Map<string, any>();
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page: any = await a.call(
      "GET",
      `/api/v1/sessions?limit=200&tag=plan${cursor ? `&cursor=${cursor}` : ""}`,
    );
    for (const s of page.items) if (s.planId === p.id) sessions.set(s.id, s);
    cursor = page.nextCursor;
  }
  const lat: number[] = [];
  for (const t of view.tasks) {
    const pre = view.edges.filter((e: any) => e.to === t.key).map((e: any) => byKey.get(e.from));
    if (!pre.length) continue;
    const last = Math.max(...pre.map((x: any) => Date.parse(sessions.get(x.sessionId)?.endedAt)));
    const mine = sessions.get(t.sessionId);
    if (mine && Number.isFinite(last)) lat.push(Date.parse(mine.createdAt) - last);
  }
  return { p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length };
}

export function report(r: Result): string {
  return `plans on ${r.db}\n${table([
    ["measure", "value", "target"],
    [
      "create 1,000-task plan (median)",
      ms(median(r.create)),
      r.db.startsWith("PGlite") ? "≤ 1000 ms" : "≤ 300 ms",
    ],
    [`${r.tasks}-task plan, width 50`, ms(r.planMs, 0), ""],
    [`${r.tasks} sessions, no edges`, ms(r.sessionsMs, 0), ""],
    ["ratio", r.ratio.toFixed(2), "≤ 1.3"],
    [`prerequisite ended → dependent queued, paced: p50 (n=${r.queued.n})`, ms(r.queued.p50), ""],
    ["… p99", ms(r.queued.p99), "≤ 50 ms"],
    [`… in the run above, 50 ending at once: p50 (n=${r.burst.n})`, ms(r.burst.p50), ""],
    ["… p99", ms(r.burst.p99), ""],
  ])}`;
}

export const main = (t: Targets, o: Options = defaults) => each(t, "plandb", (db) => run(db, o), report);

await alone(import.meta.url, (t, f) =>
  main(t, { tasks: f.num("tasks", defaults.tasks), rounds: f.num("rounds", defaults.rounds) }),
);
