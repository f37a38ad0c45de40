import { sql } from "drizzle-orm";
import type { z } from "zod";
import { Eap } from "@orchestrator/sdk";
import type { Db } from "../../db/db.ts";
import { AppError } from "../../error.ts";
import { record } from "../../session/record.ts";
import { type Row, fromRow } from "../../session/row.ts";
import * as Store from "../../session/store.ts";
import { work } from "../input.ts";
import { type AgentRow, leaseOwner as owner } from "../../registry/store.ts";
import * as States from "../../session/status.ts";
import * as Credential from "../../work/credential.ts";
import * as Inbox from "./inbox.ts";
import type { Waiters } from "./waiters.ts";

/**
 * The assignment of a session's attempt with a fresh credential for it (work/credential.ts), so the agent
 * can share context and see its plan over REST or MCP. Each delivery mints anew; the last one counts.
 */
export async function offer(db: Db, row: Row, now: Date): Promise<Eap.Assignment> {
  const credential = await Credential.mint(db, row, now);
  return { ...assignment(row), credential, messages: await Inbox.round(db, row, now) };
}

/** The assignment payload for a session (pushed, long-polled, or sent on a stream). */
export function assignment(row: Row): Eap.Assignment {
  const w = work(row);
  return {
    protocol_version: Eap.protocolVersion,
    task_id: w.sessionId,
    attempt: w.attempt,
    session_id: w.sessionId,
    task_type: w.type,
    title: w.title,
    input_data: w.prompt,
    requirements: w.capabilities,
    context: { workspace: w.workspace, metadata: w.metadata, checkpoint: w.checkpoint },
    timeout_seconds: w.maxDurationSec,
    deadline: w.deadline,
  };
}

/**
 * The agent took the task: mark the attempt acked and stretch its lease from the short ack window to the
 * heartbeat TTL. False when the attempt is no longer the agent's (cancelled or reassigned meanwhile).
 */
export async function ack(db: Db, agent: AgentRow, row: Row, now: Date): Promise<boolean> {
  const until = new Date(now.getTime() + agent.heartbeatTtlMs).toISOString();
  const rows = await db.rows(sql`
    with s as (update sessions set lease_expires_at = ${until}
               where id = ${row.id} and fence = ${row.fence} and lease_owner = ${owner(agent.id)} returning id, retries, attempt)
    update attempts a set acked_at = coalesce(a.acked_at, ${now.toISOString()})
    from s where a.session_id = s.id and a.round = s.retries and a.attempt = s.attempt returning a.session_id`);
  return rows.length > 0;
}

/**
 * Take the agent's oldest assignment it has not been given yet, if any. `skip locked` lets several
 * long-polls of one agent run at once without two of them taking the same task.
 */
export async function take(db: Db, agent: AgentRow, now: Date): Promise<Row | null> {
  const until = new Date(now.getTime() + agent.heartbeatTtlMs).toISOString();
  const rows = await db.rows(sql`
    with pick as (
      select a.session_id, a.round, a.attempt from attempts a join sessions s on s.id = a.session_id
      where s.lease_owner = ${owner(agent.id)} and s.status in ${States.leasedSql}
        and a.round = s.retries and a.attempt = s.attempt and a.acked_at is null
      order by s.priority, s.created_at limit 1
      for update of a skip locked),
    acked as (update attempts a set acked_at = ${now.toISOString()} from pick
              where a.session_id = pick.session_id and a.round = pick.round and a.attempt = pick.attempt returning a.session_id)
    update sessions set lease_expires_at = ${until} from acked where sessions.id = acked.session_id returning sessions.*`);
  return rows[0] ? fromRow(rows[0]) : null;
}

/**
 * The session, if this agent holds it on this attempt. A report for an attempt it no longer holds is
 * refused (409 lease_lost), unless the agent already reported that attempt's result: then it is a duplicate.
 */
async function held(
  ctx: Store.Ctx,
  agent: AgentRow,
  taskId: string,
  attempt: number,
): Promise<{ row: Row } | { duplicate: Row }> {
  if (!/^[0-9a-f-]{36}$/i.test(taskId)) throw stale(taskId, attempt);
  const rows = await ctx.db.rows(sql`select * from sessions where id = ${taskId} and deleted_at is null`);
  const row = rows[0] ? fromRow(rows[0]) : null;
  if (!row || row.tenantId !== (agent.tenantId ?? row.tenantId)) throw stale(taskId, attempt);
  if (row.lease?.owner === owner(agent.id) && row.attempt === attempt) return { row };
  const done = await ctx.db.rows(sql`
    select 1 from attempts where session_id = ${taskId} and round = ${row.retries} and attempt = ${attempt}
      and agent_id = ${agent.id} and ended_by = 'agent'`);
  if (done.length) return { duplicate: row };
  throw stale(taskId, attempt);
}

const stale = (taskId: string, attempt: number) =>
  new AppError(
    "lease_lost",
    `task ${taskId} attempt ${attempt} is not held by this agent (cancelled, timed out or reassigned)`,
    {
      task_id: taskId,
      attempt,
    },
  );

/** Progress from the agent: logged under the attempt's fence; any report also proves the agent alive. */
export async function events(
  ctx: Store.Ctx,
  agent: AgentRow,
  taskId: string,
  body: z.output<typeof Eap.Events>,
): Promise<number> {
  const found = await held(ctx, agent, taskId, body.attempt);
  if ("duplicate" in found) throw stale(taskId, body.attempt);
  let row = found.row;
  const fence = row.fence;
  for (const ev of body.events)
    row = ev.type === "question" ? await Inbox.ask(ctx, row, fence, ev) : await record(ctx, row, fence, ev);
  await renew(ctx, agent, row);
  return body.events.length;
}

/**
 * The task's inbox (inbox.ts): answered at once when there is news, else after up to `wait` seconds of
 * listening for some. Reading proves the agent alive, as any report does.
 */
export async function inbox(
  ctx: Store.Ctx,
  waiters: Waiters,
  agent: AgentRow,
  taskId: string,
  body: z.output<typeof Eap.Inbox>,
  signal?: AbortSignal,
): Promise<Eap.InboxReply> {
  const found = await held(ctx, agent, taskId, body.attempt);
  if ("duplicate" in found) throw stale(taskId, body.attempt);
  const { row } = found;
  const end = ctx.now().getTime() + body.wait * 1000;
  let ack = body.ack;
  for (;;) {
    const ear = waiters.hear(row.id, await Inbox.waitingOn(ctx.db, row, body.questions));
    try {
      const out = await Inbox.read(ctx, row, row.fence, { ack, questions: body.questions });
      ack = [];
      const left = end - ctx.now().getTime();
      if (out.messages.length || out.answers.length || left <= 0 || signal?.aborted) {
        await renew(ctx, agent, row);
        return out;
      }
      let timer: NodeJS.Timeout | undefined;
      let quit = () => {};
      const stop = new Promise<void>((r) => {
        quit = r;
        timer = setTimeout(r, left);
        signal?.addEventListener("abort", quit, { once: true });
      });
      await Promise.race([ear.heard, stop]).finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", quit);
      });
    } finally {
      ear.off();
    }
    // The attempt may have ended while we listened: then the agent hears so (409).
    await held(ctx, agent, taskId, body.attempt).then((f) => {
      if ("duplicate" in f) throw stale(taskId, body.attempt);
    });
  }
}

async function renew(ctx: Store.Ctx, agent: AgentRow, row: Row): Promise<void> {
  const until = new Date(ctx.now().getTime() + agent.heartbeatTtlMs).toISOString();
  await ctx.db.rows(sql`
    update sessions set lease_expires_at = greatest(lease_expires_at, ${until}::timestamptz)
    where id = ${row.id} and fence = ${row.fence} and status in ${States.leasedSql}`);
}

/** The result of an attempt: idempotent by task and attempt; refused once the attempt is not the agent's. */
export async function result(
  ctx: Store.Ctx,
  agent: AgentRow,
  taskId: string,
  body: z.output<typeof Eap.Result>,
): Promise<{ status: "accepted" | "duplicate"; row: Row }> {
  const found = await held(ctx, agent, taskId, body.attempt);
  if ("duplicate" in found) return { status: "duplicate", row: found.duplicate };
  let row = found.row;
  const fence = row.fence;
  if (body.tokens_used || body.cost_usd)
    row = await record(ctx, row, fence, {
      type: "usage",
      input: body.tokens_used,
      output: 0,
      reasoning: 0,
      cost: body.cost_usd,
    });
  const opts = { fence, known: row, endedBy: "agent" as const };
  if (body.status === "failed") {
    const after = await Store.transition(
      ctx,
      row.id,
      { type: "fail", code: "agent_failed", message: body.error_message!, retryable: body.retryable },
      opts,
    );
    return { status: "accepted", row: after };
  }
  const artifacts = Object.fromEntries(body.artifacts.map((a) => [a.path, a.content]));
  const value = {
    output: body.output_data ?? null,
    artifacts,
    ...(body.artifacts.some((a) => a.mime_type !== "text/plain")
      ? { types: Object.fromEntries(body.artifacts.map((a) => [a.path, a.mime_type])) }
      : {}),
    executionTimeMs: body.execution_time_ms,
  };
  const after = await Store.transition(
    ctx,
    row.id,
    { type: "complete", result: value, partial: body.status === "partial" },
    opts,
  );
  return { status: "accepted", row: after };
}
