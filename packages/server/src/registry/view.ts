import { type SQL, sql } from "drizzle-orm";
import type { Agent, Breaker, Performance } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { type Outcome, type Policy, replay } from "../routing/breaker.ts";
import { type Candidate, internal, loadLevel, smoothed, tier } from "../routing/score.ts";
import { type AgentRow, effectiveStatus, fromRow } from "./store.ts";
import * as States from "../session/status.ts";

interface Recent extends Outcome {
  type: string;
  partial: boolean;
}

/** Live leases per agent: an agent's load is never a counter that can drift, it is this count. */
export async function loads(q: Q, ids?: string[]): Promise<Map<string, number>> {
  const only = ids
    ? sql` and agent_id in (${sql.join(
        ids.map((i) => sql`${i}::uuid`),
        sql`, `,
      )})`
    : sql``;
  if (ids && !ids.length) return new Map();
  const rows = await q.rows<{ agent_id: string; n: number }>(sql`
    select agent_id, count(*)::int as n from sessions
    where status in ${States.leasedSql} and agent_id is not null${only} group by agent_id`);
  return new Map(rows.map((r) => [String(r.agent_id), Number(r.n)]));
}

/** The last 50 finished attempts of each agent that count for or against it (oldest first). */
async function recent(q: Q, where: SQL): Promise<Map<string, Recent[]>> {
  const rows = await q.rows<Record<string, unknown>>(sql`
    select agent_id, type, started_at, ended_at, outcome from (
      select a.*, row_number() over (partition by a.agent_id order by a.ended_at desc) as rn
      from attempts a where a.ended_at is not null and a.outcome in ('completed','partial','failed') and ${where}) x
    where rn <= 50 order by ended_at`);
  const out = new Map<string, Recent[]>();
  for (const r of rows) {
    const list = out.get(String(r.agent_id)) ?? [];
    list.push({
      type: String(r.type),
      startedAt: new Date(r.started_at as string).getTime(),
      endedAt: new Date(r.ended_at as string).getTime(),
      ok: r.outcome !== "failed",
      partial: r.outcome === "partial",
    });
    out.set(String(r.agent_id), list);
  }
  return out;
}

/** The scripted double fails when its prompt says so: judging it by that would only block tests. */
export function breaker(a: AgentRow, rec: Outcome[], now: Date, policy: Policy): Breaker {
  if (a.kind === "scripted")
    return { state: "closed", since: null, probeAt: null, reason: "not applied to the scripted test agent" };
  return replay(rec, now.getTime(), policy).breaker;
}

/** Every agent routing may consider, with live loads, breaker and measured success. */
export async function candidates(
  q: Q,
  now: Date,
  policy: Policy,
): Promise<{ rows: AgentRow[]; list: Candidate[] }> {
  const rows = (await q.rows(sql`select * from agents where deleted_at is null`)).map(fromRow);
  const [load, rec] = await Promise.all([loads(q), recent(q, sql`true`)]);
  return { rows, list: rows.map((a) => candidate(a, load.get(a.id) ?? 0, rec.get(a.id) ?? [], now, policy)) };
}

export function candidate(a: AgentRow, load: number, rec: Recent[], now: Date, policy: Policy): Candidate {
  const score = (list: Recent[]) => list.reduce((s, o) => s + (o.partial ? 0.5 : o.ok ? 1 : 0), 0);
  const success: Record<string, number> = { "*": smoothed(score(rec), rec.length) };
  for (const type of new Set(rec.map((o) => o.type))) {
    const of = rec.filter((o) => o.type === type);
    success[type] = smoothed(score(of), of.length);
  }
  return {
    id: a.id,
    name: a.name,
    kind: a.kind,
    tenantId: a.tenantId,
    capabilities: a.capabilities,
    capacity: a.capacity,
    load,
    status: effectiveStatus(a, now.getTime()),
    breaker: breaker(a, rec, now, policy).state,
    tier: tier(rec.length, rec.length ? score(rec) / rec.length : 0),
    success,
  };
}

const zero: Performance = {
  attempts: 0,
  completed: 0,
  partial: 0,
  failed: 0,
  successRate: null,
  durationP50Ms: null,
  tokens: 0,
  cost: 0,
};

/** Measured performance over all finished attempts, grouped by `by` (agent, or agent and type/capability). */
export async function performance(
  q: Q,
  where: SQL,
  by: SQL = sql`agent_id`,
  from: SQL = sql`attempts`,
): Promise<Map<string, Performance>> {
  const rows = await q.rows<Record<string, unknown>>(sql`
    select ${by} as k,
      count(*) filter (where outcome in ('completed','partial','failed'))::int as attempts,
      count(*) filter (where outcome = 'completed')::int as completed,
      count(*) filter (where outcome = 'partial')::int as partial,
      count(*) filter (where outcome = 'failed')::int as failed,
      percentile_cont(0.5) within group (order by extract(epoch from ended_at - started_at) * 1000)
        filter (where outcome in ('completed','partial')) as p50,
      coalesce(sum(tokens), 0)::float8 as tokens, coalesce(sum(cost), 0)::float8 as cost
    from ${from} where ended_at is not null and ${where} group by 1`);
  const out = new Map<string, Performance>();
  for (const r of rows) {
    const n = Number(r.attempts);
    out.set(String(r.k), {
      attempts: n,
      completed: Number(r.completed),
      partial: Number(r.partial),
      failed: Number(r.failed),
      successRate: n ? Math.round(((Number(r.completed) + 0.5 * Number(r.partial)) / n) * 1000) / 1000 : null,
      durationP50Ms: r.p50 === null || r.p50 === undefined ? null : Math.round(Number(r.p50)),
      tokens: Number(r.tokens),
      cost: Number(r.cost),
    });
  }
  return out;
}

/**
 * The public view of agents as a tenant sees them (one query per aspect, whatever the number of agents).
 * Load, tier and breaker are the agent's own, shared by all who route to it; measured performance counts
 * only the tenant's attempts: a built-in agent must not tell one tenant what another ran or spent.
 */
export async function toPublic(
  q: Q,
  tenantId: string,
  rows: AgentRow[],
  now: Date,
  policy: Policy,
): Promise<Agent[]> {
  if (!rows.length) return [];
  const ids = sql.join(
    rows.map((a) => sql`${a.id}::uuid`),
    sql`, `,
  );
  const [load, rec, perf] = await Promise.all([
    loads(
      q,
      rows.map((a) => a.id),
    ),
    recent(q, sql`a.agent_id in (${ids})`),
    performance(q, sql`agent_id in (${ids}) and tenant_id = ${tenantId}`),
  ]);
  return rows.map((a) => {
    const c = candidate(a, load.get(a.id) ?? 0, rec.get(a.id) ?? [], now, policy);
    return {
      id: a.id,
      name: a.name,
      kind: a.kind,
      origin: internal(a.kind) ? "internal" : "external",
      label: a.label,
      version: a.version,
      description: a.description,
      capabilities: a.capabilities,
      capacity: a.capacity,
      load: c.load,
      loadLevel: loadLevel(c.load, a.capacity),
      status: c.status,
      mode: a.mode,
      endpoint: a.endpoint,
      lastHeartbeatAt: a.lastHeartbeatAt,
      tier: c.tier,
      breaker: breaker(a, rec.get(a.id) ?? [], now, policy),
      performance: perf.get(a.id) ?? zero,
      tenantOwned: a.tenantId !== null,
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
    };
  });
}
