import { sql } from "drizzle-orm";
import { type Attention, type AttentionItem, AttentionKind, type Status } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { toIso } from "../time.ts";
import * as States from "../session/status.ts";

/**
 * A running session whose agent has logged nothing for this long is worth a look: a working coding agent
 * logs every tool call and message. The engine itself gives up on a quiet run only after engine.stallMs
 * (10 min by default); the queue points at it well before that, while a person can still help.
 */
export const quietMs = 120_000;
/** A session queued this long will not start by itself soon: no agent fits it, or all are busy. */
export const queuedMs = 10 * 60_000;
/** Items in one answer; the counts still cover everything. */
export const limit = 100;

/** Ended badly, and nobody has looked yet. `stopped` and `cancelled` were a person's own doing. */
const failed: Status[] = ["failed", "timeout", "orphaned", "partially_completed"];

type Row = Record<string, unknown>;
interface Found {
  rows: Row[];
  total: number;
}

/**
 * The tenant's attention queue, ranked: approvals, then plan tasks whose work conflicts with their plan's
 * integration branch, manual context merges waiting to be settled, then stalled, failed, and
 * ready-to-review sessions.
 */
export async function queue(q: Q, tenantId: string, now: Date): Promise<Attention> {
  const [approvals, conflicts, merges, stalled, bad, done] = await Promise.all([
    waiting(q, tenantId),
    conflicted(q, tenantId),
    unsettled(q, tenantId),
    quiet(q, tenantId, now),
    ended(q, tenantId, failed),
    ended(q, tenantId, ["completed"]),
  ]);
  return rank(
    {
      approval: { items: approvals.rows.map(approvalItem), total: approvals.total },
      conflict: { items: conflicts.rows.map(conflictItem), total: conflicts.total },
      merge: { items: merges.rows.map(mergeItem), total: merges.total },
      stalled: { items: stalled.rows.map((r) => stalledItem(r, now)), total: stalled.total },
      failed: { items: bad.rows.map(failedItem), total: bad.total },
      review: { items: done.rows.map(reviewItem), total: done.total },
    },
    limit,
  );
}

/** The groups in rank order, cut at `max` items; each count is the whole group's. */
export function rank(
  groups: Record<AttentionKind, { items: AttentionItem[]; total: number }>,
  max: number,
): Attention {
  const order = AttentionKind.options;
  const items = order.flatMap((k) => groups[k].items).slice(0, max);
  const counts = Object.fromEntries(order.map((k) => [k, groups[k].total])) as Attention["counts"];
  return { items, counts };
}

// Each read below takes at most `limit` rows; `count(*) over ()` is computed before the limit, so it
// counts every match of the query in the same pass.
const found = (rows: Row[]): Found => ({ rows, total: Number(rows[0]?.total ?? 0) });

/** Pending approvals, oldest first: the agent has waited longest for these. */
async function waiting(q: Q, tenantId: string): Promise<Found> {
  return found(
    await q.rows(sql`
      select a.id as approval_id, a.session_id, a.request, a.created_at as at, s.title, s.status,
             count(*) over () as total
      from approvals a join sessions s on s.id = a.session_id
      where a.tenant_id = ${tenantId} and a.status = 'pending' and s.deleted_at is null
      order by a.created_at, a.id limit ${limit}`),
  );
}

/**
 * Plan tasks that ended conflicted, oldest first: each holds its plan back until a person retries or
 * skips it. A cancelled plan's conflicts need nobody any more.
 */
async function conflicted(q: Q, tenantId: string): Promise<Found> {
  return found(
    await q.rows(sql`
      select t.session_id, t.key, t.reason, t.ended_at as at, s.title, s.status,
             p.id as plan_id, p.title as plan_title, count(*) over () as total
      from plan_tasks t join plans p on p.id = t.plan_id join sessions s on s.id = t.session_id
      where t.tenant_id = ${tenantId} and t.status = 'conflicted'
        and p.deleted_at is null and p.status <> 'cancelled'
      order by t.ended_at, t.id limit ${limit}`),
  );
}

/** Manual merges of shared context with conflicts a person has not settled, oldest first. */
async function unsettled(q: Q, tenantId: string): Promise<Found> {
  return found(
    await q.rows(sql`
      select m.id, m.source_id, m.target_id, jsonb_array_length(m.conflicts) as conflicts, m.created_at as at,
             s.scope as source_scope, s.name as source_name, t.scope as target_scope, t.name as target_name,
             count(*) over () as total
      from context_merges m join contexts s on s.id = m.source_id join contexts t on t.id = m.target_id
      where m.tenant_id = ${tenantId} and m.status = 'open'
      order by m.created_at, m.id limit ${limit}`),
  );
}

/**
 * Running or degraded sessions whose newest event (the one at last_seq) is older than `quietMs`, and
 * queued sessions that entered the queue more than `queuedMs` ago, longest first. "Entered" is the newest
 * event that put it there (created queued, started, retried, requeued after a failure): a routing note
 * (session.waiting) does not restart the clock. created_at bounds that event from below, so it prunes.
 */
async function quiet(q: Q, tenantId: string, now: Date): Promise<Found> {
  const quietBefore = new Date(now.getTime() - quietMs).toISOString();
  const queuedBefore = new Date(now.getTime() - queuedMs).toISOString();
  return found(
    await q.rows(sql`
      select s.id as session_id, s.title, s.status, s.queue_reason, e.at, count(*) over () as total
      from sessions s
      cross join lateral (
        select case when s.status = 'queued' then
          (select x.at from session_events x where x.session_id = s.id
             and (x.type = 'session.created' or (x.type = 'session.status' and x.data->>'to' = 'queued'))
           order by x.seq desc limit 1)
        else (select x.at from session_events x where x.session_id = s.id and x.seq = s.last_seq) end as at
      ) e
      where s.tenant_id = ${tenantId} and s.deleted_at is null
        and ((s.status in ${States.workingSql} and e.at < ${quietBefore}::timestamptz)
          or (s.status = 'queued' and s.created_at < ${queuedBefore}::timestamptz and e.at < ${queuedBefore}::timestamptz))
      order by e.at, s.id limit ${limit}`),
  );
}

/**
 * Ended sessions in `statuses` nobody has marked reviewed, newest end first. A plan task's session whose
 * branch conflicted is shown once, as its conflict.
 */
async function ended(q: Q, tenantId: string, statuses: Status[]): Promise<Found> {
  const list = sql.join(
    statuses.map((s) => sql`${s}`),
    sql`, `,
  );
  return found(
    await q.rows(sql`
      select s.id as session_id, s.title, s.status, s.error, s.ended_at as at, count(*) over () as total
      from sessions s
      where s.tenant_id = ${tenantId} and s.deleted_at is null and s.reviewed_at is null and s.status in (${list})
        and not exists (select 1 from plan_tasks t
                        where t.id = s.task_id and t.session_id = s.id and t.status = 'conflicted')
      order by s.ended_at desc, s.id desc limit ${limit}`),
  );
}

function mergeItem(r: Row): AttentionItem {
  const n = Number(r.conflicts);
  const doc = (scope: unknown, name: unknown) => `${String(scope)} “${String(name)}”`;
  return {
    kind: "merge",
    sessionId: null,
    title: `merge ${doc(r.source_scope, r.source_name)} into ${doc(r.target_scope, r.target_name)}`,
    status: null,
    at: toIso(r.at)!,
    detail: `${n} conflicting ${n === 1 ? "path" : "paths"} to settle`,
    link: `/contexts/${String(r.target_id)}`,
    merge: { id: String(r.id), sourceId: String(r.source_id), targetId: String(r.target_id), conflicts: n },
  };
}

const base = (kind: AttentionKind, r: Row, detail: string | null): AttentionItem => ({
  kind,
  sessionId: String(r.session_id),
  title: String(r.title),
  status: r.status as Status,
  at: toIso(r.at)!,
  detail,
  link: `/sessions/${String(r.session_id)}`,
});

/** What the approval asks, once: its title names the permission already when the agent wrote it so. */
function approvalItem(r: Row): AttentionItem {
  const req = r.request as { title?: string; permission?: string };
  const title = req.title ?? "";
  const named = !req.permission || title.startsWith(`${req.permission}:`);
  const detail = named ? title || null : `${req.permission}: ${title}`;
  return { ...base("approval", r, detail), approvalId: String(r.approval_id) };
}

/** The conflicting paths, from the reason the merge recorded (see plan/tasks.ts). */
function conflictItem(r: Row): AttentionItem {
  const reason = r.reason as { conflict?: unknown } | null;
  const paths = Array.isArray(reason?.conflict) ? reason.conflict.map(String) : [];
  const plan = { id: String(r.plan_id), title: String(r.plan_title), task: String(r.key), paths };
  const detail = `conflicts with the plan's integration branch in ${paths.join(", ") || "(no path named)"}`;
  return {
    ...base("conflict", r, detail),
    link: `/plans/${plan.id}?task=${encodeURIComponent(plan.task)}`,
    plan,
  };
}

function stalledItem(r: Row, now: Date): AttentionItem {
  const secs = Math.round((now.getTime() - Date.parse(toIso(r.at)!)) / 1000);
  const detail =
    r.status === "queued"
      ? ((r.queue_reason as string | null) ?? `queued for ${Math.round(secs / 60)} min`)
      : `no event for ${secs} s`;
  return base("stalled", r, detail);
}

function failedItem(r: Row): AttentionItem {
  const error = r.error as { message?: string } | null;
  return base("failed", r, error?.message ?? (r.status === "partially_completed" ? "partial result" : null));
}

const reviewItem = (r: Row): AttentionItem => base("review", r, null);
