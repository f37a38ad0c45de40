import { sql } from "drizzle-orm";
import type { Db, Q } from "../db/db.ts";
import * as Log from "../event/log.ts";
import * as Queue from "../engine/queue.ts";
import type { Policy as Machine } from "../session/machine.ts";
import type { Row } from "../session/row.ts";
import { type AgentRow, leaseOwner } from "../registry/store.ts";
import { candidates, loads } from "../registry/view.ts";
import * as Opencode from "../agent/opencode/name.ts";
import { type Policy as Breakers, policy as breakerDefaults } from "./breaker.ts";
import { type Candidate, type Need, type Scored, assign, internal, rank, room } from "./score.ts";

export interface Opts {
  nodeId: string;
  leaseMs: number;
  /** Lease of an assignment an external agent has not taken yet. */
  ackMs: number;
  machine: Machine;
  breaker?: Partial<Breakers>;
  /** The OpenCode profile a session pinned to "opencode" without naming one runs with. */
  defaultProfile: string;
}

/** A session that found no fitting agent is looked at again after this long (or when the registry changes). */
const deferMs = 2_000;
/** Agents' rows and measured outcomes are re-read at most this often; loads are read at every pass. */
const cacheMs = 1_000;
/** At most this many sessions are routed in one pass. */
const batch = 200;

export interface Router {
  /** Route and claim what this node (`room` internal runs) and the agents have room for. */
  claim(room: number, now: Date): Promise<Row[]>;
  /** An agent row by id, as of the last read (the engine needs its kind and name to run it). */
  agent(id: string): AgentRow | undefined;
  stop(): Promise<void>;
}

export async function router(db: Db, opts: Opts): Promise<Router> {
  const breaker = { ...breakerDefaults, ...opts.breaker };
  let cache: { at: number; list: Candidate[] } | null = null;
  const byId = new Map<string, AgentRow>();
  // Bumped by every registry change: a read that a change overtook is used once but not cached, and the
  // sessions it found no agent for are not put aside (the change may be the agent they need).
  let gen = 0;
  const off = await db.listen("agents", () => {
    gen++;
    cache = null;
  });
  const view = async (q: Q, now: Date) => {
    if (cache && now.getTime() - cache.at <= cacheMs) return cache;
    const g = gen;
    const { rows, list } = await candidates(q, now, breaker);
    const read = { at: now.getTime(), list };
    if (g === gen) cache = read;
    for (const r of rows) byId.set(r.id, r);
    return read;
  };

  const claim = (localRoom: number, now: Date) =>
    db.tx(async (tx) => {
      const g0 = gen;
      const { list } = await view(tx, now);
      const spare = list
        .filter((a) => !internal(a.kind) && (a.status === "online" || a.status === "degraded"))
        .reduce((n, a) => n + Math.max(0, room(a)), 0);
      const n = Math.min(batch, Math.max(0, localRoom) + spare);
      if (n <= 0) return [];
      const rows = await Queue.lockClaimable(tx, n, now);
      if (!rows.length) return [];
      // Rank on the cached view with loads read now (one grouped count), lock the agents that could win,
      // then rank again on their loads under the lock. Each session's contenders are its best agents with
      // room, enough of them to seat the whole batch: a full favourite must not hide an idle runner-up.
      const now0 = await loads(tx);
      const current = list.map((a) => ({ ...a, load: now0.get(a.id) ?? 0 }));
      const first = rows.map((row) =>
        contenders(rank(need(row, opts.defaultProfile), current).ranked, rows.length),
      );
      // Agents that are no session's contender cannot win.
      const ids = [...new Set(first.flat().map((s) => s.agent.id))].sort();
      if (ids.length)
        await tx.rows(sql`select id from agents where id in (${sql.join(
          ids.map((i) => sql`${i}::uuid`),
          sql`, `,
        )})
          order by id for update`);
      const live = await loads(tx, ids);
      const locked = new Set(ids);
      const fresh = list.filter((a) => locked.has(a.id)).map((a) => ({ ...a, load: live.get(a.id) ?? 0 }));
      const items = rows.map((row, i) => {
        const n = need(row, opts.defaultProfile);
        // No candidate at all: the full view says why. Otherwise rank the locked ones on live loads.
        if (!first[i]!.length) {
          const all = rank(n, current);
          return { item: row, ranked: all.ranked, reason: all.reason };
        }
        const r = rank(n, fresh);
        return { item: row, ranked: r.ranked, reason: r.reason };
      });
      const out = assign(items, localRoom);
      const claims: Queue.Claim[] = [];
      const waiting: { row: Row; reason: string; defer: boolean }[] = [];
      out.forEach(({ item: row, pick, runnersUp }, i) => {
        if (!pick) {
          const reason = items[i]!.reason;
          if (reason) waiting.push({ row, reason, defer: gen === g0 });
          else waiting.push({ row, reason: busy(items[i]!.ranked), defer: false });
          return;
        }
        const external = pick.agent.kind === "eap";
        claims.push({
          row,
          owner: external ? leaseOwner(pick.agent.id) : opts.nodeId,
          agentId: pick.agent.id,
          leaseMs: external ? opts.ackMs : opts.leaseMs,
          decision: decision(pick, runnersUp),
        });
      });
      const claimed = await Queue.claim(tx, claims, now, opts.machine);
      await wait(tx, waiting, now);
      return claimed;
    });

  return {
    claim,
    agent: (id) => byId.get(id),
    stop: off,
  };
}

/** What a session asks of routing, read from its row. */
export function need(row: Row, defaultProfile: string): Need {
  const capabilities = [...new Set([...row.capabilities, ...(row.workspace ? ["workspace"] : [])])];
  const pin = Opencode.pin(row.agent, row.profile, defaultProfile);
  return {
    tenantId: row.tenantId,
    type: row.type,
    capabilities,
    pin,
    prefer: { agents: row.routing.prefer, origin: row.routing.origin ?? null },
    avoid: row.attempt > 0 && row.error ? row.agentId : null,
  };
}

/**
 * The agents worth locking for one session: the best five, then further ones with room until those with
 * room could seat `seats` sessions (the batch), so a batch is not stuck behind a few busy favourites.
 */
export function contenders(ranked: Scored[], seats: number): Scored[] {
  const out: Scored[] = [];
  let free = 0;
  for (const s of ranked) {
    const spare = Math.max(0, room(s.agent));
    if (out.length >= 5 && (free >= seats || !spare)) continue;
    out.push(s);
    free += spare;
  }
  return out;
}

const brief = (s: Scored) => ({ id: s.agent.id, name: s.agent.name, score: s.score });

function decision(pick: Scored, runnersUp: Scored[]): Queue.Decision {
  return {
    agent: brief(pick),
    runnersUp: runnersUp.map(brief),
    why: `${pick.agent.name} (${pick.agent.kind}, ${pick.agent.tier}, load ${pick.agent.load}/${pick.agent.capacity}) scored ${pick.score}`,
  };
}

/** Stable while the set of fitting agents is (no live loads in it), so a waiting session is not rewritten every pass. */
function busy(ranked: Scored[]): string {
  const names = ranked.slice(0, 5).map((s) => s.agent.name);
  return `waiting for capacity: every fitting agent is busy (${names.join(", ")}${ranked.length > 5 ? `, and ${ranked.length - 5} more` : ""})`;
}

/**
 * Say why a session waits, once per change of reason. Sessions no agent can take are put aside for a few
 * seconds (the registry changing brings them back at once); sessions waiting for capacity stay in line.
 */
async function wait(
  tx: Q,
  waiting: { row: Row; reason: string; defer: boolean }[],
  now: Date,
): Promise<void> {
  const later = new Date(now.getTime() + deferMs).toISOString();
  for (const { row, reason, defer } of waiting) {
    const runAfter = defer ? sql`, run_after = ${later}` : sql``;
    if (row.queueReason === reason) {
      if (defer) await tx.rows(sql`update sessions set run_after = ${later} where id = ${row.id}`);
    } else if (!defer) {
      await tx.rows(sql`update sessions set queue_reason = ${reason} where id = ${row.id}`);
    } else {
      await Log.write(tx, {
        tenantId: row.tenantId,
        sessionId: row.id,
        type: "session.waiting",
        at: now,
        data: { reason },
        set: [sql`queue_reason = ${reason}${runAfter}`],
        guard: [sql`status = 'queued'`, sql`fence = ${row.fence}`],
      });
    }
  }
}
