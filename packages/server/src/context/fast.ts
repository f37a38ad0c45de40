import { type SQL, sql } from "drizzle-orm";
import { Context } from "@orchestrator/sdk";
import type { Db } from "../db/db.ts";
import { overlaps } from "./patch.ts";
import type { Write } from "./store.ts";

/**
 * Counters and lists in one statement: a patch of only `increment` (whole numbers) and `append`, on
 * distinct paths whose parent is an object, is applied by PostgreSQL itself, with its history row and its
 * notification, in one UPDATE that holds the row lock only while it runs. Fifty writers on one counter
 * then wait for each other's statement, not for each other's round trips. Anything else, or a document
 * that does not fit (a missing parent, a value of another type, over its limit), answers null and takes
 * the general path, which also gives the refusal its words. Same result, same history, either way.
 */

const maxSafe = Number.MAX_SAFE_INTEGER;

/** The document's row after the write, or null when this path does not apply. */
export async function merge(
  db: Db,
  tenantId: string,
  id: string,
  w: Write,
  now: Date,
): Promise<Record<string, unknown> | null> {
  if (w.ifMatch !== undefined || !/^[0-9a-f-]{36}$/i.test(id)) return null;
  const ops = w.ops.map((o) => ({ o, segs: Context.segments(o.path) }));
  const fits = ops.every(
    ({ o, segs }) =>
      segs?.length &&
      (o.op === "append" ||
        (o.op === "increment" && Number.isInteger(o.value) && Math.abs(o.value) < maxSafe)),
  );
  const distinct = ops.every((a, i) => ops.every((b, j) => i === j || !overlaps(a.o.path, b.o.path)));
  if (!fits || !distinct) return null;
  let data: SQL = sql`data`;
  const checks: SQL[] = [];
  for (const { o, segs } of ops) {
    const at = sql`${`{${segs!.map(quote).join(",")}}`}::text[]`;
    const parent = sql`${`{${segs!.slice(0, -1).map(quote).join(",")}}`}::text[]`;
    checks.push(sql`jsonb_typeof(data #> ${parent}) = 'object'`);
    if (o.op === "increment") {
      // Whole numbers only, kept within what a JavaScript number holds exactly: the general path's results.
      const v = o.value as number;
      checks.push(sql`((data #> ${at}) is null or (jsonb_typeof(data #> ${at}) = 'number'
        and (data #>> ${at})::numeric = trunc((data #>> ${at})::numeric)
        and abs((data #>> ${at})::numeric + ${v}) < ${maxSafe}))`);
      data = sql`jsonb_set(${data}, ${at}, to_jsonb(coalesce((data #>> ${at})::numeric, 0) + ${v}), true)`;
    } else {
      checks.push(sql`((data #> ${at}) is null or jsonb_typeof(data #> ${at}) = 'array')`);
      const value = JSON.stringify((o as { value: unknown }).value ?? null);
      data = sql`jsonb_set(${data}, ${at}, coalesce(data #> ${at}, '[]'::jsonb) || jsonb_build_array(${value}::jsonb), true)`;
    }
  }
  const touched = ops.map(({ o }) => ({ path: o.path, kind: "merge" }));
  const at = now.toISOString();
  // `bytes` here is the size of PostgreSQL's text of the JSON, a little over JSON.stringify's: a
  // document this path lets through is never over the limit the general path keeps.
  const rows = await db.rows(sql`
    with c as (
      update contexts set data = ${data}, version = version + 1, bytes = octet_length((${data})::text), updated_at = ${at}
      where id = ${id} and tenant_id = ${tenantId} and (expires_at is null or expires_at > ${at})
        and ${sql.join(checks, sql` and `)} and octet_length((${data})::text) <= ${Context.limits.documentBytes}
      returning *),
    h as (insert into context_changes (context_id, version, ops, touched, actor, causation_id, at)
          select c.id, c.version, ${JSON.stringify(w.ops)}::jsonb, ${JSON.stringify(touched)}::jsonb,
            ${JSON.stringify(w.actor)}::jsonb, ${w.causationId ?? null}, ${at} from c)
    select c.*, ${db.wake([["context", id]])} from c`);
  return rows[0] ?? null;
}

/** A text[] literal element: quoted, with its quotes and backslashes escaped. */
const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
