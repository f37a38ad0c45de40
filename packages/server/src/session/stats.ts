import { sql } from "drizzle-orm";
import {
  type DayTotals,
  type GroupTotals,
  type Outcome,
  type Stats,
  Status,
  type Totals,
  outcomeOf,
} from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { toIso } from "../time.ts";
import { leasedSql, list } from "./status.ts";

const dayMs = 86_400_000;

/** Counts by status, the last hour's activity, and totals over the last `days` UTC days, for the overview. */
export async function stats(q: Q, tenantId: string, now: Date, days = 14): Promise<Stats> {
  const [rows, timeline, sums] = await Promise.all([
    q.rows<{ status: string; n: number }>(sql`
      select status, count(*)::int as n from sessions where tenant_id = ${tenantId} and deleted_at is null group by status`),
    minutes(q, tenantId, now),
    totals(q, tenantId, now, days),
  ]);
  const byStatus = Object.fromEntries(Status.options.map((s) => [s, 0])) as Stats["byStatus"];
  for (const r of rows) byStatus[r.status as keyof Stats["byStatus"]] = Number(r.n);
  return { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus, timeline, ...sums };
}

/**
 * Starts and ends per minute over the last 60 minutes, the current (partial) minute last. The minutes come
 * from generate_series and the counts are joined onto them, so a quiet minute is a row of zeros rather than
 * a gap. date_bin cuts the minutes from `from`, a whole UTC minute, whatever the connection's time zone.
 * A retry clears started_at and ended_at, so a retried run counts where its latest start and end fall.
 */
async function minutes(q: Q, tenantId: string, now: Date): Promise<Stats["timeline"]> {
  const last = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const from = new Date(last.getTime() - 59 * 60_000).toISOString();
  const until = new Date(last.getTime() + 60_000).toISOString();
  const per = (col: string) => sql`
    select date_bin('1 minute', ${sql.identifier(col)}, ${from}::timestamptz) as at, count(*)::int as n
    from sessions where tenant_id = ${tenantId} and deleted_at is null
      and ${sql.identifier(col)} >= ${from}::timestamptz and ${sql.identifier(col)} < ${until}::timestamptz
    group by 1`;
  const rows = await q.rows<{ at: unknown; started: number; finished: number }>(sql`
    with m as (select generate_series(${from}::timestamptz, ${last.toISOString()}::timestamptz, interval '1 minute') as at),
         s as (${per("started_at")}),
         f as (${per("ended_at")})
    select m.at, coalesce(s.n, 0) as started, coalesce(f.n, 0) as finished
    from m left join s on s.at = m.at left join f on f.at = m.at order by m.at`);
  return rows.map((r) => ({ at: toIso(r.at)!, started: Number(r.started), finished: Number(r.finished) }));
}

interface TotalsRow {
  kind: "day" | "project" | "agent";
  day: string | null;
  id: string | null;
  name: string | null;
  sessions: number;
  completed: number;
  failed: number;
  cancelled: number;
  active: number;
  tokens: string | number;
  cost: number;
  duration: number;
}

/** `status in (…)` of one outcome, from the SDK's one mapping. */
const outcome = (o: Outcome) => sql.raw(list(Status.options.filter((s) => outcomeOf[s] === o)));

/**
 * Totals of the sessions created in the last `days` UTC days (today included): per day, per project and per
 * agent, from one scan. `grouping sets` aggregates the same rows three ways in one statement, and
 * `grouping()` says which way a result row was grouped (0 for the column it was grouped by). A session
 * counts on the day it was created, with the usage it has now, and its run time from its latest start (a
 * retry clears started_at) to its end; a leased run counts to now, and a parked one (paused, or queued for a
 * retry) to its last change, so its time waiting is not counted as work. The dashboard's and the CLI's
 * per-session duration is the same rule (`runTime` in the SDK).
 */
async function totals(q: Q, tenantId: string, now: Date, days: number) {
  const today = Math.floor(now.getTime() / dayMs) * dayMs;
  const from = new Date(today - (days - 1) * dayMs).toISOString();
  const until = new Date(today + dayMs).toISOString();
  const rows = await q.rows<TotalsRow>(sql`
    with s as (
      select to_char(s.created_at at time zone 'UTC', 'YYYY-MM-DD') as day,
        s.project_id, p.name as project, s.agent_id, a.name as agent, s.status,
        coalesce((s.usage->>'input')::numeric, 0) + coalesce((s.usage->>'output')::numeric, 0)
          + coalesce((s.usage->>'reasoning')::numeric, 0) as tokens,
        coalesce((s.usage->>'cost')::float8, 0) as cost,
        case when s.started_at is null then 0 else greatest(0, extract(epoch from
          coalesce(s.ended_at, case when s.status in ${leasedSql} then ${now.toISOString()}::timestamptz
                                    else s.updated_at end) - s.started_at)) end as duration
      from sessions s
        left join projects p on p.id = s.project_id and p.tenant_id = s.tenant_id
        -- built-in agents have no tenant; an agent of another tenant could never have run this session
        left join agents a on a.id = s.agent_id and (a.tenant_id = s.tenant_id or a.tenant_id is null)
      where s.tenant_id = ${tenantId} and s.deleted_at is null
        and s.created_at >= ${from}::timestamptz and s.created_at < ${until}::timestamptz
    )
    select case when grouping(day) = 0 then 'day' when grouping(project_id) = 0 then 'project' else 'agent' end
        as kind,
      day, coalesce(project_id, agent_id)::text as id, coalesce(project, agent) as name,
      count(*)::int as sessions,
      (count(*) filter (where status in ${outcome("completed")}))::int as completed,
      (count(*) filter (where status in ${outcome("failed")}))::int as failed,
      (count(*) filter (where status in ${outcome("cancelled")}))::int as cancelled,
      (count(*) filter (where status in ${outcome("active")}))::int as active,
      sum(tokens)::bigint as tokens, sum(cost)::float8 as cost, sum(duration)::float8 as duration
    from s
    group by grouping sets ((day), (project_id, project), (agent_id, agent))`);
  const sum = (r: TotalsRow): Totals => ({
    sessions: Number(r.sessions),
    completed: Number(r.completed),
    failed: Number(r.failed),
    cancelled: Number(r.cancelled),
    active: Number(r.active),
    tokens: Number(r.tokens),
    cost: Number(r.cost),
    durationSec: Math.round(Number(r.duration)),
  });
  const zero: Totals = {
    sessions: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    active: 0,
    tokens: 0,
    cost: 0,
    durationSec: 0,
  };
  const byDay = new Map(rows.filter((r) => r.kind === "day").map((r) => [r.day, sum(r)]));
  // Every day of the window, a quiet one as zeros, so a chart's axis is the calendar.
  const dayList: DayTotals[] = Array.from({ length: days }, (_, i) => {
    const day = new Date(Date.parse(from) + i * dayMs).toISOString().slice(0, 10);
    return { day, ...(byDay.get(day) ?? zero) };
  });
  const group = (kind: TotalsRow["kind"]): GroupTotals[] =>
    rows
      .filter((r) => r.kind === kind)
      .map((r) => ({ id: r.id, name: r.name, ...sum(r) }))
      .sort(
        (a, b) => b.cost - a.cost || b.sessions - a.sessions || (a.name ?? "").localeCompare(b.name ?? ""),
      );
  return { days: dayList, projects: group("project"), agents: group("agent") };
}
