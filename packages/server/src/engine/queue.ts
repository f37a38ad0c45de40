import { sql } from "drizzle-orm";
import type { Q } from "../db/db.ts";
import { channel } from "../event/log.ts";
import { type Policy, next } from "../session/machine.ts";
import { type Row, fromRow, toState } from "../session/row.ts";

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
    where status in ('running','degraded','waiting') and lease_expires_at < ${now.toISOString()}
    order by tenant_id limit ${limit} for update skip locked`);
  return rows.map(fromRow);
}

/** Sessions past their deadline that are still live in some form. */
export async function lockOverdue(tx: Q, now: Date, limit = 100): Promise<Row[]> {
  const rows = await tx.rows(sql`
    select * from sessions
    where status in ('running','degraded','waiting','queued') and deadline < ${now.toISOString()} and deleted_at is null
    order by tenant_id limit ${limit} for update skip locked`);
  return rows.map(fromRow);
}

/** Every lease held by one of `owners` (or all leases when null): used to reconcile at start-up. */
export async function lockOwned(tx: Q, owners: string[] | null): Promise<Row[]> {
  const who = owners
    ? sql` and lease_owner in (${sql.join(
        owners.map((o) => sql`${o}`),
        sql`, `,
      )})`
    : sql``;
  const rows = await tx.rows(sql`
    select * from sessions where status in ('running','degraded','waiting')${who} order by tenant_id for update skip locked`);
  return rows.map(fromRow);
}

/** Extend a lease. No row back means the fence moved: the lease is gone and the runner must stop. */
export async function renew(q: Q, id: string, fence: number, until: Date): Promise<boolean> {
  const rows = await q.rows(sql`
    update sessions set lease_expires_at = ${until.toISOString()}
    where id = ${id} and fence = ${fence} and status in ('running','degraded','waiting') returning id`);
  return rows.length > 0;
}

/**
 * Claim locked rows in one statement: the pure machine decides each row's patch, then a single
 * `update … from (values …)` applies them all, bumps each tenant's event counter once by its share, and
 * inserts every `session.status` event. The tenant rows are thus locked only by this last statement of the
 * claim transaction instead of from its first claim to its commit, which kept appenders waiting.
 */
export async function claim(
  tx: Q,
  rows: Row[],
  owner: string,
  leaseMs: number,
  now: Date,
  policy: Policy,
): Promise<Row[]> {
  if (!rows.length) return [];
  const at = now.toISOString();
  const values = rows.map((row) => {
    const p = next(toState(row), { type: "claim", owner, leaseMs }, now, policy);
    const data = { from: row.status, to: p.status, event: "claim", attempt: p.attempt, owner };
    return sql`(${row.id}::uuid, ${p.attempt}::int, ${p.fence}::bigint, ${p.leaseExpiresAt!.toISOString()}::timestamptz,
      ${p.startedAt!.toISOString()}::timestamptz, ${p.deadline!.toISOString()}::timestamptz, ${JSON.stringify(data)}::jsonb)`;
  });
  const tenants = [...new Set(rows.map((r) => r.tenantId))].sort();
  // Several tenants in one batch: lock their counters in id order, as every multi-tenant writer does.
  if (tenants.length > 1) {
    await tx.rows(
      sql`select id from tenants where id in (${sql.join(
        tenants.map((t) => sql`${t}`),
        sql`, `,
      )}) order by id for update`,
    );
  }
  const claimed = await tx.rows(sql`
    with v (id, attempt, fence, lease_expires_at, started_at, deadline, data) as (values ${sql.join(values, sql`, `)}),
    s as (update sessions set status = 'running', attempt = v.attempt, fence = v.fence, lease_owner = ${owner},
            lease_expires_at = v.lease_expires_at, run_after = null, started_at = v.started_at, deadline = v.deadline,
            last_seq = sessions.last_seq + 1, updated_at = ${at}
          from v where sessions.id = v.id and sessions.status = 'queued' and sessions.fence = v.fence - 1
          returning sessions.*, v.data as event_data),
    n as (select s.*, row_number() over (partition by s.tenant_id order by s.priority, s.created_at, s.id) as rn,
                 count(*) over (partition by s.tenant_id) as cnt from s),
    h as (update tenants set event_head = tenants.event_head + c.cnt
          from (select distinct tenant_id, cnt from n) c where tenants.id = c.tenant_id
          returning tenants.id, tenants.event_head - c.cnt as base),
    ins as (insert into session_events (tenant_id, id, session_id, seq, type, at, data)
            select n.tenant_id, h.base + n.rn, n.id, n.last_seq, 'session.status', ${at}, n.event_data
            from n join h on h.id = n.tenant_id returning id)
    select s.*, (select count(*) from ins) as events,
           (select count(*) from (select pg_notify(${channel}, id::text) from h) notified) as notified
    from s`);
  return claimed.map(fromRow);
}
