import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Q } from "../db/db.ts";

export const defaultName = "default";

/** Create the tenant if it does not exist; returns its id either way. */
export async function ensure(q: Q, name: string): Promise<string> {
  const rows = await q.rows<{ id: string }>(sql`
    insert into tenants (id, name) values (${randomUUID()}, ${name})
    on conflict (name) do update set name = excluded.name returning id`);
  return String(rows[0]!.id);
}
