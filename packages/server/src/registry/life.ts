import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { Eap } from "@orchestrator/sdk";
import type { Db } from "../db/db.ts";
import { fromRow as fromSession } from "../session/row.ts";
import * as Store from "../session/store.ts";
import { type AgentRow, effectiveStatus, event, fromRow, leaseOwner as owner, unblock } from "./store.ts";
import * as States from "../session/status.ts";

/**
 * A heartbeat: store what the agent says, renew the leases of the tasks it names in `task_ids` (a task it
 * took but no longer names, say an assignment lost on the way, lapses and goes back to the queue; one it
 * has not taken keeps its short ack lease), and tell it which of the tasks it named are no longer its own.
 */
export async function heartbeat(
  db: Db,
  agent: AgentRow,
  body: z.output<typeof Eap.Heartbeat>,
  now: Date,
): Promise<Eap.HeartbeatReply> {
  const was = effectiveStatus(agent, now.getTime());
  const status =
    agent.status === "draining"
      ? "draining"
      : body.status === "offline"
        ? "offline"
        : body.status === "degraded"
          ? "degraded"
          : "online";
  const at = now.toISOString();
  const until = new Date(now.getTime() + agent.heartbeatTtlMs).toISOString();
  // A Postgres array literal: task_ids are validated UUIDs.
  const named = `{${body.task_ids.join(",")}}`;
  // One statement: the agent row, its acked leases, the history entry, and which named tasks it still holds.
  const rows = await db.rows<{ held: string[] | null; load: number }>(sql`
    with a as (update agents set last_heartbeat_at = ${at}, heartbeat = ${JSON.stringify(body)}::jsonb,
                 status = ${status}, updated_at = ${at} where id = ${agent.id} returning id),
    r as (update sessions s set lease_expires_at = ${until}
          from attempts t
          where s.lease_owner = ${owner(agent.id)} and s.status in ${States.leasedSql}
            and t.session_id = s.id and t.round = s.retries and t.attempt = s.attempt and t.acked_at is not null
            and s.id = any(${named}::uuid[])
          returning s.id),
    l as (select count(*)::int as n from sessions where agent_id = ${agent.id} and status in ${States.leasedSql}),
    h as (insert into agent_events (agent_id, at, type, data)
          select ${agent.id}, ${at}, 'heartbeat', jsonb_build_object('status', ${body.status}::text,
            'reportedLoad', ${body.current_load}::float8, 'tasks', ${body.tasks_in_progress}::int, 'load', l.n) from l)
    select (select array_agg(id::text) from sessions where lease_owner = ${owner(agent.id)}
              and status in ${States.leasedSql}
              and id = any(${named}::uuid[])) as held,
           (select n from l) as load`);
  if (was !== status) {
    await event(db, agent.id, "status", { from: was, to: status, by: "heartbeat" }, now);
    await db.notify([["agents"]]);
    if (status === "online" || status === "degraded") await unblock(db, now);
  }
  const held = new Set(rows[0]?.held ?? []);
  // Heartbeat history is kept for a day.
  if (Math.random() < 0.02)
    await db.rows(sql`delete from agent_events where agent_id = ${agent.id} and type = 'heartbeat'
      and at < ${new Date(now.getTime() - 86_400_000).toISOString()}`);
  return {
    agent_status: status,
    cancel: body.task_ids.filter((id) => !held.has(id)),
    heartbeat_ttl_seconds: agent.heartbeatTtlMs / 1000,
  };
}

/**
 * Leave the registry. Graceful: take no new work, finish what is held, then go (see `sweep`). Otherwise
 * hand every held task back to the queue now, without counting it as a failed attempt.
 */
export async function deregister(
  ctx: Store.Ctx,
  agent: AgentRow,
  graceful: boolean,
  reason: string | null,
): Promise<{ status: "draining" | "deregistered"; tasks: number }> {
  const now = ctx.now();
  const at = now.toISOString();
  await ctx.db.rows(sql`
    update agents set status = 'draining', metadata = metadata || '{"deregistering": true}'::jsonb, updated_at = ${at}
    where id = ${agent.id}`);
  await event(ctx.db, agent.id, "deregister", { graceful, reason }, now);
  await ctx.db.notify([["agents"]]);
  const held = await ctx.db.rows(sql`
    select * from sessions where lease_owner = ${owner(agent.id)} and status in ${States.leasedSql}`);
  if (graceful && held.length) return { status: "draining", tasks: held.length };
  for (const row of held.map(fromSession)) {
    await Store.transition(
      ctx,
      row.id,
      { type: "release" },
      { known: row, reason: "the agent deregistered" },
    ).catch(
      () => {}, // moved meanwhile: that write stands
    );
  }
  await remove(ctx.db, agent.id, now);
  return { status: "deregistered", tasks: held.length };
}

async function remove(db: Db, id: string, now: Date): Promise<void> {
  await db.rows(sql`
    update agents set deleted_at = ${now.toISOString()}, status = 'offline', token_hash = null, updated_at = ${now.toISOString()}
    where id = ${id} and deleted_at is null`);
  await event(db, id, "deregistered", {}, now);
  await db.notify([["agents"]]);
}

/**
 * The registry's reaper pass: drained agents leave once they hold nothing, and agents whose heartbeat
 * TTL ran out are recorded as offline (their tasks' leases run out with the same TTL, and the session
 * reaper returns them to the queue).
 */
export async function sweep(db: Db, now: Date): Promise<void> {
  const drained = await db.rows<{ id: string }>(sql`
    select a.id from agents a where a.deleted_at is null and a.metadata->>'deregistering' = 'true'
      and not exists (select 1 from sessions s where s.agent_id = a.id and s.status in ${States.leasedSql})`);
  for (const { id } of drained) await remove(db, String(id), now);
  const lost = await db.rows(sql`
    update agents set status = 'offline', updated_at = ${now.toISOString()}
    where deleted_at is null and heartbeat_ttl_ms > 0 and status <> 'offline'
      and coalesce(last_heartbeat_at, created_at) < ${now.toISOString()}::timestamptz - make_interval(secs => heartbeat_ttl_ms / 1000.0)
    returning *`);
  for (const a of lost.map(fromRow))
    await event(db, a.id, "status", { to: "offline", by: "heartbeat TTL" }, now);
  if (lost.length) await db.notify([["agents"]]);
}
