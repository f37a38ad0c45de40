import { randomUUID } from "node:crypto";
import { type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { type Create, ListQuery, type Page, type Stats, Status, type Update, priorityRank, terminal } from "@orchestrator/sdk";
import type { Db, Q } from "../db/db.ts";
import { AppError, leaseLost, notFound } from "../error.ts";
import * as Log from "../event/log.ts";
import { type Event, Invalid, type Patch, type Policy, allowed, isLeased, next } from "./machine.ts";
import { type Row, fromRow, toState } from "./row.ts";
import * as Cursor from "./cursor.ts";

/** Wakes engines: a session became claimable. */
export const queueChannel = "io_queue";
/** Tells the runner of a session that someone else moved it out of its lease (payload: session id). */
export const controlChannel = "io_control";

export interface Ctx {
  db: Db;
  now: () => Date;
  policy: Policy;
}

type Input = Exclude<Create, undefined> & { title: string; prompt: string };

export async function create(ctx: Ctx, tenantId: string, input: ReturnType<typeof normalise>): Promise<Row> {
  const now = ctx.now();
  const id = randomUUID();
  const status = input.hold ? "pending" : "queued";
  return ctx.db.tx(async (tx) => {
    if (input.parentId) await get(tx, tenantId, input.parentId, "parentId");
    await tx.rows(sql`
      insert into sessions (id, tenant_id, title, prompt, type, priority, status, capabilities, agent, workspace,
        max_duration_sec, max_attempts, tags, metadata, parent_id, created_at, updated_at)
      values (${id}, ${tenantId}, ${input.title}, ${input.prompt}, ${input.type}, ${priorityRank[input.priority]},
        ${status}, ${pgArray(input.capabilities)}::text[], ${input.agent ?? null}, ${json(input.workspace ?? null)}::jsonb,
        ${input.maxDurationSec}, ${input.maxAttempts}, ${pgArray(input.tags)}::text[], ${json(input.metadata)}::jsonb,
        ${input.parentId ?? null}, ${now.toISOString()}, ${now.toISOString()})`);
    await Log.append(tx, { tenantId, sessionId: id, type: "session.created", at: now, data: { status, title: input.title } });
    if (status === "queued") await tx.rows(sql`select pg_notify(${queueChannel}, '')`);
    return get(tx, tenantId, id);
  });
}

/** Defaults applied by the schema, typed for the store. */
export function normalise(input: Input) {
  return input as Required<Pick<Input, "type" | "priority" | "capabilities" | "maxDurationSec" | "maxAttempts" | "tags" | "metadata" | "hold">> &
    Input;
}

export async function get(q: Q, tenantId: string, id: string, field = "id"): Promise<Row> {
  const rows = await q.rows(sql`
    select * from sessions where id = ${id} and tenant_id = ${tenantId} and deleted_at is null`);
  if (!rows[0]) throw field === "id" ? notFound("session", id) : new AppError("validation_failed", `${field}: session ${id} not found`, { path: [field] });
  return fromRow(rows[0]);
}

export async function list(q: Q, tenantId: string, query: z.output<typeof ListQuery>): Promise<Page> {
  const where: SQL[] = [sql`tenant_id = ${tenantId}`, sql`deleted_at is null`];
  if (query.status?.length) where.push(sql`status in (${sql.join(query.status.map((s) => sql`${s}`), sql`, `)})`);
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

export async function stats(q: Q, tenantId: string): Promise<Stats> {
  const rows = await q.rows<{ status: string; n: number }>(sql`
    select status, count(*)::int as n from sessions where tenant_id = ${tenantId} and deleted_at is null group by status`);
  const byStatus = Object.fromEntries(Status.options.map((s) => [s, 0])) as Stats["byStatus"];
  for (const r of rows) byStatus[r.status as keyof Stats["byStatus"]] = Number(r.n);
  return { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus };
}

export async function update(ctx: Ctx, tenantId: string, id: string, patch: Update): Promise<Row> {
  return ctx.db.tx(async (tx) => {
    const row = await lock(tx, id, tenantId);
    if (terminal.includes(row.status)) {
      throw new AppError("invalid_transition", `session ${id} is ${row.status}; only sessions that have not ended can be updated`, {
        status: row.status,
      });
    }
    const sets: SQL[] = [];
    if (patch.title !== undefined) sets.push(sql`title = ${patch.title}`);
    if (patch.priority !== undefined) sets.push(sql`priority = ${priorityRank[patch.priority]}`);
    if (patch.tags !== undefined) sets.push(sql`tags = ${pgArray(patch.tags)}::text[]`);
    await tx.rows(sql`update sessions set ${sql.join(sets, sql`, `)} where id = ${id}`);
    await Log.append(tx, { tenantId, sessionId: id, type: "session.updated", at: ctx.now(), data: { ...patch } });
    return get(tx, tenantId, id);
  });
}

/** Soft delete. A session that has not ended is cancelled first, in the same transaction. */
export async function remove(ctx: Ctx, tenantId: string, id: string): Promise<void> {
  await ctx.db.tx(async (tx) => {
    const row = await lock(tx, id, tenantId);
    if (!terminal.includes(row.status)) await apply(ctx, tx, row, { type: "cancel", reason: "deleted" }, {});
    await tx.rows(sql`update sessions set deleted_at = ${ctx.now().toISOString()} where id = ${id}`);
    await Log.append(tx, { tenantId, sessionId: id, type: "session.deleted", at: ctx.now(), data: {} });
  });
}

export interface Opts {
  tenantId?: string;
  /** A runner's write: refused unless the session still carries this fence. */
  fence?: number;
  reason?: string;
}

/** Apply one state-machine event and persist it with its log entry, in one transaction. */
export async function transition(ctx: Ctx, id: string, event: Event, opts: Opts = {}): Promise<Row> {
  return ctx.db.tx(async (tx) => {
    const row = await lock(tx, id, opts.tenantId);
    if (opts.fence !== undefined && row.fence !== opts.fence) throw leaseLost(id, opts.fence);
    return apply(ctx, tx, row, event, opts);
  });
}

/** The guarded update: in the caller's transaction, with the row already locked. */
export async function apply(ctx: Ctx, tx: Q, row: Row, event: Event, opts: Opts): Promise<Row> {
  const now = ctx.now();
  let patch: Patch;
  try {
    patch = next(toState(row), event, now, ctx.policy);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    throw new AppError("invalid_transition", err.message, { status: row.status, event: event.type, allowed: allowed(row.status) });
  }
  const updated = await tx.rows(sql`
    update sessions set ${sql.join(assignments(patch, now), sql`, `)}
    where id = ${row.id} and status = ${row.status} and fence = ${row.fence} returning id`);
  if (!updated[0]) throw leaseLost(row.id, row.fence);
  const reason = opts.reason ?? ("reason" in event ? event.reason : undefined);
  await Log.append(tx, {
    tenantId: row.tenantId,
    sessionId: row.id,
    type: "session.status",
    at: now,
    data: { from: row.status, to: patch.status, event: event.type, attempt: patch.attempt ?? row.attempt, ...(patch.leaseOwner ? { owner: patch.leaseOwner } : {}), ...(reason ? { reason } : {}), ...(patch.error ? { error: patch.error } : {}) },
  });
  if (patch.status === "queued") await tx.rows(sql`select pg_notify(${queueChannel}, '')`);
  if (isLeased(row.status) && opts.fence === undefined) await tx.rows(sql`select pg_notify(${controlChannel}, ${row.id})`);
  return get(tx, row.tenantId, row.id);
}

async function lock(tx: Q, id: string, tenantId?: string): Promise<Row> {
  const tenant = tenantId ? sql` and tenant_id = ${tenantId}` : sql``;
  const rows = await tx.rows(sql`select * from sessions where id = ${id}${tenant} and deleted_at is null for update`);
  if (!rows[0]) throw notFound("session", id);
  return fromRow(rows[0]);
}

function assignments(p: Patch, now: Date): SQL[] {
  const out: SQL[] = [sql`status = ${p.status}`, sql`updated_at = ${now.toISOString()}`];
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
  if (p.result !== undefined) out.push(sql`result = ${json(p.result)}::jsonb`);
  if (p.error !== undefined) out.push(sql`error = ${json(p.error)}::jsonb`);
  return out;
}

export const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** A text[] literal; both drivers accept it as a parameter. */
export function pgArray(items: string[]): string {
  return `{${items.map((s) => `"${s.replace(/["\\]/g, (c) => "\\" + c)}"`).join(",")}}`;
}
