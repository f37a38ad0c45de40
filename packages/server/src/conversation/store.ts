import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { terminal } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { AppError } from "../error.ts";
import * as Log from "../event/log.ts";
import * as Opencode from "../agent/opencode/name.ts";
import * as Agents from "../registry/store.ts";
import { type Row, fromRow } from "../session/row.ts";
import { type Ctx, lock } from "../session/store.ts";
import { apply } from "../session/transition.ts";
import { toIso } from "../time.ts";

/**
 * Follow-up messages to a session's agent. Sent to a session that has ended, a message opens a new round
 * (the machine's `follow`): the session is queued again with its worktree, branch and conversation, and
 * the message is the next prompt. Delivery to a session that is still running is not built yet, so that
 * is refused in words rather than left waiting unseen.
 */

export interface Message {
  id: string;
  sessionId: string;
  author: string;
  text: string;
  round: number;
  createdAt: string;
  deliveredAt: string | null;
}

const fromMsg = (r: Record<string, unknown>): Message => ({
  id: String(r.id),
  sessionId: String(r.session_id),
  author: String(r.author),
  text: String(r.text),
  round: Number(r.round),
  createdAt: toIso(r.created_at)!,
  deliveredAt: toIso(r.delivered_at),
});

/** Send a follow-up: logged with its author, and the session queued for a new round on the same branch. */
export async function send(
  ctx: Ctx,
  tenantId: string,
  id: string,
  m: { text: string; author: string },
): Promise<{ message: Message; session: Row }> {
  return ctx.db.tx(async (tx) => {
    const row = await lock(tx, id, tenantId);
    if (row.planId)
      throw new AppError(
        "invalid_transition",
        `session ${id} runs a task of plan ${row.planId}: a follow-up to one task is not built yet; retry the task or add one`,
        { status: row.status, planId: row.planId },
      );
    if (!terminal.includes(row.status))
      throw new AppError(
        "invalid_transition",
        `session ${id} is ${row.status}: messages reach a session once it has ended; delivery while it runs is not built yet`,
        { status: row.status },
      );
    // An agent deleted since is "no agent"; any other failure is the database's, not the caller's.
    const agent = row.agentId
      ? await Agents.get(tx, tenantId, row.agentId).catch((err) => {
          if (err instanceof AppError && err.code === "not_found") return null;
          throw err;
        })
      : null;
    if (agent?.kind !== Opencode.kind)
      throw new AppError(
        "not_implemented",
        `session ${id} ran on ${agent ? `${agent.name} (${agent.kind})` : "no agent"}: follow-ups continue OpenCode sessions only so far`,
        { agent: agent?.name ?? null },
      );
    const at = ctx.now();
    const message = randomUUID();
    const after = await apply(ctx, tx, row, { type: "follow" }, { by: m.author });
    // The same OpenCode profile takes the new round: its conversation and worktree are there.
    await tx.rows(sql`
      update sessions set agent = ${Opencode.kind}, profile = ${agent.name} where id = ${id} and agent is null`);
    const rows = await tx.rows(sql`
      insert into session_messages (id, tenant_id, session_id, author, text, round, created_at)
      values (${message}, ${tenantId}, ${id}, ${m.author}, ${m.text}, ${after.retries}, ${at.toISOString()})
      returning *`);
    const logged = await Log.write(tx, {
      tenantId,
      sessionId: id,
      type: "session.message",
      at,
      data: { id: message, author: m.author, text: m.text },
    });
    return { message: fromMsg(rows[0]!), session: logged ? fromRow(logged) : after };
  });
}

export async function list(q: Q, tenantId: string, id: string): Promise<Message[]> {
  const rows = await q.rows(sql`
    select * from session_messages where tenant_id = ${tenantId} and session_id = ${id}
    order by created_at, id`);
  return rows.map(fromMsg);
}

/** The messages a run has yet to hand its agent, oldest first. */
export async function pending(q: Q, id: string): Promise<Message[]> {
  const rows = await q.rows(sql`
    select * from session_messages where session_id = ${id} and delivered_at is null order by created_at, id`);
  return rows.map(fromMsg);
}

/** Mark messages handed to the agent, while the run still holds the session (its fence). */
export async function delivered(q: Q, id: string, fence: number, ids: string[], at: Date): Promise<void> {
  if (!ids.length) return;
  await q.rows(sql`
    update session_messages set delivered_at = ${at.toISOString()}
    where session_id = ${id} and id in (${sql.join(
      ids.map((m) => sql`${m}`),
      sql`, `,
    )}) and delivered_at is null
      and exists (select 1 from sessions where id = ${id} and fence = ${fence})`);
}
