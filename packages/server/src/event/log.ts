import { type SQL, sql } from "drizzle-orm";
import type { Event, EventEntry, Plan } from "@orchestrator/sdk";
import { toPlanEvent } from "../plan/events.ts";
import type { Note } from "../db/channels.ts";
import type { Q } from "../db/db.ts";
import { leaseLost } from "../error.ts";
import { toIso } from "../time.ts";

/** One entry to append: a registered type with its payload (sdk/events.ts), for one session. */
export type Entry = EventEntry & {
  tenantId: string;
  sessionId: string;
  at: Date;
  /** Set for a runner's writes: the append fails unless the session still has this lease generation. */
  fence?: number;
};

export type Write = Entry & {
  /** More assignments to the session row, made in the same statement as the append. */
  set?: SQL[];
  /** More conditions the session row must meet (the optimistic guard of a transition). */
  guard?: SQL[];
  /** More listeners to wake at commit (the tenant's `events` listeners always are). */
  notify?: Note[];
  /** More data-modifying statements over the updated session row `s`, run as CTEs of the same statement. */
  also?: SQL[];
};

/**
 * Change a session and append one event to its log in ONE statement, and wake listeners at commit.
 * Returns the session row as it is afterwards, or null when the row did not match the guard (or the
 * fence): then nothing at all was written.
 *
 * The tenant row is bumped after the session row and stays locked until commit, so appenders of one
 * tenant are serialised: ids commit in id order and have no holes. A reader resuming "after id N" thus
 * never misses an event that commits later with a smaller id. The session's `last_seq` gives the
 * per-session sequence the same way. Callers that touch several tenants in one transaction do so in
 * tenant-id order to avoid deadlocks.
 */
export async function write(q: Q, e: Write): Promise<Record<string, unknown> | null> {
  const at = e.at.toISOString();
  const set = [sql`last_seq = last_seq + 1`, sql`updated_at = ${at}`, ...(e.set ?? [])];
  const guard = [...(e.guard ?? []), ...(e.fence === undefined ? [] : [sql`fence = ${e.fence}`])];
  const where = guard.length ? sql` and ${sql.join(guard, sql` and `)}` : sql``;
  const wake = q.wake([["events", e.tenantId], ...(e.notify ?? [])]);
  const also = (e.also ?? []).map((x, i) => sql`, ${sql.raw(`also${i}`)} as (${x})`);
  const rows = await q.rows(sql`
    with s as (update sessions set ${sql.join(set, sql`, `)} where id = ${e.sessionId}${where} returning *)${sql.join(also, sql``)},
         h as (update tenants set event_head = event_head + 1
               where id = ${e.tenantId} and exists (select 1 from s) returning event_head),
         ins as (insert into session_events (tenant_id, id, session_id, seq, type, at, data)
                 select ${e.tenantId}, h.event_head, s.id, s.last_seq, ${e.type}, ${at}, ${JSON.stringify(e.data)}::jsonb
                 from s, h returning id)
    select s.*, ins.id as event_id, ${wake} from s, ins`);
  return rows[0] ?? null;
}

/** Append one event under a runner's fence; throws lease_lost when the fence has moved. */
export async function append(q: Q, e: Write): Promise<{ id: number; seq: number }> {
  const row = await write(q, e);
  if (!row) throw leaseLost(e.sessionId, e.fence ?? -1);
  return { id: Number(row.event_id), seq: Number(row.last_seq) };
}

export interface Range {
  tenantId: string;
  sessionId?: string;
  /** Exclusive lower bound on the per-session seq (needs sessionId). */
  afterSeq?: number;
  /** Exclusive lower bound on the tenant-wide id. */
  afterId?: number;
  /** Inclusive upper bound on the tenant-wide id. */
  uptoId?: number;
  limit: number;
}

export async function read(q: Q, r: Range): Promise<Event[]> {
  const where = [sql`tenant_id = ${r.tenantId}`];
  // Sessions' entries only: plans' own entries (plan/events.ts) share the table and its ids.
  where.push(r.sessionId ? sql`session_id = ${r.sessionId}` : sql`session_id is not null`);
  if (r.afterSeq !== undefined) where.push(sql`seq > ${r.afterSeq}`);
  if (r.afterId !== undefined) where.push(sql`id > ${r.afterId}`);
  if (r.uptoId !== undefined) where.push(sql`id <= ${r.uptoId}`);
  const rows = await q.rows(sql`
    select id, session_id, seq, type, at, data from session_events
    where ${sql.join(where, sql` and `)} order by id limit ${r.limit}`);
  return rows.map(toEvent);
}

/** Every entry after `afterId`, sessions' and plans' alike: what the hub's ring holds. */
export async function readAll(
  q: Q,
  r: { tenantId: string; afterId: number; limit: number },
): Promise<(Event | Plan.PlanEvent)[]> {
  const rows = await q.rows(sql`
    select id, session_id, plan_id, seq, type, at, data from session_events
    where tenant_id = ${r.tenantId} and id > ${r.afterId} order by id limit ${r.limit}`);
  return rows.map((row) => (row.session_id === null ? toPlanEvent(row) : toEvent(row)));
}

/** The tenant's newest event id, read in the same snapshot as nothing else: a safe "live from here" point. */
export async function head(q: Q, tenantId: string): Promise<number> {
  const rows = await q.rows<{ h: number }>(sql`select event_head as h from tenants where id = ${tenantId}`);
  return Number(rows[0]?.h ?? 0);
}

/**
 * A row as an entry. Its data is trusted, not parsed: the server wrote it from the registry's types (old
 * entries may lack a field added later, which the registry marks optional).
 */
export function toEvent(r: Record<string, unknown>): Event {
  return {
    id: Number(r.id),
    sessionId: String(r.session_id),
    seq: Number(r.seq),
    type: String(r.type),
    at: toIso(r.at)!,
    data: r.data ?? {},
  } as Event;
}
