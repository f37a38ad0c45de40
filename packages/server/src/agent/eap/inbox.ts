import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { Answer, Approval, Eap } from "@orchestrator/sdk";
import * as Approvals from "../../approval/store.ts";
import type { Q } from "../../db/db.ts";
import { AppError } from "../../error.ts";
import * as Talk from "../../conversation/store.ts";
import type { Row } from "../../session/row.ts";
import * as Store from "../../session/store.ts";
import { toIso } from "../../time.ts";

/**
 * The conversation of an EAP task: what the agent asks a person (its `question` events), and what it
 * reads back from its inbox (people's follow-ups and the answers). An external agent holds its own lease,
 * so there is no run of ours to hand things to: the agent fetches them, by long-poll or over gRPC.
 */

type Question = Extract<z.output<typeof Eap.Event>, { type: "question" }>;

/**
 * The agent asks: the question goes to the attention queue and the session waits, in one transaction
 * under the attempt's fence (Approvals.request). The agent's id makes a resent question ask once.
 */
export async function ask(ctx: Store.Ctx, row: Row, fence: number, q: Question): Promise<Row> {
  const asked = await ctx.db.rows(sql`
    select 1 from approvals where session_id = ${row.id} and request->>'callId' = ${q.id}`);
  if (asked.length) return row;
  const request = {
    title: q.header ?? (q.question.length > 200 ? `${q.question.slice(0, 199)}…` : q.question),
    questions: [
      {
        question: q.question,
        ...(q.header ? { header: q.header } : {}),
        options: q.options,
        ...(q.multiple === undefined ? {} : { multiple: q.multiple }),
      },
    ],
    callId: q.id,
  };
  const out = await Approvals.request(ctx, row, fence, "question", request, q.timeout_seconds * 1000);
  return out.row;
}

/** The agent's view of an answered question. */
function answered(a: Approval): Eap.Answered {
  const ans: Answer = a.answer ?? { reply: "reject" };
  const rejected = ans.reply === "reject" || !ans.answers;
  return {
    id: a.request.callId!,
    status: a.status as Eap.Answered["status"],
    answers: rejected ? [] : (ans.answers?.[0] ?? []),
    rejected,
    message: ans.message ?? (a.status === "withdrawn" ? "the question was withdrawn" : null),
  };
}

/**
 * What is in the inbox now: messages not yet received (those acked first marked so, under the fence) and
 * the asked questions that ended. A question past its time is answered by the timeout policy here, as the
 * engine's timer does for its own runs: no one else watches an external agent's questions.
 */
export async function read(
  ctx: Store.Ctx,
  row: Row,
  fence: number,
  body: { ack: string[]; questions: string[] },
): Promise<Eap.InboxReply> {
  const now = ctx.now();
  await Talk.delivered(ctx.db, row.id, fence, body.ack, now);
  const messages = (await Talk.pending(ctx.db, row.id)).map((m) => ({
    id: m.id,
    author: m.author,
    text: m.text,
    created_at: m.createdAt,
  }));
  const asked = await questions(ctx.db, row, body.questions);
  for (const [i, a] of asked.entries()) {
    if (a.status !== "pending" || Date.parse(a.expiresAt) > now.getTime()) continue;
    const policy: Answer = {
      reply: "reject",
      message: "No one answered in time; rejected by the timeout policy.",
    };
    asked[i] = await Approvals.expire(ctx.db, row.tenantId, a.id, policy, now);
  }
  const answers = asked.filter((a) => a.status !== "pending").map(answered);
  if (answers.length) await resume(ctx, row, fence);
  return { messages, answers };
}

/** The approvals of the questions asked under these ids that still wait: what an inbox waits to hear of. */
export async function waitingOn(q: Q, row: Row, ids: string[]): Promise<string[]> {
  return (await questions(q, row, ids)).filter((a) => a.status === "pending").map((a) => a.id);
}

/** The session's questions the agent asked under these ids. */
async function questions(q: Q, row: Row, ids: string[]): Promise<Approval[]> {
  if (!ids.length) return [];
  const rows = await q.rows(sql`
    select * from approvals where session_id = ${row.id} and kind = 'question'
      and request->>'callId' in (${sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      )})`);
  return rows.map((r) => Approvals.toPublic(Approvals.fromRow(r)));
}

/**
 * The agent has its answers: when nothing else is pending, the session runs again (the machine's
 * `answer`). Done when the agent hears, not when the person answers: "running" means the agent works.
 */
async function resume(ctx: Store.Ctx, row: Row, fence: number): Promise<void> {
  const pending = await ctx.db.rows(sql`
    select 1 from approvals where session_id = ${row.id} and status = 'pending' limit 1`);
  if (pending.length) return;
  try {
    await Store.transition(ctx, row.id, { type: "answer" }, { fence });
  } catch (err) {
    // Not waiting (already running again, or ended meanwhile): nothing to resume.
    if (err instanceof AppError && err.code === "invalid_transition") return;
    throw err;
  }
}

/** People's messages of this attempt's round: the assignment's, handed over as it is offered. */
export async function round(q: Q, row: Row, now: Date): Promise<Eap.Said[]> {
  await q.rows(sql`
    update session_messages set delivered_at = ${now.toISOString()}
    where session_id = ${row.id} and round = ${row.retries} and delivered_at is null
      and exists (select 1 from sessions where id = ${row.id} and fence = ${row.fence})`);
  const rows = await q.rows(sql`
    select id, author, text, created_at from session_messages
    where session_id = ${row.id} and round = ${row.retries} order by created_at, id`);
  return rows.map((r) => ({
    id: String(r.id),
    author: String(r.author),
    text: String(r.text),
    created_at: toIso(r.created_at)!,
  }));
}
