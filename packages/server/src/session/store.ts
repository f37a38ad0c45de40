import { randomUUID } from "node:crypto";
import { type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { Create, ListQuery, type Page, type Update, priorityRank, terminal } from "@orchestrator/sdk";
import type { Db, Q } from "../db/db.ts";
import { AppError, notFound } from "../error.ts";
import * as Log from "../event/log.ts";
import type { Policy } from "./machine.ts";
import { type Row, fromRow } from "./row.ts";
import * as Cursor from "./cursor.ts";
import * as States from "./status.ts";
import type { Note } from "../db/channels.ts";
import { type End, apply, transition } from "./transition.ts";

export { type End, type Opts, apply, endAll, transition } from "./transition.ts";

export interface Ctx {
  db: Db;
  now: () => Date;
  policy: Policy;
  /**
   * Ends a plan's session (plan/tasks.ts): makes the session's terminal write (`endAll`) in the plan's
   * scheduling transaction, so that a task's end and its dependents' decisions commit with the session's
   * end. Ends of one plan that arrive together share that transaction. Resolves to the session's row
   * afterwards, or null when the write's guard did not match and nothing was written.
   */
  ending?: (planId: string, tenantId: string, end: End) => Promise<Row | null>;
  /** Told of a failure in work done after a commit (a deferred `ending`), which has no caller to throw to. */
  onError?: (err: unknown) => void;
}

/** The plan task a session runs, and which attempt of it (unique: plan/run.ts launches each once). */
export interface TaskLink {
  planId: string;
  /** Null for a plan's planning session. */
  taskId: string | null;
  attempt: number | null;
}

type Input = z.output<typeof Create> & { projectId?: string | null; checkpoint?: unknown; task?: TaskLink };

/**
 * Insert a session from resolved input (the schema's output, defaults applied), on `ctx.db`: the database
 * or a transaction. Sessions are created through session/submit.ts, which resolves what a client asks for.
 */
export async function create(
  ctx: Pick<Ctx, "now"> & { db: Q },
  tenantId: string,
  input: Input,
): Promise<Row> {
  return (await createMany(ctx, tenantId, [input]))[0]!;
}

/**
 * Insert sessions of one tenant, their `session.created` events and the wake-ups, in ONE statement
 * however many there are (a plan's step launches its ready tasks at once). The tenant's event head moves
 * by n under its row lock (see event/log.ts) and the events are numbered from it in the input's order.
 */
export async function createMany(
  ctx: Pick<Ctx, "now"> & { db: Q },
  tenantId: string,
  inputs: Input[],
): Promise<Row[]> {
  if (!inputs.length) return [];
  const now = ctx.now().toISOString();
  for (const input of inputs) if (input.parentId) await get(ctx.db, tenantId, input.parentId, "parentId");
  const rows = inputs.map((input, i) => {
    const status = input.hold ? "pending" : "queued";
    return {
      i: i + 1,
      id: randomUUID(),
      title: input.title,
      prompt: input.prompt,
      type: input.type,
      priority: priorityRank[input.priority],
      status,
      capabilities: input.capabilities,
      agent: input.agent ?? null,
      workspace: input.workspace ?? null,
      max_duration_sec: input.maxDurationSec,
      max_attempts: input.maxAttempts,
      tags: input.tags,
      metadata: input.metadata,
      parent_id: input.parentId ?? null,
      project_id: input.projectId ?? null,
      profile: input.profile ?? null,
      routing: input.routing ?? {},
      checkpoint: input.checkpoint === undefined ? null : { seq: 1, at: now, data: input.checkpoint },
      plan_id: input.task?.planId ?? null,
      task_id: input.task?.taskId ?? null,
      task_attempt: input.task?.attempt ?? null,
      data: { status, title: input.title },
    };
  });
  const n = rows.length;
  const queued = rows.some((r) => r.status === "queued");
  const notes: Note[] = [["events", tenantId], ...(queued ? [["queue"] as const] : [])];
  // The rows come in as one JSON array (JSON arrays become text[], objects jsonb). Each event joins its
  // inserted row, so it is written after its session, and is numbered by the row's place in the input.
  const out = await ctx.db.rows(sql`
    with x as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(i int, id uuid, title text, prompt text,
        type text, priority smallint, status text, capabilities text[], agent text, workspace jsonb,
        max_duration_sec int, max_attempts int, tags text[], metadata jsonb, parent_id uuid, project_id uuid,
        profile text, routing jsonb, checkpoint jsonb, plan_id uuid, task_id uuid, task_attempt int, data jsonb)),
    s as (
      insert into sessions (id, tenant_id, title, prompt, type, priority, status, capabilities, agent, workspace,
        max_duration_sec, max_attempts, tags, metadata, parent_id, project_id, profile, routing, checkpoint,
        created_at, updated_at, last_seq, plan_id, task_id, task_attempt)
      select id, ${tenantId}, title, prompt, type, priority, status, capabilities, agent, workspace,
        max_duration_sec, max_attempts, tags, metadata, parent_id, project_id, profile, routing, checkpoint,
        ${now}, ${now}, 1, plan_id, task_id, task_attempt
      from x order by i
      returning *),
    h as (update tenants set event_head = event_head + ${n} where id = ${tenantId} returning event_head),
    ins as (insert into session_events (tenant_id, id, session_id, seq, type, at, data)
            select ${tenantId}, h.event_head - ${n} + x.i, s.id, 1, 'session.created', ${now}, x.data
            from s join x on x.id = s.id, h returning id)
    select s.*, ${ctx.db.wake(notes)} from s`);
  const byId = new Map(out.map((r) => [String(r.id), fromRow(r)]));
  return rows.map((r) => byId.get(r.id)!);
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

export async function lock(tx: Q, id: string, tenantId?: string): Promise<Row> {
  const tenant = tenantId ? sql` and tenant_id = ${tenantId}` : sql``;
  const rows = await tx.rows(
    sql`select * from sessions where id = ${id}${tenant} and deleted_at is null for update`,
  );
  if (!rows[0]) throw notFound("session", id);
  return fromRow(rows[0]);
}

export const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** A text[] literal; both drivers accept it as a parameter. */
export function pgArray(items: string[]): string {
  return `{${items.map((s) => `"${s.replace(/["\\]/g, (c) => "\\" + c)}"`).join(",")}}`;
}
