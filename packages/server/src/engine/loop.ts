import type { Q } from "../db/db.ts";
import * as Approvals from "../approval/store.ts";
import type { Router } from "../routing/route.ts";
import type { Event } from "../session/machine.ts";
import type { Row } from "../session/row.ts";
import * as Store from "../session/store.ts";
import type { Deps } from "./engine.ts";
import * as Queue from "./queue.ts";

/** How long a wake-up waits for others to join it (a few ms against create → start latency). */
const coalesceMs = 2;

export interface Opts {
  deps: Deps;
  store: Store.Ctx;
  router: Router;
  /** How many more sessions this node may run now. */
  room(): number;
  /** Run a session this node just claimed. */
  launch(row: Row): void;
  /** The reaper moved a session (timed out or expired): its run here, if any, must stop. */
  moved(row: Row, event: Event): void;
}

export interface Loop {
  /** When a claim pass last completed (ms). */
  lastTick(): number;
  /** Claim now instead of waiting for the next poll. */
  poke(): void;
  /** Claim soon: wake-ups within a few ms become one pass. */
  wake(): void;
  /** Stop claiming and reaping; stop listening. A pass in flight finishes (see `idle`). */
  halt(): Promise<void>;
  /** Resolves once no claim pass is in flight. */
  idle(): Promise<void>;
}

/**
 * The claim and reap loop: claim on a wake-up (coalesced) or a poll, reap expired leases and deadlines
 * on a timer, and at start-up return the leases a previous process left. The first claim pass is the
 * caller's `poke`, once it can run what it claims.
 */
export async function start(o: Opts): Promise<Loop> {
  const { deps, store, router } = o;
  const { db, clock, log, config, metrics } = deps;
  const cfg = config.engine;
  let stopping = false;
  let claiming = false;
  let again = false;
  let tick = clock.now().getTime();

  const pump = async (): Promise<void> => {
    if (claiming) return void (again = true);
    claiming = true;
    try {
      do {
        again = false;
        const room = o.room();
        if (stopping) break;
        const { mine, handed } = await claim(room);
        for (const row of mine) o.launch(row);
        // A full batch may have left more behind: go again (an empty pass ends the loop).
        if ((mine.length === room && room > 0) || handed) again = true;
      } while (again && !stopping);
      tick = clock.now().getTime();
    } catch (err) {
      log.error({ err }, "claim failed");
    } finally {
      claiming = false;
    }
  };

  const reap = async (): Promise<void> => {
    try {
      await sweep(Queue.lockExpired, { type: "expire" }, () => metrics.expiries.inc());
      await sweep(Queue.lockOverdue, { type: "timeout" }, () => metrics.timeouts.inc());
      await Approvals.withdrawStale(db, clock.now());
    } catch (err) {
      log.error({ err }, "reaper pass failed");
    }
  };

  /** Route and claim: runs for this node come back; assignments of external agents are handed off. */
  async function claim(n: number): Promise<{ mine: Row[]; handed: number }> {
    const out = await router.claim(n, clock.now());
    metrics.claims.inc(out.length);
    const mine = out.filter((r) => r.lease?.owner === config.nodeId);
    const theirs = out.filter((r) => r.lease?.owner !== config.nodeId);
    if (theirs.length) deps.handOff?.(theirs);
    return { mine, handed: theirs.length };
  }

  /** Apply `event` to every row a locking query returns, in one transaction (rows come in tenant order). */
  async function sweep(lock: (tx: Q, now: Date) => Promise<Row[]>, event: Event, count: () => void) {
    const moved = await db.tx(async (tx) => {
      const rows = await lock(tx, clock.now());
      for (const row of rows) await Store.apply(store, tx, row, event, {});
      return rows;
    });
    for (const row of moved) {
      count();
      log.warn({ session: row.id, event: event.type, owner: row.lease?.owner }, "reaper moved session");
      o.moved(row, event);
    }
  }

  /**
   * At start-up, leases this node cannot still hold are returned now rather than after they expire:
   * on embedded PGlite the lockfile proves no other process is alive, so every lease is a dead one; on
   * PostgreSQL only leases carrying this node's own id are.
   */
  async function reconcile(): Promise<void> {
    const owners = db.kind === "pglite" ? null : [config.nodeId];
    const rows = await db.tx(async (tx) => {
      const found = await Queue.lockOwned(tx, owners);
      for (const row of found)
        await Store.apply(store, tx, row, { type: "expire" }, { reason: "owner restarted" });
      return found;
    });
    if (rows.length)
      log.warn({ sessions: rows.map((r) => r.id) }, "reconciled leases left by a previous process");
    metrics.expiries.inc(rows.length);
    // Leases of other nodes that already expired are returned now, not one reaper interval later.
    await reap();
  }

  await reconcile();

  // Wake-ups are coalesced: a burst of creates becomes one claim pass over a batch, not one pass each.
  let wakeTimer: NodeJS.Timeout | null = null;
  const wake = () => {
    wakeTimer ??= setTimeout(() => {
      wakeTimer = null;
      void pump();
    }, coalesceMs);
  };
  const offQueue = await db.listen("queue", wake);
  const poll = setInterval(() => void pump(), cfg.pollMs);
  const reaper = setInterval(() => void reap(), cfg.reapMs);

  return {
    lastTick: () => tick,
    poke: () => void pump(),
    wake,
    halt: async () => {
      stopping = true;
      clearInterval(poll);
      clearInterval(reaper);
      if (wakeTimer) clearTimeout(wakeTimer);
      await offQueue();
    },
    idle: async () => {
      while (claiming) await new Promise((r) => setTimeout(r, 5));
    },
  };
}
