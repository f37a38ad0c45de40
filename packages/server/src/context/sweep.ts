import { sql } from "drizzle-orm";
import type { Db } from "../db/db.ts";

/**
 * Documents expire by scope: temporary ones an hour after they are made, a session's `hours` after the
 * session ends; the others live until someone deletes them. An expired document is gone for readers at
 * once (every read checks `expires_at`); this pass deletes it later, in small batches that skip rows a
 * writer holds, so it never waits on a writer nor makes one wait long. Returns how many it deleted.
 */
export async function sweep(db: Db, now: Date, hours: number, batch = 500): Promise<number> {
  const at = now.toISOString();
  // Session documents learn their end: the session's end plus the retention, once.
  await db.rows(sql`
    update contexts c set expires_at = s.ended_at + make_interval(hours => ${hours})
    from sessions s
    where c.scope = 'session' and c.expires_at is null and s.id::text = c.owner_id
      and s.tenant_id = c.tenant_id and s.ended_at is not null`);
  let deleted = 0;
  for (;;) {
    const rows = await db.rows(sql`
      delete from contexts where id in (
        select id from contexts where expires_at is not null and expires_at <= ${at}
        limit ${batch} for update skip locked)
      returning id`);
    deleted += rows.length;
    if (rows.length < batch) return deleted;
  }
}
