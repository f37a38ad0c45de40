import { sql } from "drizzle-orm";
import { type Stats, Status } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { toIso } from "../time.ts";

/** Counts by status, and the last hour's activity, for the overview. */
export async function stats(q: Q, tenantId: string, now: Date): Promise<Stats> {
  const [rows, timeline] = await Promise.all([
    q.rows<{ status: string; n: number }>(sql`
      select status, count(*)::int as n from sessions where tenant_id = ${tenantId} and deleted_at is null group by status`),
    minutes(q, tenantId, now),
  ]);
  const byStatus = Object.fromEntries(Status.options.map((s) => [s, 0])) as Stats["byStatus"];
  for (const r of rows) byStatus[r.status as keyof Stats["byStatus"]] = Number(r.n);
  return { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus, timeline };
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
