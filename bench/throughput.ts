// Throughput and claim latency: N instantly-finishing sessions end to end against pg-boss doing bare
// send/work/complete of N jobs on the same database, then create → agent-start latency at an offered
// open-loop load. Run alone: npx tsx bench/throughput.ts [--db=pglite,postgres] [--n=1000] [--rate=100]
import type { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { type Server, start } from "@orchestrator/server";
import * as Boss from "./lib/boss.ts";
import { child } from "./lib/child.ts";
import type { Result as Load, Plan } from "./lib/load.ts";
import { ms, summary, table, verdict } from "./lib/stats.ts";
import { type Db, type Targets, each, alone } from "./lib/target.ts";

export interface Options {
  n: number;
  /** Concurrent POSTs in the closed-loop burst, and concurrent pg-boss sends. */
  inflight: number;
  /** Open-loop offered load (sessions/s) and how long to offer it. */
  rate: number;
  seconds: number;
  concurrency: number;
  warmup: number;
}

export const defaults: Options = {
  n: 1000,
  inflight: 32,
  rate: 100,
  seconds: 10,
  concurrency: 64,
  warmup: 50,
};

/** Two pg-boss set-ups: as many jobs in flight as our engine runs sessions, and deps.md's fastest. */
export const bossSetups: { name: string; w: Boss.Workers }[] = [
  {
    name: "pg-boss, 4 workers × batch 16 (64 in flight), poll 0.5 s",
    w: { workers: 4, batchSize: 16, pollingIntervalSeconds: 0.5 },
  },
  {
    name: "pg-boss, 4 workers × batch 200, poll 0.5 s",
    w: { workers: 4, batchSize: 200, pollingIntervalSeconds: 0.5 },
  },
];

const engine = (o: Options) => ({
  concurrency: o.concurrency,
  pollMs: 1000,
  heartbeatMs: 5000,
  leaseMs: 15_000,
  reapMs: 1000,
});

export interface Result {
  db: string;
  engine: ReturnType<typeof engine>;
  ours: {
    sessions: number;
    seconds: number;
    perSec: number;
    claim: ReturnType<typeof summary>;
    fromSend: ReturnType<typeof summary>;
    post: Load["post"];
  };
  boss: { name: string; w: Boss.Workers; outcome: Boss.Outcome; ratio: number }[];
  open: {
    rate: number;
    sessions: number;
    accepted: number;
    claim: ReturnType<typeof summary>;
    fromSend: ReturnType<typeof summary>;
    post: Load["post"];
    lateness: Load["lateness"];
  };
}

export async function run(db: Db, o: Options = defaults): Promise<Result> {
  const server = await start({
    ...db.options,
    config: { ...db.options.config, port: 0, logLevel: "silent", engine: engine(o) },
  });
  try {
    const key = server.adminKey;
    if (!key) throw new Error("the database already has API keys: give the benchmarks an empty database");
    await load(server, key, { mode: "burst", n: o.warmup, inflight: o.inflight });

    const burst = await load(server, key, { mode: "burst", n: o.n, inflight: o.inflight });
    const seconds = (burst.lastCompleted - burst.load.firstSent) / 1000;
    const ours = {
      sessions: o.n,
      seconds,
      perSec: o.n / seconds,
      claim: summary(burst.claim),
      fromSend: summary(burst.fromSend),
      post: burst.load.post,
    };

    const open = await load(server, key, { mode: "open", n: Math.round(o.rate * o.seconds), rate: o.rate });

    const conn: Boss.Conn =
      db.kind === "pglite"
        ? { pglite: (server.deps.db.orm as unknown as { $client: PGlite }).$client }
        : { url: db.options.config.databaseUrl! };
    const boss: Result["boss"] = [];
    for (const [i, setup] of bossSetups.entries()) {
      await Boss.run(conn, o.warmup, o.inflight, setup.w, `warm_${i}`);
      const outcome = await Boss.run(conn, o.n, o.inflight, setup.w, `bench_${i}`);
      boss.push({ ...setup, outcome, ratio: ours.perSec / outcome.perSec });
    }
    return {
      db: db.label,
      engine: engine(o),
      ours,
      boss,
      open: {
        rate: o.rate,
        sessions: open.load.ids.length,
        accepted: open.accepted,
        claim: summary(open.claim),
        fromSend: summary(open.fromSend),
        post: open.load.post,
        lateness: open.load.lateness,
      },
    };
  } finally {
    await server.stop();
  }
}

/**
 * Create sessions from a separate load-generator process, wait until every one has completed, and read
 * the timings back from the event log (server clock at both ends): `session.created` → the first
 * `session.status` to running is the claim; the last status to completed is the end of the run.
 */
async function load(server: Server, key: string, plan: Omit<Plan, "url" | "key" | "prompt">) {
  const gen = child("load.ts", [
    JSON.stringify({ ...plan, url: server.url, key, prompt: "succeed" } satisfies Plan),
  ]);
  const result = await gen.next<Load>();
  await gen.exited;
  const ids = `{${result.ids.join(",")}}`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    const [row] = await server.deps.db.rows<{ done: number; bad: number }>(sql`
      select count(*) filter (where status = 'completed')::int as done,
             count(*) filter (where status not in ('queued', 'running', 'completed'))::int as bad
      from sessions where id = any(${ids}::uuid[])`);
    if (Number(row!.bad) > 0) throw new Error(`${row!.bad} benchmark sessions ended other than completed`);
    if (Number(row!.done) === result.ids.length) break;
    if (Date.now() > deadline)
      throw new Error(`only ${row!.done} of ${result.ids.length} sessions completed in 300 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const rows = await server.deps.db.rows<{
    id: string;
    created: string;
    claimed: string;
    completed: string;
  }>(sql`
    select session_id as id, extract(epoch from min(at) filter (where type = 'session.created')) * 1000 as created,
           extract(epoch from min(at) filter (where type = 'session.status' and data->>'to' = 'running')) * 1000 as claimed,
           extract(epoch from max(at) filter (where type = 'session.status' and data->>'to' = 'completed')) * 1000 as completed
    from session_events where session_id = any(${ids}::uuid[]) group by session_id`);
  const sent = new Map(result.ids.map((id, i) => [id, result.sent[i]!]));
  const created = rows.map((r) => Number(r.created));
  return {
    load: result,
    /** Server clock at both ends: the `session.created` event → the claim. */
    claim: rows.map((r) => Number(r.claimed) - Number(r.created)),
    /** Client send → claim: adds what queues in front of the handler (same machine, same clock). */
    fromSend: rows.map((r) => Number(r.claimed) - sent.get(String(r.id))!),
    /** Creates per second the server actually accepted (span of `session.created`). */
    accepted: rows.length / ((Math.max(...created) - Math.min(...created)) / 1000),
    lastCompleted: Math.max(...rows.map((r) => Number(r.completed))),
  };
}

export function report(r: Result, o: Options = defaults): string {
  const lines = [
    `throughput — ${r.db}; engine ${JSON.stringify(r.engine)}`,
    table([
      ["system", "items", "seconds", "per second", "ratio ours ÷ it", "create/send → start p50", "p99"],
      [
        "ours (HTTP create → scripted `succeed` → completed)",
        r.ours.sessions,
        r.ours.seconds.toFixed(2),
        r.ours.perSec.toFixed(0),
        "",
        ms(r.ours.claim.p50),
        ms(r.ours.claim.p99),
      ],
      ...r.boss.map((b) => [
        b.name,
        b.outcome.jobs,
        b.outcome.seconds.toFixed(2),
        b.outcome.perSec.toFixed(0),
        `${b.ratio.toFixed(2)}× (${b.ratio >= 1 ? "met" : "MISSED"})`,
        ms(b.outcome.pickup.p50),
        ms(b.outcome.pickup.p99),
      ]),
    ]),
    `  closed loop: ${o.inflight} POSTs in flight; POST round trip p50 ${ms(r.ours.post.p50)}, p99 ${ms(r.ours.post.p99)}`,
    `  client send → agent start p50 ${ms(r.ours.fromSend.p50)}, p99 ${ms(r.ours.fromSend.p99)}`,
    `open loop, offered ${r.open.rate}/s for ${r.open.sessions} sessions (server accepted ${r.open.accepted.toFixed(0)}/s):`,
    `  create → agent start (server clock) p50 ${ms(r.open.claim.p50)}, p99 ${ms(r.open.claim.p99)}, max ${ms(r.open.claim.max)} — target p99 ≤ 25 ms: ${verdict(r.open.claim.p99, 25)}`,
    `  client send → agent start p50 ${ms(r.open.fromSend.p50)}, p99 ${ms(r.open.fromSend.p99)}, max ${ms(r.open.fromSend.max)}`,
    `  POST round trip p50 ${ms(r.open.post.p50)}, p99 ${ms(r.open.post.p99)}; generator lateness p99 ${ms(r.open.lateness?.p99 ?? NaN)}`,
  ];
  return lines.join("\n");
}

export const main = (t: Targets, o: Options): Promise<Result[]> =>
  each(
    t,
    "throughput",
    (db) => run(db, o),
    (r) => report(r, o),
  );

await alone(import.meta.url, (t, f) =>
  main(t, {
    n: f.num("n", defaults.n),
    inflight: f.num("inflight", defaults.inflight),
    rate: f.num("rate", defaults.rate),
    seconds: f.num("seconds", defaults.seconds),
    concurrency: f.num("concurrency", defaults.concurrency),
    warmup: f.num("warmup", defaults.warmup),
  }),
);
