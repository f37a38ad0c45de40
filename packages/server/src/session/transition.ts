import { type SQL, sql } from "drizzle-orm";
import { terminal } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import type { Note } from "../db/channels.ts";
import { AppError, leaseLost, notFound } from "../error.ts";
import * as Log from "../event/log.ts";
import { type Event, Invalid, type Patch, allowed, isLeased, next } from "./machine.ts";
import { type Row, fromRow, toState } from "./row.ts";
import { type Ctx, json } from "./store.ts";

/**
 * A session's state changes: the pure machine decides (machine.ts), one guarded statement writes the row,
 * its log entry and the wake-ups. A plan's session that ends is written by its plan's step instead, so the
 * task's end and its dependents' decisions commit with it (`Ctx.ending`).
 */

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
  const { ending } = ctx;
  // One clock reading for the decision and the write, so both see the same transition.
  const now = ctx.now();
  if (!ending || !row.planId || !ends(ctx, row, event, now)) return writeRow(ctx, q, row, event, opts, now);
  if (q !== ctx.db) {
    // Inside a caller's transaction (the reaper's sweep) that holds other rows' locks: the plan is told
    // after that transaction ends, so the plan's lock is never taken after a session's (see below).
    const after = await writeRow(ctx, q, row, event, opts, now);
    if (after) void tellPlan(ctx, ending, after);
    return after;
  }
  // Decided now, written by the plan's step, which locks the plan's row before writing, as every step
  // does: it and a step (which creates sessions) take their locks in the same order.
  return ending(row.planId, row.tenantId, { write: prepare(ctx, row, event, opts, now) });
}

/** Whether the machine ends the session on this event (an invalid one is left for `writeRow` to refuse). */
function ends(ctx: Ctx, row: Row, event: Event, now: Date): boolean {
  try {
    return terminal.includes(next(toState(row), event, now, ctx.policy).status);
  } catch (err) {
    if (err instanceof Invalid) return false;
    throw err;
  }
}

/**
 * Tell a plan that its task's session ended, once the transaction that ended it has committed: waiting
 * for the session's row lock is waiting for that commit. A rolled-back end leaves the session live, and
 * nothing is told. A failure here is repaired by the plan reconciler.
 */
async function tellPlan(ctx: Ctx, ending: NonNullable<Ctx["ending"]>, row: Row): Promise<void> {
  try {
    await ctx.db.rows(sql`select 1 from sessions where id = ${row.id} for update`);
    await ending(row.planId!, row.tenantId, { ended: row.id });
  } catch (err) {
    ctx.onError?.(err);
  }
}

async function writeRow(ctx: Ctx, q: Q, row: Row, event: Event, opts: Opts, now: Date): Promise<Row | null> {
  const after = await Log.write(q, prepare(ctx, row, event, opts, now));
  return after ? fromRow(after) : null;
}

/** The guarded write of a transition the machine allows (it throws invalid_transition otherwise). */
function prepare(ctx: Ctx, row: Row, event: Event, opts: Opts, now: Date): Log.Write {
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
  return {
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
  };
}

/**
 * A plan session's end, as its plan's step takes it (plan/tasks.ts): a write decided but not yet made, or
 * a session another transaction ended (`tellPlan`).
 */
export type End = { write: Log.Write } | { ended: string };

/**
 * Make the writes of `ends` and read the sessions others ended: each one's row as it is now when it has
 * ended, or null (its write's guard did not match: another writer got in first).
 */
export async function endAll(q: Q, ends: End[]): Promise<(Row | null)[]> {
  const out: (Row | null)[] = [];
  for (const e of ends) {
    if ("write" in e) {
      const row = await Log.write(q, e.write);
      out.push(row ? fromRow(row) : null);
      continue;
    }
    const rows = await q.rows(sql`select * from sessions where id = ${e.ended}`);
    const row = rows[0] ? fromRow(rows[0]) : null;
    out.push(row && terminal.includes(row.status) ? row : null);
  }
  return out;
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
