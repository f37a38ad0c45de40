import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { type ReviewComment, WorkspaceResult, terminal } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { AppError } from "../error.ts";
import * as Log from "../event/log.ts";
import * as Opencode from "../agent/opencode/name.ts";
import * as Agents from "../registry/store.ts";
import { type Row, fromRow } from "../session/row.ts";
import { type Ctx, lock } from "../session/store.ts";
import { apply } from "../session/transition.ts";
import { toIso } from "../time.ts";
import { compose } from "./review.ts";

/**
 * People's messages to a session's agent. To a session that has ended, a message opens a new round (the
 * machine's `follow`): the session is queued again with its worktree, branch and conversation, and the
 * message is the next prompt. To a live one it waits for its run, which hands it to the agent at the next
 * turn, or at once when it steers (the run stops the current turn first): the run hears of it through
 * the `talk` topic, on whichever node it runs.
 */

export interface Message {
  id: string;
  sessionId: string;
  author: string;
  text: string;
  round: number;
  steer: boolean;
  comments: ReviewComment[];
  createdAt: string;
  deliveredAt: string | null;
}

const fromMsg = (r: Record<string, unknown>): Message => ({
  id: String(r.id),
  sessionId: String(r.session_id),
  author: String(r.author),
  text: String(r.text),
  round: Number(r.round),
  steer: Boolean(r.steer),
  comments: (r.comments as ReviewComment[] | null) ?? [],
  createdAt: toIso(r.created_at)!,
  deliveredAt: toIso(r.delivered_at),
});

/** Send a message: logged with its author; an ended session is queued for a new round on the same branch. */
export async function send(
  ctx: Ctx,
  tenantId: string,
  id: string,
  m: { text: string; author: string; steer: boolean; comments?: ReviewComment[] },
): Promise<{ message: Message; session: Row; newRound: boolean }> {
  return ctx.db.tx(async (tx) => {
    const row = await lock(tx, id, tenantId);
    const ended = terminal.includes(row.status);
    // An agent deleted since is "no agent"; any other failure is the database's, not the caller's.
    const agent = row.agentId
      ? await Agents.get(tx, tenantId, row.agentId).catch((err) => {
          if (err instanceof AppError && err.code === "not_found") return null;
          throw err;
        })
      : null;
    const no = refusal(row, agent, m.steer);
    if (no) throw no;
    const comments = m.comments ?? [];
    const text = comments.length ? compose(m.text, comments, diffOf(row)) : m.text;
    const at = ctx.now();
    const message = randomUUID();
    let after = row;
    if (ended) {
      after = await apply(ctx, tx, row, { type: "follow" }, { by: m.author });
      // The same agent takes the new round: an OpenCode profile's conversation and worktree are there, an
      // external agent knows the task (an A2A agent its context).
      const pin =
        agent!.kind === Opencode.kind
          ? sql`agent = ${Opencode.kind}, profile = ${agent!.name}`
          : sql`agent = ${agent!.name}`;
      await tx.rows(sql`update sessions set ${pin} where id = ${id} and agent is null`);
    }
    const rows = await tx.rows(sql`
      insert into session_messages (id, tenant_id, session_id, author, text, round, steer, comments, created_at)
      values (${message}, ${tenantId}, ${id}, ${m.author}, ${text}, ${after.retries}, ${m.steer},
              ${JSON.stringify(comments)}::jsonb, ${at.toISOString()})
      returning *`);
    const logged = await Log.write(tx, {
      tenantId,
      sessionId: id,
      type: "session.message",
      at,
      data: {
        id: message,
        author: m.author,
        text,
        ...(m.steer && !ended ? { steer: true } : {}),
        ...(comments.length ? { comments: comments.length } : {}),
      },
    });
    // A live session's run hears of it at commit; an ended one's next run reads it when it starts.
    if (!ended) await tx.notify([["talk", id]]);
    return { message: fromMsg(rows[0]!), session: logged ? fromRow(logged) : after, newRound: ended };
  });
}

/** Why a message cannot go to this session now, in words; null when it can. Pure. */
export function refusal(
  row: Row,
  agent: { name: string; kind: string } | null,
  steer: boolean,
): AppError | null {
  const id = row.id;
  const ended = terminal.includes(row.status);
  if (row.planId)
    return new AppError(
      "invalid_transition",
      `session ${id} runs a task of plan ${row.planId}: a message to one task is not built yet; retry the task or add one`,
      { status: row.status, planId: row.planId },
    );
  if (!row.agentId && !ended)
    return new AppError(
      "invalid_transition",
      `session ${id} is ${row.status} and not routed to an agent yet: send the message once it runs`,
      { status: row.status },
    );
  if (!agent)
    return new AppError(
      "invalid_transition",
      `session ${id} ran on an agent that is no longer registered: a message has no one to reach; submit a new session`,
      { agent: null },
    );
  if (!talkers.includes(agent.kind))
    return new AppError(
      "not_implemented",
      `session ${id} ${ended ? "ran" : "runs"} on ${agent.name} (${agent.kind}), a kind of agent that takes no messages`,
      { agent: agent.name },
    );
  if (steer && agent.kind !== Opencode.kind)
    return new AppError(
      "validation_failed",
      `body.steer: only OpenCode's turn can be stopped; ${agent.name} (${agent.kind}) reads the message as it comes`,
      { issues: [{ path: "body.steer", message: "steering is for OpenCode sessions" }] },
    );
  if (steer && row.status === "waiting")
    return new AppError(
      "invalid_transition",
      `session ${id} is waiting for a person's answer: answer it first (a rejection can carry your words to the agent), or send without steer and the agent reads it at its next turn`,
      { status: row.status },
    );
  return null;
}

/**
 * The agent kinds a person can talk to: OpenCode (the next turn), EAP (an inbox the agent reads, and
 * the assignment of a new round), A2A (a message on the remote task or its context) and the scripted
 * test agent (its `hear` instruction; a new round follows the message's instructions).
 */
const talkers: readonly string[] = [Opencode.kind, "eap", "a2a", "scripted"];

// Ends a run records itself: a message that came as it finished deserves an answer. A person who stopped
// or cancelled the session meant it, and an orphaned one is the reaper's to retry.
const answerable: readonly string[] = ["completed", "partially_completed", "failed", "timeout"];

/**
 * A run ended with messages it never handed to the agent (they came as it finished): they open the next
 * round, as if sent just after. Under the row's lock, so a sender who saw the end already did it.
 */
export async function reopen(ctx: Ctx, id: string): Promise<Row | null> {
  // Every run's end asks; almost always there is nothing, and that answer needs no lock.
  const undelivered = sql`select 1 from session_messages where session_id = ${id} and delivered_at is null`;
  if (!(await ctx.db.rows(undelivered)).length) return null;
  return ctx.db.tx(async (tx) => {
    const row = await lock(tx, id);
    if (!answerable.includes(row.status) || !(await tx.rows(undelivered)).length) return null;
    const after = await apply(ctx, tx, row, { type: "follow" }, { by: "orchestrator" });
    await tx.rows(sql`
      update session_messages set round = ${after.retries} where session_id = ${id} and delivered_at is null`);
    return after;
  });
}

/** The patch review comments are made on: the session's diff, as its last round left it. */
function diffOf(row: Row): string {
  const r = WorkspaceResult.safeParse(row.result);
  if (!r.success)
    throw new AppError("validation_failed", "body.comments: the session has no diff to comment on", {
      issues: [{ path: "body.comments", message: "the session has no diff" }],
    });
  return r.data.diff.patch;
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

/** The last message handed to the agent, if any: a resumed round continues with what it asked. */
export async function last(q: Q, id: string): Promise<Message | null> {
  const rows = await q.rows(sql`
    select * from session_messages where session_id = ${id} and delivered_at is not null
    order by delivered_at desc, created_at desc limit 1`);
  return rows[0] ? fromMsg(rows[0]) : null;
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
