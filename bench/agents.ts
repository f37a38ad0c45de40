// External agents: (1) routing decisions with 1,000 registered agents, (2) throughput of sessions over 50
// Agent SDK agents per EAP transport, (3) the round trip of one task at a time per transport.
// Run alone: npx tsx bench/agents.ts [--db=pglite,postgres] [--agents=1000] [--decisions=1000] [--n=2000]
//   [--fleet=50] [--capacity=4] [--inflight=32] [--warmup=100] [--serial=200]
import os from "node:os";
import { type Options as ServerOptions, type Server, start } from "@orchestrator/server";
import { child } from "./lib/child.ts";
import type { Done, Plan as Fleet, Ready } from "./lib/fleet.ts";
import * as Routing from "./lib/routing.ts";
import { ms, summary, table } from "./lib/stats.ts";
import type { Plan as Submit, Result as Submitted } from "./lib/submit.ts";
import { type Db, type Kind, type Targets, alone } from "./lib/target.ts";
import { passes, settled, times } from "./lib/timeline.ts";

export interface Options {
  routing: Routing.Options;
  /** Throughput: sessions, agents, each agent's capacity, concurrent creates, warm-up sessions. */
  n: number;
  fleet: number;
  capacity: number;
  inflight: number;
  warmup: number;
  /** Round trip: sessions created one after another through a single agent. */
  serial: number;
}

export const defaults: Options = {
  routing: { agents: 1000, decisions: 1000, warmup: 20, ranks: 2000 },
  n: 2000,
  fleet: 50,
  capacity: 4,
  inflight: 32,
  warmup: 100,
  serial: 200,
};

/** The EAP transports, each through the Agent SDK; the round trip adds A2A (an agent built with the official SDK). */
export const transports = ["push", "pull", "stream"] as const;
export const serialTransports = [...transports, "a2a"] as const;
export type Transport = (typeof serialTransports)[number];

type Summary = ReturnType<typeof summary>;

export interface Burst {
  transport: Transport;
  sessions: number;
  /** First create sent → last `completed` event. */
  seconds: number;
  perSec: number;
  /** Server clock: `session.created` → `completed`. */
  done: Summary;
  /** Server clock: `session.created` → the start of the routing pass that claimed it. */
  claim: Summary;
  post: Summary;
  /** Sessions that needed more than one attempt. */
  retried: number;
  /** Tasks per agent, fewest and most, and how many agents ran any. */
  spread: [number, number];
  used: number;
  /** Claim passes that routed these sessions; the most sessions and distinct agents one pass routed to. */
  passes: Awaited<ReturnType<typeof passes>>;
}

export interface Serial {
  transport: Transport;
  sessions: number;
  /** Server clock: `session.created` → `completed`. */
  done: Summary;
  /** Client clock: POST sent → the `completed` event heard on /ws/sessions. */
  heard: Summary;
  /** Medians of the phases, server clock: created → pass starts → agent took it → completed. */
  phases: { queue: number; deliver: number; report: number };
}

export interface Result {
  db: string;
  load: { start: number[]; end: number[] };
  routing: Routing.Result;
  burst: Burst[];
  serial: Serial[];
}

export async function run(t: Targets, kind: Kind, o: Options = defaults): Promise<Result> {
  const load0 = os.loadavg();
  const routing = await on(t, kind, "agents_routing", async (db) => {
    const server = await open(db, { ...Routing.config, grpcPort: -1 });
    try {
      return await Routing.measure(server, server.adminKey!, o.routing);
    } finally {
      await server.stop();
    }
  });
  const { label, burst, serial } = await on(t, kind, "agents", async (db) => {
    const server = await open(db, { agents: { allowHosts: ["127.0.0.1"], registerPerMinute: 100_000 } });
    try {
      const burst: Burst[] = [];
      for (const tr of transports) burst.push(await throughput(server, tr, o));
      const serial: Serial[] = [];
      for (const tr of serialTransports) serial.push(await roundTrip(server, tr, o));
      return { label: db.label, burst, serial };
    } finally {
      await server.stop();
    }
  });
  return { db: label, load: { start: load0, end: os.loadavg() }, routing, burst, serial };
}

async function on<R>(t: Targets, kind: Kind, name: string, fn: (db: Db) => Promise<R>): Promise<R> {
  const db = await t.open(kind, name);
  try {
    return await fn(db);
  } finally {
    db.cleanup();
  }
}

async function open(db: Db, config: ServerOptions["config"]): Promise<Server> {
  const server = await start({
    ...db.options,
    config: { ...db.options.config, port: 0, logLevel: "silent", ...config },
  });
  if (!server.adminKey) {
    await server.stop();
    throw new Error("the database already has API keys: give the benchmarks an empty database");
  }
  return server;
}

/** Agents in one child process, the load generator in another, the server in this one. */
async function withFleet<R>(
  server: Server,
  plan: Omit<Fleet, "url" | "key" | "grpc">,
  fn: () => Promise<R>,
): Promise<{ out: R; handled: number[] }> {
  const fleet = child(plan.mode === "a2a" ? "a2a-fleet.ts" : "fleet.ts", [
    JSON.stringify({ ...plan, url: server.url, key: server.adminKey!, grpc: server.grpc } satisfies Fleet),
  ]);
  let out: R;
  try {
    await fleet.next<Ready>();
    out = await fn();
  } finally {
    await fleet.stop();
  }
  return { out, handled: (await fleet.next<Done>()).handled };
}

/** Create sessions from a child process and wait until all have completed. */
async function submit(server: Server, plan: Omit<Submit, "url" | "key">): Promise<Submitted> {
  const gen = child("submit.ts", [
    JSON.stringify({ ...plan, url: server.url, key: server.adminKey! } satisfies Submit),
  ]);
  const result = await gen.next<Submitted>();
  await gen.exited;
  await settled(server, result.ids);
  return result;
}

async function throughput(server: Server, transport: Transport, o: Options): Promise<Burst> {
  const capabilities = [`x-bench-${transport}`];
  const burst = { capabilities, mode: "burst" as const, inflight: o.inflight };
  const { out, handled } = await withFleet(
    server,
    { mode: transport, n: o.fleet, capacity: o.capacity, capabilities, prefix: `burst-${transport}` },
    async () => {
      await submit(server, { ...burst, n: o.warmup });
      const r = await submit(server, { ...burst, n: o.n });
      return { r, rows: await times(server, r.ids), passes: await passes(server, r.ids) };
    },
  );
  const seconds = (Math.max(...out.rows.map((x) => x.completed)) - out.r.firstSent) / 1000;
  return {
    transport,
    sessions: out.rows.length,
    seconds,
    perSec: out.rows.length / seconds,
    done: summary(out.rows.map((x) => x.completed - x.created)),
    claim: summary(out.rows.map((x) => x.claimed - x.created)),
    post: out.r.post,
    retried: out.rows.filter((x) => x.attempts > 1).length,
    spread: [Math.min(...handled), Math.max(...handled)],
    used: handled.filter((n) => n > 0).length,
    passes: out.passes,
  };
}

async function roundTrip(server: Server, transport: Transport, o: Options): Promise<Serial> {
  const capabilities = [`x-one-${transport}`];
  const serial = { capabilities, mode: "serial" as const };
  const { out } = await withFleet(
    server,
    { mode: transport, n: 1, capacity: o.capacity, capabilities, prefix: `one-${transport}` },
    async () => {
      await submit(server, { ...serial, n: 10 });
      const r = await submit(server, { ...serial, n: o.serial });
      return { r, rows: await times(server, r.ids) };
    },
  );
  const sent = new Map(out.r.ids.map((id, i) => [id, out.r.sent[i]!]));
  const heard = new Map(out.r.ids.map((id, i) => [id, out.r.heard[i]!]));
  const p50 = (xs: number[]) => summary(xs).p50;
  const took = out.rows.filter((x) => x.acked > 0);
  return {
    transport,
    sessions: out.rows.length,
    done: summary(out.rows.map((x) => x.completed - x.created)),
    heard: summary(out.rows.map((x) => heard.get(x.id)! - sent.get(x.id)!)),
    phases: {
      queue: p50(out.rows.map((x) => x.claimed - x.created)),
      // An A2A task has no acknowledgement of its own (the engine runs it): those phases stay empty.
      deliver: took.length ? p50(took.map((x) => x.acked - x.claimed)) : NaN,
      report: took.length ? p50(took.map((x) => x.completed - x.acked)) : NaN,
    },
  };
}

const avg = (l: number[]) => l.map((v) => v.toFixed(2)).join(" ");

export function report(r: Result, o: Options = defaults): string {
  const g = r.routing;
  return [
    `agents — ${r.db}; load average ${avg(r.load.start)} at the start, ${avg(r.load.end)} at the end`,
    `routing: ${g.agents} EAP agents (${g.slots} slots) registered over REST in ${g.registerSeconds.toFixed(1)} s; engine off, the engine's router called here`,
    table([
      ["span", "n", "p50", "p99", "max"],
      ...(
        [
          ["one claim pass routing one session (router.claim)", g.decision],
          [`candidates(): re-read of all ${g.candidates} candidates (at most once a second)`, g.reload],
          [`rank() over ${g.candidates} candidates, pure`, g.rank],
        ] as const
      ).map(([what, s]) => [what, s.n, ms(s.p50, 2), ms(s.p99, 2), ms(s.max, 2)]),
    ]),
    `  the ${g.decision.n} decisions went to ${g.picked} distinct agents; ${g.missed.n} passes routed nothing` +
      (g.missed.n
        ? ` (p50 ${ms(g.missed.p50, 2)}), so ${g.waited.n} sessions waited for a later pass (max ${ms(g.waited.max, 0)}); first reason: ${g.reason}`
        : ""),
    `throughput: ${o.n} sessions over ${o.fleet} Agent SDK agents (capacity ${o.capacity} each, one child process), ${o.inflight} creates in flight from another`,
    table([
      [
        "transport",
        "sessions",
        "seconds",
        "per second",
        "created → completed p50",
        "p99",
        "created → claim pass p50",
        "p99",
        "POST p99",
        "retried",
        "tasks per agent",
        "agents used",
        "claim passes",
        "most agents in a pass",
      ],
      ...r.burst.map((b) => [
        b.transport,
        b.sessions,
        b.seconds.toFixed(2),
        b.perSec.toFixed(0),
        ms(b.done.p50),
        ms(b.done.p99),
        ms(b.claim.p50),
        ms(b.claim.p99),
        ms(b.post.p99),
        b.retried,
        `${b.spread[0]}–${b.spread[1]}`,
        b.used,
        b.passes.passes,
        b.passes.agents,
      ]),
    ]),
    `round trip: ${o.serial} sessions one at a time through one agent (A2A: streaming, run by the engine)`,
    table([
      [
        "transport",
        "created → completed p50",
        "p99",
        "max",
        "client send → heard p50",
        "p99",
        "phases p50: created → pass",
        "→ agent took it",
        "→ completed",
      ],
      ...r.serial.map((s) => [
        s.transport,
        ms(s.done.p50),
        ms(s.done.p99),
        ms(s.done.max),
        ms(s.heard.p50),
        ms(s.heard.p99),
        ms(s.phases.queue),
        Number.isNaN(s.phases.deliver) ? "–" : ms(s.phases.deliver),
        Number.isNaN(s.phases.report) ? "–" : ms(s.phases.report),
      ]),
    ]),
  ].join("\n");
}

export async function main(t: Targets, o: Options): Promise<Result[]> {
  const out: Result[] = [];
  for (const kind of t.kinds) {
    const r = await run(t, kind, o);
    console.log(report(r, o) + "\n");
    out.push(r);
  }
  return out;
}

await alone(import.meta.url, (t, f) =>
  main(t, {
    routing: {
      agents: f.num("agents", defaults.routing.agents),
      decisions: f.num("decisions", defaults.routing.decisions),
      warmup: defaults.routing.warmup,
      ranks: defaults.routing.ranks,
    },
    n: f.num("n", defaults.n),
    fleet: f.num("fleet", defaults.fleet),
    capacity: f.num("capacity", defaults.capacity),
    inflight: f.num("inflight", defaults.inflight),
    warmup: f.num("warmup", defaults.warmup),
    serial: f.num("serial", defaults.serial),
  }),
);
