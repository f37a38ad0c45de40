import { sql } from "drizzle-orm";
import type { Event } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { leaseLost } from "../error.ts";
import { toIso } from "../time.ts";

export const channel = "io_events";

export interface Entry {
  tenantId: string;
  sessionId: string;
  type: string;
  data: Record<string, unknown>;
  at: Date;
  /** Set for a runner's writes: the append fails unless the session still has this lease generation. */
  fence?: number;
}

/**
 * Append one event inside the caller's transaction and wake listeners at commit.
 *
 * The tenant row is bumped first and stays locked until commit, so appenders of one tenant are serialised:
 * ids commit in id order and have no holes. A reader resuming "after id N" therefore never misses an event
 * that commits later with a smaller id. The session's `last_seq` gives the per-session sequence the same way.
 * Callers that lock several tenants in one transaction must do so in tenant-id order to avoid deadlocks.
 */
export async function append(q: Q, e: Entry): Promise<{ id: number; seq: number }> {
  const fenced = e.fence === undefined ? sql`` : sql` and fence = ${e.fence}`;
  const rows = await q.rows<{ id: number; seq: number }>(sql`
    with h as (update tenants set event_head = event_head + 1 where id = ${e.tenantId} returning event_head),
         s as (update sessions set last_seq = last_seq + 1, updated_at = ${e.at.toISOString()}
               where id = ${e.sessionId}${fenced} returning last_seq)
    insert into session_events (tenant_id, id, session_id, seq, type, at, data)
    select ${e.tenantId}, h.event_head, ${e.sessionId}, s.last_seq, ${e.type}, ${e.at.toISOString()}, ${JSON.stringify(e.data)}::jsonb
    from h, s
    returning id, seq`);
  const row = rows[0];
  // No row means the fence moved: throwing rolls back the tenant bump too, so ids stay gap-free.
  if (!row) throw leaseLost(e.sessionId, e.fence ?? -1);
  await q.rows(sql`select pg_notify(${channel}, ${e.tenantId})`);
  return { id: Number(row.id), seq: Number(row.seq) };
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
  if (r.sessionId) where.push(sql`session_id = ${r.sessionId}`);
  if (r.afterSeq !== undefined) where.push(sql`seq > ${r.afterSeq}`);
  if (r.afterId !== undefined) where.push(sql`id > ${r.afterId}`);
  if (r.uptoId !== undefined) where.push(sql`id <= ${r.uptoId}`);
  const rows = await q.rows(sql`
    select id, session_id, seq, type, at, data from session_events
    where ${sql.join(where, sql` and `)} order by id limit ${r.limit}`);
  return rows.map(toEvent);
}

/** The tenant's newest event id, read in the same snapshot as nothing else: a safe "live from here" point. */
export async function head(q: Q, tenantId: string): Promise<number> {
  const rows = await q.rows<{ h: number }>(sql`select event_head as h from tenants where id = ${tenantId}`);
  return Number(rows[0]?.h ?? 0);
}

export function toEvent(r: Record<string, unknown>): Event {
  return {
    id: Number(r.id),
    sessionId: String(r.session_id),
    seq: Number(r.seq),
    type: String(r.type),
    at: toIso(r.at)!,
    data: (r.data ?? {}) as Record<string, unknown>,
  };
}
