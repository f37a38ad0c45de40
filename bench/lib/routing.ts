// Routing with many registered agents: the claim pass the engine runs, timed in-process, one session at a
// time; the full re-read of the candidates it makes once a second; and the pure ranking over all of them.
import { sql } from "drizzle-orm";
import type { Server } from "@orchestrator/server";
import { router } from "../../packages/server/src/routing/route.ts";
import { policy as breakerDefaults } from "../../packages/server/src/routing/breaker.ts";
import { type Need, rank } from "../../packages/server/src/routing/score.ts";
import { candidates } from "../../packages/server/src/registry/view.ts";
import { api } from "./api.ts";
import { summary } from "./stats.ts";

export interface Options {
  agents: number;
  decisions: number;
  warmup: number;
  /** Calls of the pure `rank` timed on their own. */
  ranks: number;
}

export interface Result {
  agents: number;
  /** Sum of their capacities. */
  slots: number;
  registerSeconds: number;
  /** One claim pass that routes one session: `router.claim()`, wall clock around the call. */
  decision: ReturnType<typeof summary>;
  /** Distinct agents the measured decisions picked. */
  picked: number;
  /** Claim passes that routed nothing although fitting agents had room, and how long they took. */
  missed: ReturnType<typeof summary>;
  /** Sessions routed only by a later pass: first pass → the one that routed it. */
  waited: ReturnType<typeof summary>;
  /** The first missed session's `queue_reason`. */
  reason: string | null;
  /** `candidates()`: every agent row, live loads and recent attempts, as the router re-reads them. */
  reload: ReturnType<typeof summary>;
  /** `rank(need, all candidates)`, pure, in memory. */
  rank: ReturnType<typeof summary>;
  candidates: number;
}

/** Server config for this measurement: no engine (the benchmark runs the router), agents never go stale. */
export const config = {
  engine: { enabled: false },
  agents: { registerPerMinute: 100_000, heartbeatTtlMs: 600_000, ackMs: 600_000 },
};

const words = ["x-build", "x-test", "x-lint", "x-docs", "x-deploy", "x-review", "x-data", "x-gpu"];

/** A fixed-seed generator (mulberry32), so every run registers the same fleet and asks the same things. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 1–3 of the words each, capacity 2–8. */
function fleet(n: number, rnd: () => number) {
  return Array.from({ length: n }, (_, i) => {
    const pool = [...words];
    const k = 1 + Math.floor(rnd() * 3);
    const capabilities = Array.from({ length: k }, () => pool.splice(Math.floor(rnd() * pool.length), 1)[0]!);
    return { name: `route-${i}`, capabilities, capacity: 2 + Math.floor(rnd() * 7) };
  });
}

/** Two thirds ask for one word, a third for two; each taken from a real agent, so one always fits. */
function needs(n: number, agents: ReturnType<typeof fleet>, rnd: () => number): string[][] {
  return Array.from({ length: n }, () => {
    const caps = agents[Math.floor(rnd() * agents.length)]!.capabilities;
    return rnd() < 1 / 3 && caps.length > 1 ? caps.slice(0, 2) : caps.slice(0, 1);
  });
}

export async function measure(server: Server, key: string, o: Options): Promise<Result> {
  const rnd = random(42);
  const agents = fleet(o.agents, rnd);
  const a = api(server.url, key);
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < agents.length) {
      const g = agents[next++]!;
      await a.call("POST", "/api/v1/agents/external/register", { ...g, mode: "pull" });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const registerSeconds = (performance.now() - t0) / 1000;

  const { deps } = server;
  const breaker = { ...breakerDefaults, coolDownMs: deps.config.agents.breakerCoolDownMs };
  // The engine's own router, built with the engine's arguments (engine/engine.ts).
  const r = await router(deps.db, {
    nodeId: deps.config.nodeId,
    leaseMs: deps.config.engine.leaseMs,
    ackMs: deps.config.agents.ackMs,
    machine: deps.config.engine,
    breaker: { coolDownMs: deps.config.agents.breakerCoolDownMs },
    defaultProfile: deps.profiles.default,
  });
  const asks = needs(o.warmup + o.decisions, agents, rnd);
  const took: number[] = [];
  const missed: number[] = [];
  const waited: number[] = [];
  let reason: string | null = null;
  const picks = new Set<string>();
  try {
    for (const [i, capabilities] of asks.entries()) {
      const s = await a.call("POST", "/api/v1/sessions", { title: `route ${i}`, prompt: "go", capabilities });
      const first = performance.now();
      for (let tries = 0; ; tries++) {
        const t = performance.now();
        // Room 0 for this node: only external agents may take it, as with a node that runs nothing itself.
        const rows = await r.claim(0, new Date());
        const ms = performance.now() - t;
        if (i >= o.warmup) (rows.length ? took : missed).push(ms);
        if (rows[0]?.agentId) {
          picks.add(rows[0].agentId);
          if (tries > 0 && i >= o.warmup) waited.push(performance.now() - first);
          break;
        }
        // Routed nothing although agents have room (see docs/benchmarks.md §6): the session stays queued;
        // ask again shortly, as the engine's next wake-up would, and say why it waited.
        reason ??= await why(server, s.id, capabilities);
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  } finally {
    await r.stop();
  }

  const reload: number[] = [];
  let list: Awaited<ReturnType<typeof candidates>>["list"] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    list = (await candidates(deps.db, new Date(), breaker)).list;
    reload.push(performance.now() - t);
  }
  const ranks: number[] = [];
  for (let i = 0; i < o.ranks; i++) {
    const need: Need = {
      tenantId: deps.defaultTenant,
      type: "execution",
      capabilities: asks[i % asks.length]!,
      pin: null,
      prefer: { agents: [], origin: null },
      avoid: null,
    };
    const t = performance.now();
    rank(need, list);
    ranks.push(performance.now() - t);
  }
  return {
    agents: agents.length,
    slots: agents.reduce((n, g) => n + g.capacity, 0),
    registerSeconds,
    decision: summary(took),
    picked: picks.size,
    missed: summary(missed),
    waited: summary(waited),
    reason,
    reload: summary(reload),
    rank: summary(ranks),
    candidates: list.length,
  };
}

/** The session's queue reason, and how many fitting agents had room at that moment (live leases). */
async function why(server: Server, id: string, capabilities: string[]): Promise<string> {
  const [row] = await server.deps.db.rows<{ reason: string | null; free: number }>(sql`
    select s.queue_reason as reason,
      (select count(*) from agents a where a.deleted_at is null and a.kind = 'eap' and a.capabilities @> s.capabilities
         and a.capacity > (select count(*) from sessions l where l.agent_id = a.id
                             and l.status in ('running', 'degraded', 'waiting')))::int as free
    from sessions s where s.id = ${id}`);
  return `"${row?.reason}" while ${row?.free} agents with ${capabilities.join(", ")} had room`;
}
