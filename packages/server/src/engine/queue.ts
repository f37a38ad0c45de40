import { sql } from "drizzle-orm";
import type { Q } from "../db/db.ts";
import { type Row, fromRow } from "../session/row.ts";

/**
 * Lock up to `n` claimable sessions, most urgent first (priority rank, then age). `skip locked` lets every
 * node run this at the same moment without waiting on, or double-claiming, rows a peer is taking. Rows
 * come back in tenant order because the caller appends events, which lock tenant rows (event/log.ts).
 */
export async function lockClaimable(tx: Q, n: number, now: Date): Promise<Row[]> {
  const rows = await tx.rows(sql`
    with picked as (
      select id from sessions
      where status = 'queued' and deleted_at is null and (run_after is null or run_after <= ${now.toISOString()})
      order by priority, created_at
      limit ${n}
      for update skip locked)
    select s.* from sessions s join picked using (id) order by s.tenant_id, s.priority, s.created_at`);
  return rows.map(fromRow);
}

/** Leases whose holder stopped renewing them (it died, hung, or lost its database connection). */
export async function lockExpired(tx: Q, now: Date, limit = 100): Promise<Row[]> {
  const rows = await tx.rows(sql`
    select * from sessions
    where status in ('running','degraded') and lease_expires_at < ${now.toISOString()}
    order by tenant_id limit ${limit} for update skip locked`);
  return rows.map(fromRow);
}

/** Sessions past their deadline that are still live in some form. */
export async function lockOverdue(tx: Q, now: Date, limit = 100): Promise<Row[]> {
  const rows = await tx.rows(sql`
    select * from sessions
    where status in ('running','degraded','queued') and deadline < ${now.toISOString()} and deleted_at is null
    order by tenant_id limit ${limit} for update skip locked`);
  return rows.map(fromRow);
}

/** Every lease held by one of `owners` (or all leases when null): used to reconcile at start-up. */
export async function lockOwned(tx: Q, owners: string[] | null): Promise<Row[]> {
  const who = owners ? sql` and lease_owner in (${sql.join(owners.map((o) => sql`${o}`), sql`, `)})` : sql``;
  const rows = await tx.rows(sql`
    select * from sessions where status in ('running','degraded')${who} order by tenant_id for update skip locked`);
  return rows.map(fromRow);
}

/** Extend a lease. No row back means the fence moved: the lease is gone and the runner must stop. */
export async function renew(q: Q, id: string, fence: number, until: Date): Promise<boolean> {
  const rows = await q.rows(sql`
    update sessions set lease_expires_at = ${until.toISOString()}
    where id = ${id} and fence = ${fence} and status in ('running','degraded') returning id`);
  return rows.length > 0;
}
