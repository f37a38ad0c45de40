import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { Plan } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { toIso } from "../time.ts";

/**
 * A plan's own log, kept in the event log beside sessions' entries (`session_id` null, `plan_id` set):
 * the same tenant-wide ids, so the hub fans it out and a stream resumes it like any other, and its own
 * `seq` (plans.last_seq) for Last-Event-ID.
 */

export type Entry = {
  [K in Plan.PlanEventType]: { type: K; data: z.input<(typeof Plan.PlanEventData)[K]> };
}[Plan.PlanEventType];

/**
 * Append entries in one statement, whatever their number: the plan's seq and the tenant's head move by
 * n at once (under their row locks, as log.ts does for sessions), and rows are numbered from the old
 * values by their order in the batch.
 */
export async function append(
  q: Q,
  tenantId: string,
  planId: string,
  at: Date,
  entries: Entry[],
): Promise<void> {
  if (!entries.length) return;
  const n = entries.length;
  const rows = entries.map((e, i) => ({ i: i + 1, type: e.type, data: e.data }));
  await q.rows(sql`
    with p as (update plans set last_seq = last_seq + ${n} where id = ${planId} returning last_seq),
         h as (update tenants set event_head = event_head + ${n} where id = ${tenantId} returning event_head),
         ins as (insert into session_events (tenant_id, id, session_id, plan_id, seq, type, at, data)
                 select ${tenantId}, h.event_head - ${n} + x.i, null, ${planId}, p.last_seq - ${n} + x.i, x.type,
                   ${at.toISOString()}, x.data
                 from p, h, jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(i int, type text, data jsonb)
                 returning id)
    select count(*)::int as n, ${q.wake([["events", tenantId]])} from ins`);
}

export interface Range {
  tenantId: string;
  planId: string;
  afterSeq?: number;
  afterId?: number;
  uptoId?: number;
  type?: Plan.PlanEventType;
  limit: number;
}

export async function read(q: Q, r: Range): Promise<Plan.PlanEvent[]> {
  const rows = await q.rows(sql`
    select id, plan_id, seq, type, at, data from session_events
    where tenant_id = ${r.tenantId} and plan_id = ${r.planId}
      ${r.afterSeq !== undefined ? sql`and seq > ${r.afterSeq}` : sql``}
      ${r.afterId !== undefined ? sql`and id > ${r.afterId}` : sql``}
      ${r.uptoId !== undefined ? sql`and id <= ${r.uptoId}` : sql``}
      ${r.type !== undefined ? sql`and type = ${r.type}` : sql``}
    order by id limit ${r.limit}`);
  return rows.map(toPlanEvent);
}

export function toPlanEvent(r: Record<string, unknown>): Plan.PlanEvent {
  return {
    id: Number(r.id),
    planId: String(r.plan_id),
    seq: Number(r.seq),
    type: String(r.type),
    at: toIso(r.at)!,
    data: r.data ?? {},
  } as Plan.PlanEvent;
}

/** What step `n` changed, as log entries in the plan's task order (tasks carry the step's stamp: run.ts). */
export async function changes(q: Q, planId: string, n: number): Promise<Entry[]> {
  const rows = await q.rows<{
    key: string;
    prev_status: Plan.TaskStatus | null;
    status: Plan.TaskStatus;
    attempt: number;
    session_id: string | null;
    reason: unknown;
  }>(sql`
    select key, prev_status, status, attempt, session_id, reason from plan_tasks
    where plan_id = ${planId} and step = ${n} order by position`);
  return rows
    .filter((r) => r.prev_status !== r.status || r.status === "running")
    .map((r) => ({
      type: "task.status" as const,
      data: {
        key: r.key,
        from: r.prev_status ?? "blocked",
        to: r.status,
        attempt: Number(r.attempt),
        ...(r.status === "running" && r.session_id ? { sessionId: r.session_id } : {}),
        ...(r.reason ? { reason: r.reason } : {}),
      },
    }));
}
