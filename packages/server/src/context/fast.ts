import { type SQL, sql } from "drizzle-orm";
import { Context } from "@orchestrator/sdk";
import type { Db } from "../db/db.ts";
import { overlaps } from "./patch.ts";
import type { Write } from "./store.ts";

/**
 * Most writes in one statement: a patch of `add`, `replace` and `remove` on object keys, whole-number
 * `increment` and `append`, on distinct paths whose parent is an object, is applied by PostgreSQL itself
 * to the document as it is, with its history row and its notification, in one UPDATE that holds the row
 * lock only while it runs. With `If-Match` the same statement checks that no change since that version
 * touched what the patch touches (the rule of patch.ts `conflicts`). Fifty writers on one document then
 * wait for each other's statement, not for each other's round trips. Anything else, or a document that
 * does not fit (a missing key, a value of another type, a conflict, over its limit), answers null and takes
 * the general path, which also gives the refusal its words. Same result, same history, either way.
 */

const maxSafe = Number.MAX_SAFE_INTEGER;
const kinds = new Set(["add", "replace", "remove", "increment", "append"]);

/** A text[] literal of a pointer's keys, each quoted with its quotes and backslashes escaped. */
const keys = (segs: string[]) =>
  sql`${`{${segs.map((s) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`}::text[]`;

/** The document's row after the write, or null when this path does not apply. */
export async function write(
  db: Db,
  tenantId: string,
  id: string,
  w: Write,
  now: Date,
): Promise<Record<string, unknown> | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const ops = w.ops.map((o) => ({ o, segs: Context.segments(o.path) }));
  const fits = ops.every(
    ({ o, segs }) =>
      segs?.length &&
      kinds.has(o.op) &&
      (o.op !== "increment" || (Number.isInteger(o.value) && Math.abs(o.value) < maxSafe)),
  );
  const distinct = ops.every((a, i) => ops.every((b, j) => i === j || !overlaps(a.o.path, b.o.path)));
  const sets = ops.some(({ o }) => o.op === "add" || o.op === "replace" || o.op === "remove");
  // A blind replace is the general path's to refuse (428).
  if (!fits || !distinct || (sets && w.ifMatch === undefined && !w.lastWriterWins)) return null;
  let data: SQL = sql`data`;
  const checks: SQL[] = [];
  const touched: Context.Touch[] = [];
  for (const { o, segs } of ops) {
    const at = keys(segs!);
    checks.push(sql`jsonb_typeof(data #> ${keys(segs!.slice(0, -1))}) = 'object'`);
    const value = "value" in o ? JSON.stringify(o.value ?? null) : "null";
    if (o.op === "increment") {
      // Whole numbers only, kept within what a JavaScript number holds exactly: the general path's results.
      // A cast only where the value is a number: PostgreSQL evaluates conditions in any order.
      const num = sql`(case when jsonb_typeof(data #> ${at}) = 'number' then (data #>> ${at})::numeric end)`;
      checks.push(
        sql`((data #> ${at}) is null or (${num} = trunc(${num}) and abs(${num} + ${o.value}) < ${maxSafe}))`,
      );
      data = sql`jsonb_set(${data}, ${at}, to_jsonb(coalesce(${num}, 0) + ${o.value}), true)`;
    } else if (o.op === "append") {
      checks.push(sql`((data #> ${at}) is null or jsonb_typeof(data #> ${at}) = 'array')`);
      data = sql`jsonb_set(${data}, ${at}, coalesce(data #> ${at}, '[]'::jsonb) || jsonb_build_array(${value}::jsonb), true)`;
    } else if (o.op === "remove") {
      checks.push(sql`(data #> ${at}) is not null`);
      data = sql`(${data}) #- ${at}`;
    } else {
      if (o.op === "replace") checks.push(sql`(data #> ${at}) is not null`);
      data = sql`jsonb_set(${data}, ${at}, ${value}::jsonb, true)`;
    }
    touched.push({ path: o.path, kind: o.op === "increment" || o.op === "append" ? "merge" : "set" });
  }
  if (w.ifMatch !== undefined) {
    // Nothing since that version touched a path of ours, or one above or below it; two merges of one
    // path are the exception. A version from the future is the general path's to refuse.
    const clash = touched.map(
      (m) => sql`((t->>'path' = ${m.path} and not (t->>'kind' = 'merge' and ${m.kind} = 'merge'))
        or starts_with(t->>'path', ${`${m.path}/`}) or starts_with(${m.path}, (t->>'path') || '/'))`,
    );
    // The history read here is the statement's snapshot; a writer that commits while this one waits for
    // the row is not in it. So the row must still be at the snapshot's version: PostgreSQL checks the row
    // again once it has the lock (the subquery's value stays the snapshot's), and a row that moved answers
    // nothing here, and the general path decides.
    checks.push(sql`version >= ${w.ifMatch} and version = (select version from contexts where id = ${id})
      and not exists (
        select 1 from context_changes h, jsonb_array_elements(h.touched) t
        where h.context_id = contexts.id and h.version > ${w.ifMatch} and (${sql.join(clash, sql` or `)}))`);
  }
  const at = now.toISOString();
  // `bytes` here is the size of PostgreSQL's text of the JSON, a little over JSON.stringify's: a
  // document this path lets through is never over the limit the general path keeps.
  // The new document is computed only once every check holds (CASE keeps that order; AND does not).
  const ok = sql.join(checks, sql` and `);
  const next = sql`(case when ${ok} then ${data} end)`;
  const rows = await db.rows(sql`
    with c as (
      update contexts set data = ${next}, version = version + 1, bytes = octet_length(${next}::text), updated_at = ${at}
      where id = ${id} and tenant_id = ${tenantId} and (expires_at is null or expires_at > ${at})
        and ${ok} and octet_length(${next}::text) <= ${Context.limits.documentBytes}
      returning *),
    h as (insert into context_changes (context_id, version, ops, touched, actor, causation_id, at)
          select c.id, c.version, ${JSON.stringify(w.ops)}::jsonb, ${JSON.stringify(touched)}::jsonb,
            ${JSON.stringify(w.actor)}::jsonb, ${w.causationId ?? null}, ${at} from c)
    select c.*, ${db.wake([["context", id]])} from c`);
  return rows[0] ?? null;
}
