// Plans on a database (issue 15), with the server in its own process and scripted tasks:
//  - create: POST a 1,000-task / 3,000-edge plan (validate, three inserts, the view back); median of rounds.
//    Targets: ≤ 1 s on PGlite, ≤ 300 ms on PostgreSQL.
//  - run: a 1,000-task plan of instant tasks, 50 wide (20 layers, each task after 1–3 of the layer before),
//    against the same 1,000 sessions with no edges, in one run; ratio of wall times ≤ 1.3. Both at
//    concurrency 50 (maxParallel 50).
//  - queued: from a prerequisite's session ending to its dependent's session being created (both written
//    in one transaction, so this is that transaction's length up to the launch); p99 ≤ 50 ms.
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
  create: number[];
  planMs: number;
  sessionsMs: number;
  ratio: number;
  queued: { p50: number; p99: number; n: number };
}

const ended = ["succeeded", "failed", "partially_succeeded", "cancelled"];

/** 20 layers of 50: each task after 1–3 tasks of the layer before (fixed seed). */
function layered(n: number) {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const width = 50;
  const tasks = Array.from({ length: n }, (_, i) => ({
    key: `t${i}`,
    title: `t${i}`,
    prompt: "succeed",
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
    const l = layered(o.tasks);
    const t1 = performance.now();
    const p = await a.call("POST", "/api/v1/plans", {
      title: "run",
      ...l,
      start: true,
      policy: { maxParallel: 50 },
    });
    let view: any;
    for (;;) {
      view = await a.call("GET", `/api/v1/plans/${p.id}`);
      if (ended.includes(view.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const planMs = performance.now() - t1;
    if (view.status !== "succeeded") throw new Error(`the plan ended ${view.status}`);
    const t2 = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < o.tasks; i += 100)
      await Promise.all(
        Array.from({ length: Math.min(100, o.tasks - i) }, async () => {
          const s = await a.call("POST", "/api/v1/sessions", {
            title: "s",
            prompt: "succeed",
            agent: "scripted",
          });
          ids.push(s.id);
        }),
      );
    for (;;) {
      const st = await a.call("GET", "/api/v1/sessions/stats");
      if ((st.byStatus.completed ?? 0) >= o.tasks) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const sessionsMs = performance.now() - t2;
    // queued: per dependent, its session's creation after its last prerequisite's session ended
    const byKey = new Map<string, any>(view.tasks.map((t: any) => [t.key, t]));
    const sessions = new Map<string, any>();
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page: any = await a.call("GET", `/api/v1/sessions?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
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
    return {
      db: db.label,
      create,
      planMs,
      sessionsMs,
      ratio: planMs / sessionsMs,
      queued: { p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length },
    };
  } finally {
    await srv.stop();
  }
}

export function report(r: Result): string {
  return `plans on ${r.db}\n${table([
    ["measure", "value", "target"],
    [
      "create 1,000-task plan (median)",
      ms(median(r.create)),
      r.db.startsWith("PGlite") ? "≤ 1000 ms" : "≤ 300 ms",
    ],
    ["1,000-task plan, width 50", ms(r.planMs, 0), ""],
    ["1,000 sessions, no edges", ms(r.sessionsMs, 0), ""],
    ["ratio", r.ratio.toFixed(2), "≤ 1.3"],
    [`prerequisite ended → dependent queued p50 (n=${r.queued.n})`, ms(r.queued.p50), ""],
    ["… p99", ms(r.queued.p99), "≤ 50 ms"],
  ])}`;
}

export const main = (t: Targets, o: Options = defaults) => each(t, "plandb", (db) => run(db, o), report);

await alone(import.meta.url, (t, f) =>
  main(t, { tasks: f.num("tasks", defaults.tasks), rounds: f.num("rounds", defaults.rounds) }),
);
