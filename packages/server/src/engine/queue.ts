import { sql } from "drizzle-orm";
import type { EventData } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import type { Note } from "../db/channels.ts";
import { type Policy, next } from "../session/machine.ts";
import { type Row, fromRow, toState } from "../session/row.ts";
import * as States from "../session/status.ts";

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
    where status in ${States.leasedSql} and lease_expires_at < ${now.toISOString()}
    order by tenant_id limit ${limit} for update skip locked`);
  return rows.map(fromRow);
}

/** Sessions past their deadline that are still live in some form. */
export async function lockOverdue(tx: Q, now: Date, limit = 100): Promise<Row[]> {
  const rows = await tx.rows(sql`
    select * from sessions
    where status in ${States.overdueSql} and deadline < ${now.toISOString()} and deleted_at is null
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
    select * from sessions where status in ${States.leasedSql}${who} order by tenant_id for update skip locked`);
  return rows.map(fromRow);
}

/** Extend a lease. No row back means the fence moved: the lease is gone and the runner must stop. */
export async function renew(q: Q, id: string, fence: number, until: Date): Promise<boolean> {
  const rows = await q.rows(sql`
    update sessions set lease_expires_at = ${until.toISOString()}
    where id = ${id} and fence = ${fence} and status in ${States.leasedSql} returning id`);
  return rows.length > 0;
}

/** One routed claim: who holds the lease (this node, or `agent:<id>` for an external agent) and why. */
export interface Claim {
  row: Row;
  owner: string;
  agentId: string;
  leaseMs: number;
  /** The routing decision, kept in the claim's log entry. */
  decision: Decision;
}

/** The routing decision's fields of a claim's session.status entry. */
export type Decision = Pick<EventData<"session.status">, "agent" | "runnersUp" | "why">;

/**
 * Claim locked rows in one statement: the pure machine decides each row's patch, then a single
 * `update … from (values …)` applies them all, opens each attempt's row, bumps each tenant's event counter
 * once by its share, and inserts every `session.status` event (with the routing decision). The tenant rows
 * are thus locked only by this last statement of the claim transaction instead of from its first claim to
 * its commit, which kept appenders waiting. Streams of the tenants, and external agents with a waiting
 * long-poll or stream, are woken at commit.
 */
export async function claim(tx: Q, claims: Claim[], now: Date, policy: Policy): Promise<Row[]> {
  if (!claims.length) return [];
  const at = now.toISOString();
  const values = claims.map(({ row, owner, agentId, leaseMs, decision }) => {
    const p = next(toState(row), { type: "claim", owner, leaseMs }, now, policy);
    const data: EventData<"session.status"> = {
      from: row.status,
      to: p.status,
      event: "claim",
      attempt: p.attempt!,
      owner,
      ...decision,
    };
    return sql`(${row.id}::uuid, ${p.attempt}::int, ${p.fence}::bigint, ${p.leaseExpiresAt!.toISOString()}::timestamptz,
      ${p.startedAt!.toISOString()}::timestamptz, ${p.deadline!.toISOString()}::timestamptz, ${JSON.stringify(data)}::jsonb,
      ${owner}::text, ${agentId}::uuid)`;
  });
  const tenants = [...new Set(claims.map((c) => c.row.tenantId))].sort();
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
    with v (id, attempt, fence, lease_expires_at, started_at, deadline, data, owner, agent_id) as (values ${sql.join(values, sql`, `)}),
    s as (update sessions set status = 'running', attempt = v.attempt, fence = v.fence, lease_owner = v.owner,
            agent_id = v.agent_id, queue_reason = null,
            lease_expires_at = v.lease_expires_at, run_after = null, started_at = v.started_at, deadline = v.deadline,
            last_seq = sessions.last_seq + 1, updated_at = ${at}
          from v where sessions.id = v.id and sessions.status = 'queued' and sessions.fence = v.fence - 1
          returning sessions.*, v.data as event_data),
    a as (insert into attempts (session_id, round, attempt, tenant_id, agent_id, type, capabilities, started_at,
                                tokens_at_start, cost_at_start)
          select s.id, s.retries, s.attempt, s.tenant_id, s.agent_id, s.type, s.capabilities, ${at},
            coalesce((s.usage->>'input')::numeric + (s.usage->>'output')::numeric + (s.usage->>'reasoning')::numeric, 0),
            coalesce((s.usage->>'cost')::float8, 0)
          from s
          -- a released attempt (handed back at shutdown) is taken again under the same number
          on conflict (session_id, round, attempt) do update set agent_id = excluded.agent_id,
            started_at = excluded.started_at, acked_at = null, ended_at = null, outcome = null, error_code = null,
            ended_by = null, tokens = null, cost = null
          returning session_id),
    n as (select s.*, row_number() over (partition by s.tenant_id order by s.priority, s.created_at, s.id) as rn,
                 count(*) over (partition by s.tenant_id) as cnt from s),
    h as (update tenants set event_head = tenants.event_head + c.cnt
          from (select distinct tenant_id, cnt from n) c where tenants.id = c.tenant_id
          returning tenants.id, tenants.event_head - c.cnt as base),
    ins as (insert into session_events (tenant_id, id, session_id, seq, type, at, data)
            select n.tenant_id, h.base + n.rn, n.id, n.last_seq, 'session.status', ${at}, n.event_data
            from n join h on h.id = n.tenant_id returning id)
    select s.*, (select count(*) from ins) as events, (select count(*) from a) as attempts from s`);
  const rows = claimed.map(fromRow);
  const notes: Note[] = [...new Set(rows.map((r) => r.tenantId))].map((t) => ["events", t]);
  for (const r of rows) if (r.lease?.owner.startsWith("agent:")) notes.push(["tasks", r.agentId!]);
  await tx.notify(notes);
  return rows;
}
