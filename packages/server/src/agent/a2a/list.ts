import { type SQL, sql } from "drizzle-orm";
import { RequestMalformedError } from "@a2a-js/sdk/errors";
import type { Deps } from "../../api/deps.ts";
import * as Cursor from "../../session/cursor.ts";
import { fromRow, type Row } from "../../session/row.ts";
import { statusesOf } from "./task.ts";

/** ListTasks over the tenant's sessions, newest first, with the sessions list's keyset cursor. */
export async function list(
  deps: Deps,
  tenantId: string,
  q: { contextId?: string; state?: string; pageSize?: number; pageToken?: string; after?: string },
): Promise<{ rows: Row[]; next: string | null; pageSize: number; total: number }> {
  const size = q.pageSize ?? 50;
  if (!Number.isInteger(size) || size < 1 || size > 100)
    throw new RequestMalformedError("params.pageSize: between 1 and 100");
  const where: SQL[] = [sql`tenant_id = ${tenantId}`, sql`deleted_at is null`];
  // A task's context is the one its first message named, else the task itself.
  if (q.contextId) where.push(sql`coalesce(metadata->'a2a'->>'contextId', id::text) = ${q.contextId}`);
  if (q.state && q.state !== "TASK_STATE_UNSPECIFIED") {
    const statuses = statusesOf(q.state);
    if (!statuses.length) throw new RequestMalformedError(`params.status: ${q.state} is not a task state`);
    where.push(
      sql`status in (${sql.join(
        statuses.map((s) => sql`${s}`),
        sql`, `,
      )})`,
    );
  }
  if (q.after) {
    if (Number.isNaN(Date.parse(q.after)))
      throw new RequestMalformedError("params.statusTimestampAfter: a timestamp");
    where.push(sql`updated_at > ${new Date(q.after).toISOString()}`);
  }
  const total = await deps.db.rows<{ n: number }>(sql`
    select count(*)::int as n from sessions where ${sql.join(where, sql` and `)}`);
  const order = Cursor.order("-createdAt");
  if (q.pageToken) {
    try {
      where.push(Cursor.after(order, q.pageToken));
    } catch {
      throw new RequestMalformedError("params.pageToken: not a token this server gave");
    }
  }
  const rows = (
    await deps.db.rows(sql`
      select * from sessions where ${sql.join(where, sql` and `)} order by ${order.orderBy} limit ${size + 1}`)
  ).map(fromRow);
  const page = rows.slice(0, size);
  return {
    rows: page,
    next: rows.length > size ? Cursor.encode(order, page.at(-1)!) : null,
    pageSize: size,
    total: Number(total[0]?.n ?? 0),
  };
}
