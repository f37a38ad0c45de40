import { sql } from "drizzle-orm";
import type { Event, Plan } from "@orchestrator/sdk";
import * as PlanEvents from "../plan/events.ts";
import type { Db } from "../db/db.ts";
import type { Log } from "../log.ts";
import * as Events from "./log.ts";

/**
 * Fans a tenant's event log out to stream subscribers in this process.
 *
 * On each NOTIFY the hub reads the new events once into a small ring. Each subscriber has a position (a
 * tenant-wide event id) and drains one batch at a time: from the ring when it is close to the head, from
 * the database when it is replaying or has fallen behind. Ids commit in order with no holes (log.ts), so
 * "everything after my position up to the head" is exact: no gap and no duplicate, live or replayed.
 */
export interface Subscription {
  close(): void;
}

export interface Want {
  tenantId: string;
  sessionId?: string;
  /** A plan's own log (plan/events.ts) instead of sessions' entries; resumes by `afterSeq` too. */
  planId?: string;
  /** Resume after this tenant-wide id (all-sessions streams). */
  afterId?: number;
  /** Resume after this per-session seq (needs sessionId). */
  afterSeq?: number;
}

/** Sessions' entries, or a plan's (a plan stream): the ring holds both kinds. */
type Entry = Event | Plan.PlanEvent;

/** Delivers a batch of events, in order; the subscriber's position moves past them once it returns. */
export type Send<E = Event> = (events: E[]) => void | Promise<void>;

interface Sub {
  want: Want;
  pos: number;
  send: Send<Entry>;
  busy: boolean;
  again: boolean;
  closed: boolean;
}

interface Tenant {
  head: number;
  ring: Entry[];
  subs: Set<Sub>;
  fetching: boolean;
  dirty: boolean;
}

const ringSize = 4096;
const batch = 500;

export interface Hub {
  /** Sessions' entries (one session's, or all), or with `want.planId` a plan's (then `E` is PlanEvent). */
  subscribe<E extends Entry = Event>(
    want: Want,
    send: Send<E>,
    onError?: (err: unknown) => void,
  ): Promise<Subscription>;
  size(): number;
  close(): Promise<void>;
}

export async function create(db: Db, log: Log, backstopMs = 2000): Promise<Hub> {
  const tenants = new Map<string, Tenant>();
  const errors = new WeakMap<Sub, (err: unknown) => void>();
  // "" names no tenant (payloads dropped from an oversized NOTIFY): every tenant here reads.
  const off = await db.listen("events", (id) =>
    id ? void wake(id) : tenants.forEach((_, t) => void wake(t)),
  );
  // A lost notification (a dropped LISTEN connection) only delays delivery until this poll.
  const backstop = setInterval(() => tenants.forEach((_, id) => void wake(id)), backstopMs);

  async function wake(tenantId: string): Promise<void> {
    const t = tenants.get(tenantId);
    if (!t) return;
    if (t.fetching) return void (t.dirty = true);
    t.fetching = true;
    try {
      do {
        t.dirty = false;
        const fresh = await Events.readAll(db, { tenantId, afterId: t.head, limit: batch });
        if (fresh.length) {
          t.ring.push(...fresh);
          if (t.ring.length > ringSize) t.ring.splice(0, t.ring.length - ringSize);
          t.head = fresh.at(-1)!.id;
          if (fresh.length === batch) t.dirty = true;
        }
      } while (t.dirty);
    } catch (err) {
      log.error({ err, tenantId }, "event hub could not read new events");
    } finally {
      t.fetching = false;
    }
    for (const sub of t.subs) void drain(t, sub);
  }

  async function drain(t: Tenant, sub: Sub): Promise<void> {
    if (sub.busy) return void (sub.again = true);
    sub.busy = true;
    try {
      do {
        sub.again = false;
        while (!sub.closed && sub.pos < t.head) {
          const upto = t.head;
          const first = t.ring[0];
          let events: Entry[];
          let reached = upto;
          if (first && first.id <= sub.pos + 1) {
            events = t.ring.filter((e) => e.id > sub.pos && e.id <= upto && match(sub.want, e));
          } else {
            const range = { tenantId: sub.want.tenantId, afterId: sub.pos, uptoId: upto, limit: batch };
            events = sub.want.planId
              ? await PlanEvents.read(db, { ...range, planId: sub.want.planId })
              : await Events.read(db, { ...range, sessionId: sub.want.sessionId });
            if (events.length === batch) reached = events.at(-1)!.id;
          }
          if (sub.closed) return;
          if (events.length) {
            await sub.send(events);
            sub.pos = events.at(-1)!.id;
          }
          sub.pos = Math.max(sub.pos, reached);
        }
      } while (sub.again && !sub.closed);
    } catch (err) {
      sub.closed = true;
      t.subs.delete(sub);
      // The subscriber's own handler ends its connection; one that throws must not escape (drain runs detached).
      try {
        const onError = errors.get(sub);
        if (onError) onError(err);
        else log.error({ err }, "event subscriber failed");
      } catch (e) {
        log.error({ err: e, cause: err }, "event subscriber's error handler failed");
      }
    } finally {
      sub.busy = false;
    }
  }

  return {
    async subscribe(want, send, onError) {
      const sub: Sub = {
        want,
        pos: await start(want),
        send: send as Send<Entry>,
        busy: false,
        again: false,
        closed: false,
      };
      // The tenant is looked up and the subscriber added with no await in between: the last subscriber of
      // a tenant leaving drops the tenant, and a subscriber added to a dropped tenant would never be woken
      // again (a client reconnecting while its old socket closed stalled that way).
      let t = tenants.get(want.tenantId);
      while (!t) {
        const head = await Events.head(db, want.tenantId);
        if (!tenants.has(want.tenantId))
          tenants.set(want.tenantId, { head, ring: [], subs: new Set(), fetching: false, dirty: false });
        t = tenants.get(want.tenantId);
      }
      if (onError) errors.set(sub, onError);
      t.subs.add(sub);
      void wake(want.tenantId);
      void drain(t, sub);
      return {
        close: () => {
          sub.closed = true;
          t.subs.delete(sub);
          if (t.subs.size === 0 && tenants.get(want.tenantId) === t) tenants.delete(want.tenantId);
        },
      };
    },
    size: () => [...tenants.values()].reduce((n, t) => n + t.subs.size, 0),
    close: async () => {
      clearInterval(backstop);
      for (const t of tenants.values()) for (const s of t.subs) s.closed = true;
      tenants.clear();
      await off();
    },
  };

  /** Where a new subscriber starts, as a tenant-wide id. */
  async function start(want: Want): Promise<number> {
    if (want.afterId !== undefined) return want.afterId;
    // The all-sessions stream starts live unless asked to replay; a session's own stream replays it whole.
    if (!want.sessionId && !want.planId) return Events.head(db, want.tenantId);
    if (!want.afterSeq) return 0;
    const log = want.planId ? sql`plan_id = ${want.planId}` : sql`session_id = ${want.sessionId}`;
    const rows = await db.rows<{ id: number }>(sql`
      select coalesce(max(id), 0) as id from session_events where ${log} and seq <= ${want.afterSeq}`);
    return Number(rows[0]?.id ?? 0);
  }
}

/** A plan stream takes its plan's entries; a session stream its session's; the all-sessions one every session's. */
function match(w: Want, e: Entry): boolean {
  if ("planId" in e) return w.planId === e.planId;
  return !w.planId && (!w.sessionId || e.sessionId === w.sessionId);
}
