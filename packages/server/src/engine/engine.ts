import type { Config } from "../config.ts";
import type { Db } from "../db/db.ts";
import type { Clock } from "../clock.ts";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Registry } from "../agent/agent.ts";
import * as Store from "../session/store.ts";
import type { Row } from "../session/row.ts";
import * as Routing from "../routing/route.ts";
import * as Loop from "./loop.ts";
import * as Runs from "./run.ts";
import type { Waiters } from "./wait.ts";

/**
 * The engine of a node: the claim and reap loop (loop.ts) hands it sessions; each runs (run.ts) until its
 * agent ends, it is stopped, or its lease is lost; an agent asking a person waits (wait.ts); how a run
 * ended becomes one transition (end.ts).
 */

export interface Deps {
  db: Db;
  clock: Clock;
  log: Log;
  /** Adapters this node runs, by agent kind (opencode, scripted, a2a). */
  agents: Registry;
  config: Config;
  metrics: Metrics;
  /** The OpenCode profile of sessions pinned to "opencode" without one. */
  defaultProfile: string;
  /** Called with sessions just assigned to external agents (to push them, or wake their long-polls). */
  handOff?: (rows: Row[]) => void;
  /** The server's session store context (with its plan hook); tests may leave it out. */
  store?: Store.Ctx;
}

export interface Engine {
  /** Sessions this node runs now. */
  running(): number;
  /** When the claim loop last completed a pass: readiness reads it. */
  lastTick(): number;
  /** Claim now instead of waiting for the next poll. */
  poke(): void;
  /** Stop claiming, let runs finish for up to the grace period, then hand the rest back. */
  stop(): Promise<void>;
  /** A session this node runs, for what its agent asks through MCP; null when it runs elsewhere or not at all. */
  local(sessionId: string): Runs.Local | null;
}

export async function start(deps: Deps): Promise<Engine> {
  const { db, clock, log, config, metrics } = deps;
  const cfg = config.engine;
  const store: Store.Ctx = deps.store ?? { db, now: () => clock.now(), policy: cfg };
  const runs = new Map<string, Runs.Run>();
  const waiters: Waiters = new Map();
  let stopping = false;

  const router = await Routing.router(db, {
    nodeId: config.nodeId,
    leaseMs: cfg.leaseMs,
    ackMs: config.agents.ackMs,
    machine: cfg,
    breaker: { coolDownMs: config.agents.breakerCoolDownMs },
    defaultProfile: deps.defaultProfile,
  });
  const ctx: Runs.Ctx = { deps, store, router, waiters };

  const offApproval = await db.listen("approval", (id) => {
    void waiters
      .get(id)?.()
      .catch((err) => log.warn({ err, approval: id }, "reading an answer failed"));
  });
  const offControl = await db.listen("control", (id) => {
    const run = runs.get(id);
    if (run && !run.why) Runs.stop(run, "control");
  });

  const offTalk = await db.listen("talk", (id) => {
    const run = runs.get(id);
    if (run && !run.why) Runs.heard(run);
  });

  const loop = await Loop.start({
    deps,
    store,
    router,
    room: () => cfg.concurrency - runs.size,
    launch,
    moved: (row, event) => {
      const run = runs.get(row.id);
      if (run && !run.why) Runs.stop(run, event.type === "timeout" ? "timeout" : "lost");
    },
  });

  loop.poke();

  function launch(row: Row): void {
    const run = Runs.create(row, clock.now());
    runs.set(row.id, run);
    metrics.running.set(runs.size);
    run.done = Runs.execute(ctx, run).finally(() => {
      runs.delete(row.id);
      metrics.running.set(runs.size);
      if (!stopping) loop.wake();
    });
  }

  return {
    running: () => runs.size,
    local: (id) => {
      const run = runs.get(id);
      return run && !run.why ? Runs.local(ctx, run) : null;
    },
    lastTick: () => loop.lastTick(),
    poke: () => loop.poke(),
    stop: async () => {
      stopping = true;
      await loop.halt();
      await offControl();
      await offTalk();
      await offApproval();
      await router.stop();
      const all = [...runs.values()];
      const grace = new Promise<void>((r) => setTimeout(r, cfg.shutdownGraceMs).unref());
      await Promise.race([Promise.all(all.map((r) => r.done)), grace]);
      for (const run of runs.values()) if (!run.why) Runs.stop(run, "shutdown");
      // An agent that ignores its abort signal must not hold shutdown hostage: its lease simply expires
      // and a reaper returns the session to the queue.
      const abandon = new Promise<void>((r) => setTimeout(r, 5_000).unref());
      await Promise.race([Promise.all([...runs.values()].map((r) => r.done)), abandon]);
      await loop.idle();
    },
  };
}
