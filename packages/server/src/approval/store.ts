import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Answer, Approval, ApprovalRequest } from "@orchestrator/sdk";
import type { Db, Q } from "../db/db.ts";
import { AppError, notFound } from "../error.ts";
import * as Log from "../event/log.ts";
import * as Sessions from "../session/store.ts";
import type { Row } from "../session/row.ts";
import { toIso } from "../time.ts";

export type Kind = Approval["kind"];

export function fromRow(r: Record<string, unknown>): Approval & { tenantId: string } {
  return {
    id: String(r.id),
    tenantId: String(r.tenant_id),
    sessionId: String(r.session_id),
    kind: r.kind as Kind,
    status: r.status as Approval["status"],
    request: r.request as ApprovalRequest,
    answer: (r.answer as Answer | null) ?? null,
    answeredBy: (r.answered_by as string | null) ?? null,
    createdAt: toIso(r.created_at)!,
    expiresAt: toIso(r.expires_at)!,
    answeredAt: toIso(r.answered_at),
  };
}

export const toPublic = ({ tenantId: _t, ...a }: ReturnType<typeof fromRow>): Approval => a;

/**
 * A runner asks a person: the approval row, the move to `waiting` and the `approval.requested` entry in
 * one transaction, all under the runner's fence. Returns the approval and the session row after.
 */
export async function request(
  ctx: Sessions.Ctx,
  known: Row,
  fence: number,
  kind: Kind,
  req: ApprovalRequest,
  timeoutMs: number,
): Promise<{ approval: Approval; row: Row }> {
  const now = ctx.now();
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + timeoutMs).toISOString();
  return ctx.db.tx(async (tx) => {
    const rows = await tx.rows(sql`
      insert into approvals (id, tenant_id, session_id, kind, status, request, created_at, expires_at)
      values (${id}, ${known.tenantId}, ${known.id}, ${kind}, 'pending', ${JSON.stringify(req)}::jsonb,
        ${now.toISOString()}, ${expiresAt}) returning *`);
    const row =
      known.status === "waiting"
        ? known
        : await Sessions.apply(ctx, tx, known, { type: "ask", approval: id }, { fence });
    await Log.append(tx, {
      tenantId: known.tenantId,
      sessionId: known.id,
      type: "approval.requested",
      at: now,
      data: { approvalId: id, kind, request: req, expiresAt },
      fence,
    });
    return { approval: toPublic(fromRow(rows[0]!)), row };
  });
}

/** Check an answer fits the kind of request before anything is written. */
function check(kind: Kind, a: Answer): void {
  const bad = (field: string, message: string) =>
    new AppError("validation_failed", `body.${field}: ${message}`, {
      issues: [{ path: `body.${field}`, message }],
    });
  if (kind === "permission") {
    if (!a.reply) throw bad("reply", "a permission needs reply: once, always or reject");
    if (a.answers) throw bad("answers", "answers are for questions, not permissions");
  } else {
    if (a.reply && a.reply !== "reject") throw bad("reply", "a question takes answers, or reply: reject");
    if (!a.answers && a.reply !== "reject") throw bad("answers", "give one list of answers per question");
  }
  if (a.message && a.reply !== "reject") throw bad("message", "a message goes with reply: reject");
}

/**
 * A person answers. The guarded update (`status = 'pending'`) makes the first answer the only one;
 * the log entry and the wake-up of the runner commit with it.
 */
export async function answer(
  db: Db,
  tenantId: string,
  id: string,
  a: Answer,
  by: string,
  now: Date,
): Promise<Approval> {
  return db.tx(async (tx) => {
    const current = await get(tx, tenantId, id);
    check(current.kind, a);
    if (
      current.kind === "question" &&
      a.answers &&
      a.answers.length !== (current.request.questions?.length ?? 0)
    )
      throw new AppError(
        "validation_failed",
        `body.answers: give ${current.request.questions?.length ?? 0} list(s), one per question`,
        { issues: [{ path: "body.answers", message: "one list per question" }] },
      );
    const rows = await tx.rows(sql`
      update approvals set status = 'answered', answer = ${JSON.stringify(a)}::jsonb, answered_by = ${by},
        answered_at = ${now.toISOString()}
      where id = ${id} and tenant_id = ${tenantId} and status = 'pending' returning *`);
    if (!rows[0])
      throw new AppError("conflict", `approval ${id} is ${current.status}, no longer pending`, {
        status: current.status,
        answer: current.answer,
      });
    await Log.write(tx, {
      tenantId,
      sessionId: current.sessionId,
      type: "approval.answered",
      at: now,
      data: { approvalId: id, ...a, by },
      notify: [["approval", id]],
    });
    return toPublic(fromRow(rows[0]));
  });
}

/**
 * The timeout policy answers an approval no one answered in time. Returns the approval as it ended:
 * `expired` (with the policy's answer) or, if a person got in first, `answered`.
 */
export async function expire(
  db: Db,
  tenantId: string,
  id: string,
  policy: Answer,
  now: Date,
): Promise<Approval> {
  return db.tx(async (tx) => {
    const rows = await tx.rows(sql`
      update approvals set status = 'expired', answer = ${JSON.stringify(policy)}::jsonb, answered_by = 'policy',
        answered_at = ${now.toISOString()}
      where id = ${id} and tenant_id = ${tenantId} and status = 'pending' returning *`);
    if (!rows[0]) return toPublic(await get(tx, tenantId, id));
    const a = fromRow(rows[0]);
    await Log.write(tx, {
      tenantId,
      sessionId: a.sessionId,
      type: "approval.expired",
      at: now,
      data: { approvalId: id, ...policy, by: "policy" },
    });
    return toPublic(a);
  });
}

/**
 * Pending approvals whose session is no longer waiting (the run ended, was cancelled, or its process
 * died) can never be acted on: mark them withdrawn, with a log entry each, so no inbox shows a stale ask.
 */
export async function withdrawStale(db: Db, now: Date, sessionId?: string): Promise<number> {
  return db.tx(async (tx) => {
    const rows = await tx.rows(sql`
      update approvals a set status = 'withdrawn', answered_at = ${now.toISOString()}
      from sessions s
      where a.session_id = s.id and a.status = 'pending' and s.status <> 'waiting'
        ${sessionId ? sql`and a.session_id = ${sessionId}` : sql``}
      returning a.*`);
    // Tenant order, as every multi-tenant writer must (see event/log.ts).
    const stale = rows.map(fromRow).sort((x, y) => x.tenantId.localeCompare(y.tenantId));
    for (const a of stale)
      await Log.write(tx, {
        tenantId: a.tenantId,
        sessionId: a.sessionId,
        type: "approval.withdrawn",
        at: now,
        data: { approvalId: a.id },
      });
    return stale.length;
  });
}

export async function get(q: Q, tenantId: string, id: string): Promise<ReturnType<typeof fromRow>> {
  const rows = await q.rows(sql`select * from approvals where id = ${id} and tenant_id = ${tenantId}`);
  if (!rows[0]) throw notFound("approval", id);
  return fromRow(rows[0]);
}

export async function list(
  q: Q,
  tenantId: string,
  filter: { sessionId?: string; status?: Approval["status"]; limit: number },
): Promise<Approval[]> {
  const rows = await q.rows(sql`
    select * from approvals where tenant_id = ${tenantId}
      ${filter.sessionId ? sql`and session_id = ${filter.sessionId}` : sql``}
      ${filter.status ? sql`and status = ${filter.status}` : sql``}
    order by created_at desc limit ${filter.limit}`);
  return rows.map((r) => toPublic(fromRow(r)));
}
