import { randomUUID } from "node:crypto";
import { type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { Create, ListQuery, type Page, type Update, priorityRank, terminal } from "@orchestrator/sdk";
import type { Db, Q } from "../db/db.ts";
import { AppError, leaseLost, notFound } from "../error.ts";
import * as Log from "../event/log.ts";
import { type Event, Invalid, type Patch, type Policy, allowed, isLeased, next } from "./machine.ts";
import { type Row, fromRow, toState } from "./row.ts";
import * as Cursor from "./cursor.ts";
import * as States from "./status.ts";
import type { Note } from "../db/channels.ts";

export interface Ctx {
  db: Db;
  now: () => Date;
  policy: Policy;
  /**
   * Told, in the same transaction, that a plan's session ended (plan/tasks.ts): a task's (its task ends
   * and its dependents decide before the session's end commits) or a planner's. May return work to run
   * after the commit.
   */
  ended?: (tx: Q, row: Row) => Promise<(() => void) | void>;
  /** Told of a failure in work done after a commit (`ended` deferred), which has no caller to throw to. */
  onError?: (err: unknown) => void;
}

/** The plan task a session runs, and which attempt of it (unique: plan/run.ts launches each once). */
export interface TaskLink {
  planId: string;
  /** Null for a plan's planning session. */
  taskId: string | null;
  attempt: number | null;
}

/**
 * Insert a session from resolved input (the schema's output, defaults applied), on `ctx.db`: the database
 * or a transaction. Sessions are created through session/submit.ts, which resolves what a client asks for.
 */
export async function create(
  ctx: Pick<Ctx, "now"> & { db: Q },
  tenantId: string,
  input: z.output<typeof Create> & { projectId?: string | null; checkpoint?: unknown; task?: TaskLink },
): Promise<Row> {
  const now = ctx.now().toISOString();
  const id = randomUUID();
  const status = input.hold ? "pending" : "queued";
  if (input.parentId) await get(ctx.db, tenantId, input.parentId, "parentId");
  const data = JSON.stringify({ status, title: input.title });
  const notes: Note[] = [["events", tenantId], ...(status === "queued" ? [["queue"] as const] : [])];
  // Row, first event and wake-ups in one statement (see event/log.ts for why the tenant row is bumped).
  const rows = await ctx.db.rows(sql`
    with s as (
      insert into sessions (id, tenant_id, title, prompt, type, priority, status, capabilities, agent, workspace,
        max_duration_sec, max_attempts, tags, metadata, parent_id, project_id, profile, routing, checkpoint, created_at, updated_at, last_seq,
        plan_id, task_id, task_attempt)
      values (${id}, ${tenantId}, ${input.title}, ${input.prompt}, ${input.type}, ${priorityRank[input.priority]},
        ${status}, ${pgArray(input.capabilities)}::text[], ${input.agent ?? null}, ${json(input.workspace ?? null)}::jsonb,
        ${input.maxDurationSec}, ${input.maxAttempts}, ${pgArray(input.tags)}::text[], ${json(input.metadata)}::jsonb,
        ${input.parentId ?? null}, ${input.projectId ?? null}, ${input.profile ?? null}, ${json(input.routing ?? {})}::jsonb,
        ${input.checkpoint === undefined ? null : json({ seq: 1, at: now, data: input.checkpoint })}::jsonb, ${now}, ${now}, 1,
        ${input.task?.planId ?? null}, ${input.task?.taskId ?? null}, ${input.task?.attempt ?? null})
      returning *),
    h as (update tenants set event_head = event_head + 1 where id = ${tenantId} returning event_head),
    ins as (insert into session_events (tenant_id, id, session_id, seq, type, at, data)
            select ${tenantId}, h.event_head, s.id, 1, 'session.created', ${now}, ${data}::jsonb from s, h returning id)
    select s.*, ${ctx.db.wake(notes)} from s, ins`);
  return fromRow(rows[0]!);
}

export async function get(q: Q, tenantId: string, id: string, field = "id"): Promise<Row> {
  const rows = await q.rows(sql`
    select * from sessions where id = ${id} and tenant_id = ${tenantId} and deleted_at is null`);
  if (!rows[0])
    throw field === "id"
      ? notFound("session", id)
      : new AppError("validation_failed", `${field}: session ${id} not found`, { path: [field] });
  return fromRow(rows[0]);
}

/**
 * "Running" must mean a live lease. A lease can expire between two reaper passes (its node died); reads
 * settle such rows first, with the same guarded `expire` transition the reaper would make.
 */
export async function settle(ctx: Ctx, tenantId: string, id?: string): Promise<void> {
  const rows = await ctx.db.rows(sql`
    select * from sessions where tenant_id = ${tenantId}${id ? sql` and id = ${id}` : sql``}
      and status in ${States.leasedSql} and lease_expires_at < ${ctx.now().toISOString()} limit 100`);
  for (const row of rows.map(fromRow)) {
    try {
      await transition(ctx, row.id, { type: "expire" }, { known: row, reason: "lease expired" });
    } catch (err) {
      // Someone (the reaper, the runner's last heartbeat) moved it first: their write stands.
      if (!(err instanceof AppError) || !["invalid_transition", "lease_lost"].includes(err.code)) throw err;
    }
  }
}

/** Get with expired leases settled: what the API shows. */
export async function read(ctx: Ctx, tenantId: string, id: string): Promise<Row> {
  const row = await get(ctx.db, tenantId, id);
  if (!row.lease || Date.parse(row.lease.expiresAt) >= ctx.now().getTime()) return row;
  await settle(ctx, tenantId, id);
  return get(ctx.db, tenantId, id);
}

export async function list(q: Q, tenantId: string, query: z.output<typeof ListQuery>): Promise<Page> {
  const where: SQL[] = [sql`tenant_id = ${tenantId}`, sql`deleted_at is null`];
  if (query.status?.length)
    where.push(
      sql`status in (${sql.join(
        query.status.map((s) => sql`${s}`),
        sql`, `,
      )})`,
    );
  if (query.type) where.push(sql`type = ${query.type}`);
  if (query.tag) where.push(sql`${query.tag} = any(tags)`);
  if (query.parentId) where.push(sql`parent_id = ${query.parentId}`);
  if (query.q) {
    const like = `%${query.q.replace(/[\\%_]/g, (c) => "\\" + c)}%`;
    where.push(sql`(title ilike ${like} or prompt ilike ${like})`);
  }
  if (query.createdAfter) where.push(sql`created_at > ${new Date(query.createdAfter).toISOString()}`);
  if (query.createdBefore) where.push(sql`created_at < ${new Date(query.createdBefore).toISOString()}`);
  const order = Cursor.order(query.sort);
  if (query.cursor) where.push(Cursor.after(order, query.cursor));
  const rows = await q.rows(sql`
    select * from sessions where ${sql.join(where, sql` and `)}
    order by ${order.orderBy} limit ${query.limit + 1}`);
  const items = rows.slice(0, query.limit).map(fromRow);
  const last = items.at(-1);
  return {
    items: items.map(({ tenantId: _t, fence: _f, ...s }) => s),
    nextCursor: rows.length > query.limit && last ? Cursor.encode(order, last) : null,
  };
}

export async function update(ctx: Ctx, tenantId: string, id: string, patch: Update): Promise<Row> {
  return ctx.db.tx(async (tx) => {
    const row = await lock(tx, id, tenantId);
    if (terminal.includes(row.status)) {
      throw new AppError(
        "invalid_transition",
        `session ${id} is ${row.status}; only sessions that have not ended can be updated`,
        {
          status: row.status,
        },
      );
    }
    const sets: SQL[] = [];
    if (patch.title !== undefined) sets.push(sql`title = ${patch.title}`);
    if (patch.priority !== undefined) sets.push(sql`priority = ${priorityRank[patch.priority]}`);
    if (patch.tags !== undefined) sets.push(sql`tags = ${pgArray(patch.tags)}::text[]`);
    const after = await Log.write(tx, {
      tenantId,
      sessionId: id,
      type: "session.updated",
      at: ctx.now(),
      data: { ...patch },
      set: sets,
    });
    return fromRow(after!);
  });
}

/** Soft delete. A session that has not ended is cancelled first, in the same transaction. */
export async function remove(ctx: Ctx, tenantId: string, id: string): Promise<void> {
  await ctx.db.tx(async (tx) => {
    const row = await lock(tx, id, tenantId);
    if (!terminal.includes(row.status)) await apply(ctx, tx, row, { type: "cancel", reason: "deleted" }, {});
    const set = [sql`deleted_at = ${ctx.now().toISOString()}`];
    await Log.write(tx, { tenantId, sessionId: id, type: "session.deleted", at: ctx.now(), data: {}, set });
  });
}

/**
 * Mark an ended session reviewed: it leaves the attention queue. Marking it again changes nothing and logs
 * nothing; a session that has not ended cannot be reviewed.
 */
export async function review(ctx: Ctx, tenantId: string, id: string, by: string): Promise<Row> {
  return ctx.db.tx(async (tx) => {
    const row = await lock(tx, id, tenantId);
    if (!terminal.includes(row.status))
      throw new AppError(
        "invalid_transition",
        `session ${id} is ${row.status}; only a session that has ended can be marked reviewed`,
        { status: row.status },
      );
    if (row.reviewedAt) return row;
    const at = ctx.now();
    const after = await Log.write(tx, {
      tenantId,
      sessionId: id,
      type: "session.reviewed",
      at,
      data: { by },
      set: [sql`reviewed_at = ${at.toISOString()}`],
    });
    return fromRow(after!);
  });
}

export interface Opts {
  tenantId?: string;
  /** A runner's write: refused unless the session still carries this fence. */
  fence?: number;
  reason?: string;
  /** The person who asked for it (`key:<id>`, or `dev` without auth), logged with the transition. */
  by?: string;
  /** The row as the writer last saw it: tried first, so a runner's own transition needs no read. */
  known?: Row;
  /** Who ended the attempt, kept on it: `agent` marks a result an external agent reported. */
  endedBy?: "agent";
}

/**
 * Apply one state-machine event. Optimistic: read the row, decide, then write guarded by the status and
 * fence that were read (together they determine every input of the decision). If another writer got in
 * between, read again and decide again; a runner's write instead fails once its fence has moved.
 */
export async function transition(ctx: Ctx, id: string, event: Event, opts: Opts = {}): Promise<Row> {
  if (opts.known) {
    const after = await write(ctx, ctx.db, opts.known, event, opts);
    if (after) return after;
  }
  for (let tries = 0; ; tries++) {
    const rows = await ctx.db.rows(sql`
      select * from sessions where id = ${id}${opts.tenantId ? sql` and tenant_id = ${opts.tenantId}` : sql``} and deleted_at is null`);
    if (!rows[0]) throw notFound("session", id);
    const row = fromRow(rows[0]);
    if (opts.fence !== undefined && row.fence !== opts.fence) throw leaseLost(id, opts.fence);
    const after = await write(ctx, ctx.db, row, event, opts);
    if (after) return after;
    if (tries >= 20)
      throw new AppError("conflict", `session ${id} kept changing under concurrent writers; try again`);
  }
}

/** Persist a transition of a row already locked by the caller's transaction. */
export async function apply(ctx: Ctx, tx: Q, row: Row, event: Event, opts: Opts): Promise<Row> {
  const after = await write(ctx, tx, row, event, opts);
  if (!after) throw leaseLost(row.id, row.fence);
  return after;
}

/** Decide with the pure machine, then make the guarded write: session row, log entry and wake-ups at once. */
async function write(ctx: Ctx, q: Q, row: Row, event: Event, opts: Opts): Promise<Row | null> {
  if (row.planId && event.type === "retry")
    throw new AppError(
      "invalid_transition",
      row.taskId
        ? `session ${row.id} runs a task of plan ${row.planId}: retry the task (POST /api/v1/plans/${row.planId}/tasks/<key>/retry)`
        : `session ${row.id} plans plan ${row.planId}: make a new plan instead`,
      { status: row.status, planId: row.planId, taskId: row.taskId },
    );
  const { ended } = ctx;
  if (!ended || !row.planId) return writeRow(ctx, q, row, event, opts);
  if (q !== ctx.db) {
    // Inside a caller's transaction (the reaper's sweep) that holds other rows' locks: the plan is told
    // after that transaction ends, so the plan's lock is never taken after a session's (see below).
    const after = await writeRow(ctx, q, row, event, opts);
    if (after && terminal.includes(after.status)) void tellPlan(ctx, ended, after.id);
    return after;
  }
  // The plan's row is locked first, as every scheduling step does, so this transaction and a plan step
  // (which creates sessions) take their locks in the same order.
  const { after, next } = await ctx.db.tx(async (tx) => {
    await tx.rows(sql`select 1 from plans where id = ${row.planId} for update`);
    const out = await writeRow(ctx, tx, row, event, opts);
    return { after: out, next: out && terminal.includes(out.status) ? await ended(tx, out) : undefined };
  });
  next?.();
  return after;
}

/**
 * Tell a plan that its task's session ended, once the transaction that ended it has committed: waiting
 * for the session's row lock is waiting for that commit. A rolled-back end leaves the session live, and
 * nothing is told. A failure here is repaired by the plan reconciler.
 */
async function tellPlan(ctx: Ctx, ended: NonNullable<Ctx["ended"]>, id: string): Promise<void> {
  try {
    await ctx.db.rows(sql`select 1 from sessions where id = ${id} for update`);
    const next = await ctx.db.tx(async (tx) => {
      const rows = await tx.rows(sql`select * from sessions where id = ${id}`);
      const row = rows[0] ? fromRow(rows[0]) : null;
      if (!row || !terminal.includes(row.status)) return undefined;
      await tx.rows(sql`select 1 from plans where id = ${row.planId} for update`);
      return ended(tx, row);
    });
    next?.();
  } catch (err) {
    ctx.onError?.(err);
  }
}

async function writeRow(ctx: Ctx, q: Q, row: Row, event: Event, opts: Opts): Promise<Row | null> {
  const now = ctx.now();
  let patch: Patch;
  try {
    patch = next(toState(row), event, now, ctx.policy);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    throw new AppError("invalid_transition", err.message, {
      status: row.status,
      event: event.type,
      allowed: allowed(row.status),
    });
  }
  const reason = opts.reason ?? ("reason" in event ? event.reason : undefined);
  const notify: Note[] = [];
  // Queued work to claim, or a slot freed: a session leaving its lease frees its agent's capacity (an
  // external agent's finished task, say), so waiting sessions are looked at now, not at the next poll.
  if (patch.status === "queued" || (isLeased(row.status) && !isLeased(patch.status))) notify.push(["queue"]);
  // Someone other than the runner moved a leased session: tell the runner to stop now.
  if (isLeased(row.status) && opts.fence === undefined) notify.push(["control", row.id]);
  // A failed attempt may open its agent's breaker: routing reads the registry again.
  if (isLeased(row.status) && ["fail", "expire", "timeout"].includes(event.type)) notify.push(["agents"]);
  const after = await Log.write(q, {
    tenantId: row.tenantId,
    sessionId: row.id,
    type: "session.status",
    at: now,
    data: {
      from: row.status,
      to: patch.status,
      event: event.type,
      attempt: patch.attempt ?? row.attempt,
      ...(patch.leaseOwner ? { owner: patch.leaseOwner } : {}),
      ...(reason ? { reason } : {}),
      ...(opts.by ? { by: opts.by } : {}),
      ...(patch.error ? { error: patch.error } : {}),
    },
    set: assignments(patch),
    guard: [sql`status = ${row.status}`, sql`fence = ${row.fence}`],
    notify,
    also: isLeased(row.status) && !isLeased(patch.status) ? [endAttempt(row, event, opts)] : [],
  });
  return after ? fromRow(after) : null;
}

async function lock(tx: Q, id: string, tenantId?: string): Promise<Row> {
  const tenant = tenantId ? sql` and tenant_id = ${tenantId}` : sql``;
  const rows = await tx.rows(
    sql`select * from sessions where id = ${id}${tenant} and deleted_at is null for update`,
  );
  if (!rows[0]) throw notFound("session", id);
  return fromRow(rows[0]);
}

/** How an attempt ended, for the agent's record: only `failed` counts against it. */
const outcomes: Partial<Record<Event["type"], string>> = {
  fail: "failed",
  expire: "failed",
  timeout: "failed",
  cancel: "cancelled",
  stop: "cancelled",
  pause: "cancelled",
  release: "released",
};

/**
 * Close the attempt row in the transition's own statement (a CTE over the updated session `s`), so no
 * writer (runner, reaper, API, agent) can end an attempt without its outcome being recorded.
 */
function endAttempt(row: Row, event: Event, opts: Opts): SQL {
  const outcome =
    event.type === "complete"
      ? event.partial
        ? "partial"
        : "completed"
      : (outcomes[event.type] ?? "failed");
  const code = event.type === "fail" ? event.code : event.type === "expire" ? "lease_expired" : event.type;
  // The attempt's own tokens and cost: the session sums every attempt's usage.
  return sql`update attempts a set ended_at = s.updated_at, outcome = ${outcome},
      error_code = ${outcome === "failed" ? code : null}, ended_by = ${opts.endedBy ?? null},
      tokens = coalesce((s.usage->>'input')::numeric + (s.usage->>'output')::numeric + (s.usage->>'reasoning')::numeric, 0) - a.tokens_at_start,
      cost = coalesce((s.usage->>'cost')::float8, 0) - a.cost_at_start
    from s where a.session_id = s.id and a.round = ${row.retries} and a.attempt = ${row.attempt} and a.ended_at is null`;
}

function assignments(p: Patch): SQL[] {
  const out: SQL[] = [sql`status = ${p.status}`];
  const set = (col: string, v: unknown) => out.push(sql`${sql.identifier(col)} = ${v}`);
  const at = (d: Date | null) => (d ? d.toISOString() : null);
  if (p.attempt !== undefined) set("attempt", p.attempt);
  if (p.retries === "increment") out.push(sql`retries = retries + 1`);
  if (p.fence !== undefined) set("fence", p.fence);
  if (p.leaseOwner !== undefined) set("lease_owner", p.leaseOwner);
  if (p.leaseExpiresAt !== undefined) set("lease_expires_at", at(p.leaseExpiresAt));
  if (p.runAfter !== undefined) set("run_after", at(p.runAfter));
  if (p.startedAt !== undefined) set("started_at", at(p.startedAt));
  if (p.deadline !== undefined) set("deadline", at(p.deadline));
  if (p.endedAt !== undefined) set("ended_at", at(p.endedAt));
  if (p.reviewedAt !== undefined) set("reviewed_at", p.reviewedAt);
  if (p.result !== undefined) out.push(sql`result = ${json(p.result)}::jsonb`);
  if (p.error !== undefined) out.push(sql`error = ${json(p.error)}::jsonb`);
  return out;
}

export const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** A text[] literal; both drivers accept it as a parameter. */
export function pgArray(items: string[]): string {
  return `{${items.map((s) => `"${s.replace(/["\\]/g, (c) => "\\" + c)}"`).join(",")}}`;
}
