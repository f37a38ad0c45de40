import { randomUUID } from "node:crypto";
import { type SQL, sql } from "drizzle-orm";
import { Context } from "@orchestrator/sdk";
import type { Db, Q } from "../db/db.ts";
import { AppError, notFound } from "../error.ts";
import { toIso } from "../time.ts";
import { apply, conflicts } from "./patch.ts";
import * as Fast from "./fast.ts";

/**
 * Shared context documents on the database. A patch
 * runs in one transaction holding the document's row lock: it applies to the document as it is now; a
 * write based on an older version is applied only if nothing it touches changed since (patch.ts
 * `conflicts`), else it is refused with the conflicting paths and their current values.
 */

export interface Write {
  ops: Context.Op[];
  /** The version the writer based its patch on (If-Match). */
  ifMatch?: number;
  /** Without a precondition, overwrite what others changed (a write that can lose an update). */
  lastWriterWins?: boolean;
  actor: Context.Actor;
  causationId?: string | null;
}

export async function create(
  q: Q,
  tenantId: string,
  doc: {
    scope: Context.Scope;
    ownerId: string | null;
    name: string;
    data?: unknown;
    expiresAt?: Date | null;
  },
  by: string,
  now: Date,
  actor: Context.Actor = {},
): Promise<Context.Document> {
  const data = doc.data ?? {};
  const bytes = size(data, "");
  // The document and its version 0 in history (what later versions are replayed from) in one statement.
  const rows = await q.rows(sql`
    with made as (
      insert into contexts (id, tenant_id, scope, owner_id, name, data, bytes, expires_at, created_by, created_at, updated_at)
      values (${randomUUID()}, ${tenantId}, ${doc.scope}, ${doc.ownerId}, ${doc.name}, ${JSON.stringify(data)}::jsonb,
        ${bytes}, ${doc.expiresAt?.toISOString() ?? null}, ${by}, ${now.toISOString()}, ${now.toISOString()})
      on conflict do nothing
      returning *),
    first as (${first(sql`select id, data, at from (select id, data, ${now.toISOString()}::timestamptz as at from made) m`, actor)})
    select * from made`);
  if (!rows[0])
    throw new AppError("conflict", `a ${doc.scope} document named ${doc.name} exists already`, {
      scope: doc.scope,
      name: doc.name,
    });
  return fromRow(rows[0]);
}

/** A document, unless it expired by `now` (the server's clock, which writes and the sweep go by too). */
export async function get(q: Q, tenantId: string, id: string, now = new Date()): Promise<Context.Document> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound("context", id);
  const rows = await q.rows(sql`
    select * from contexts where id = ${id} and tenant_id = ${tenantId}
      and (expires_at is null or expires_at > ${now.toISOString()})`);
  if (!rows[0]) throw notFound("context", id);
  return fromRow(rows[0]);
}

/** Version 0 of new documents (`rows`: id, data, at) in history: what every later version replays from. */
const first = (rows: SQL, actor: Context.Actor) => sql`
  insert into context_changes (context_id, version, ops, touched, actor, at)
  select r.id, 0, jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '', 'value', r.data)),
    '[{"path":"","kind":"set"}]'::jsonb, ${JSON.stringify(actor)}::jsonb, r.at from (${rows}) r`;

/** The id of the document of a scope, owner and name, made empty if it does not exist yet. */
export async function ensure(
  q: Q,
  tenantId: string,
  doc: { scope: Context.Scope; ownerId: string | null; name: string },
  by: string,
  now: Date,
): Promise<string> {
  const at = now.toISOString();
  // Insert-or-read in one statement: the insert's row when it made one, else the one that was there.
  const rows = await q.rows<{ id: string }>(sql`
    with made as (
      insert into contexts (id, tenant_id, scope, owner_id, name, created_by, created_at, updated_at)
      values (${randomUUID()}, ${tenantId}, ${doc.scope}, ${doc.ownerId}, ${doc.name}, ${by}, ${at}, ${at})
      on conflict do nothing returning id, data),
    first as (${first(sql`select id, data, ${at}::timestamptz as at from made`, {})})
    select id from made union all
    select id from contexts where tenant_id = ${tenantId} and scope = ${doc.scope}
      and coalesce(owner_id, '') = coalesce(${doc.ownerId}, '') and name = ${doc.name}
    limit 1`);
  return String(rows[0]!.id);
}

/** Documents of the tenant, newest first, narrowed by scope, owner and name; expired ones are gone. */
export async function list(
  q: Q,
  tenantId: string,
  f: { scope?: Context.Scope; ownerId?: string; name?: string; owners?: string[] },
  now = new Date(),
  limit = 100,
): Promise<Context.Document[]> {
  const rows = await q.rows(sql`
    select * from contexts where tenant_id = ${tenantId}
      and (expires_at is null or expires_at > ${now.toISOString()})
      ${f.scope ? sql`and scope = ${f.scope}` : sql``}
      ${f.ownerId ? sql`and owner_id = ${f.ownerId}` : sql``}
      ${f.name ? sql`and name = ${f.name}` : sql``}
      ${
        f.owners
          ? f.owners.length
            ? sql`and owner_id in (${sql.join(
                f.owners.map((o) => sql`${o}`),
                sql`, `,
              )})`
            : sql`and false`
          : sql``
      }
    order by updated_at desc, id limit ${limit}`);
  return rows.map(fromRow);
}

/** Note that a session's agent read a version: what it saw, for tracing a result to its context. */
export async function noteRead(q: Q, sessionId: string, doc: Context.Document, now: Date): Promise<void> {
  await q.rows(sql`
    insert into context_reads (session_id, context_id, version, at)
    values (${sessionId}, ${doc.id}, ${doc.version}, ${now.toISOString()}) on conflict do nothing`);
}

/** The document versions a session's agent read, first read first. */
export async function reads(
  q: Q,
  tenantId: string,
  sessionId: string,
): Promise<{ contextId: string; scope: Context.Scope; name: string; version: number; at: string }[]> {
  const rows = await q.rows(sql`
    select r.context_id, c.scope, c.name, r.version, r.at from context_reads r
      join contexts c on c.id = r.context_id and c.tenant_id = ${tenantId}
    where r.session_id = ${sessionId} order by r.at, r.version`);
  return rows.map((r) => ({
    contextId: String(r.context_id),
    scope: r.scope as Context.Scope,
    name: String(r.name),
    version: Number(r.version),
    at: toIso(r.at)!,
  }));
}

/**
 * Apply a patch; returns the document after it. `allowed` sees the document first (who may write it);
 * without it, counters and lists may take the one-statement path (fast.ts). Otherwise the document is
 * read, the patch decided, and written in one statement if nobody wrote since; if someone did, again under
 * the row lock. So a row is locked only while a statement runs, never across a round trip to us.
 */
export async function patch(
  db: Db,
  tenantId: string,
  id: string,
  w: Write,
  now: Date,
  allowed?: (doc: Context.Document) => boolean,
): Promise<Context.Document> {
  for (const [i, op] of w.ops.entries())
    if ("value" in op) size(op.value, `ops.${i}.value`, Context.limits.valueBytes);
  if (!allowed) {
    // With If-Match, the statement also answers nothing when another write moved the row while it waited
    // for the lock (fast.ts): a new statement, with a newer snapshot, usually gets through.
    for (let i = 0; i < (w.ifMatch === undefined ? 1 : 3); i++) {
      const done = await Fast.write(db, tenantId, id, w, now);
      if (done) return fromRow(done);
    }
  }
  const doc = await get(db, tenantId, id, now);
  if (allowed && !allowed(doc)) throw notFound("context", id);
  const ready = await prepare(db, doc, w, w.ops);
  const rows = await db.rows(write(doc, ready, w, w.ops, now, db.wake([["context", id]])));
  if (rows[0]) return fromRow(rows[0]);
  return db.tx((tx) => patchIn(tx, tenantId, id, w, now, allowed));
}

/** `patch` inside the caller's transaction; `ops` may be made from the document as it is under the lock. */
export async function patchIn(
  tx: Q,
  tenantId: string,
  id: string,
  w: Omit<Write, "ops"> & { ops: Context.Op[] | ((data: unknown) => Context.Op[]) },
  now: Date,
  allowed: (doc: Context.Document) => boolean = () => true,
): Promise<Context.Document> {
  const doc = await lock(tx, tenantId, id, now, allowed);
  const ops = typeof w.ops === "function" ? w.ops(doc.data) : w.ops;
  for (const [i, op] of ops.entries())
    if ("value" in op) size(op.value, `ops.${i}.value`, Context.limits.valueBytes);
  const ready = await prepare(tx, doc, w, ops);
  await tx.notify([["context", id]]); // MCP subscribers of the document hear of it (mcp/resources.ts)
  const after = await tx.rows(write(doc, ready, w, ops, now));
  return fromRow(after[0]!);
}

interface Ready {
  data: unknown;
  touched: Context.Touch[];
  bytes: number;
}

/** What a patch makes of the document as read, or its refusal: 422, 412 with what changed, 428, 413. */
async function prepare(
  q: Q,
  doc: Context.Document,
  w: Omit<Write, "ops">,
  ops: Context.Op[],
): Promise<Ready> {
  const base = w.ifMatch ?? doc.version;
  if (base > doc.version)
    throw new AppError("precondition_failed", `version ${base} is newer than the document's ${doc.version}`, {
      version: doc.version,
    });
  const applied = apply(doc.data, ops);
  if (!applied.ok) {
    const r = applied.refusal;
    const code = r.code === "test_failed" ? "precondition_failed" : "validation_failed";
    throw new AppError(code, `body.ops.${r.index}: ${r.message}`, {
      issues: [{ path: `body.ops.${r.index}.path`, message: r.message }],
      version: doc.version,
    });
  }
  const touched = applied.touched ?? [];
  // A set with nothing to base it on could overwrite a change its writer never saw. Merges and
  // patches that test what they change carry their own precondition.
  const blind = touched.some((t) => t.kind === "set") && !ops.some((o) => o.op === "test");
  if (w.ifMatch === undefined && blind && !w.lastWriterWins)
    throw new AppError(
      "precondition_required",
      "this patch replaces values: send If-Match with the version you read (or ask for last-writer-wins)",
      { version: doc.version },
    );
  if (base < doc.version) {
    const since = await q.rows<{ touched: Context.Touch[] }>(sql`
      select touched from context_changes where context_id = ${doc.id} and version > ${base} order by version`);
    const paths = conflicts(
      touched,
      since.flatMap((c) => c.touched),
    );
    if (paths.length)
      throw new AppError("precondition_failed", `changed since version ${base}: ${paths.join(", ")}`, {
        version: doc.version,
        conflicts: paths.map((path) => ({ path, current: Context.valueAt(doc.data, path) })),
      });
  }
  return { data: applied.doc, touched, bytes: size(applied.doc, "") };
}

/**
 * The statement that makes the next version (document and history) if the document is still at the
 * version read: no row when someone wrote meanwhile. `wake` goes in its select list (autocommit).
 */
function write(
  doc: Context.Document,
  r: Ready,
  w: Omit<Write, "ops">,
  ops: Context.Op[],
  now: Date,
  wake?: SQL,
): SQL {
  const version = doc.version + 1;
  return sql`
    with c as (update contexts set data = ${JSON.stringify(r.data)}::jsonb, version = ${version}, bytes = ${r.bytes},
                 updated_at = ${now.toISOString()}
               where id = ${doc.id} and version = ${doc.version} returning *),
         h as (insert into context_changes (context_id, version, ops, touched, actor, causation_id, at)
               select c.id, ${version}, ${JSON.stringify(ops)}::jsonb, ${JSON.stringify(r.touched)}::jsonb,
                 ${JSON.stringify(w.actor)}::jsonb, ${w.causationId ?? null}, ${now.toISOString()} from c)
    select c.*${wake ? sql`, ${wake}` : sql``} from c`;
}

/** A document read under its row lock, for a write; 404 if gone or not `allowed` to the writer. */
export async function lock(
  tx: Q,
  tenantId: string,
  id: string,
  now: Date,
  allowed: (doc: Context.Document) => boolean = () => true,
): Promise<Context.Document> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound("context", id);
  const rows = await tx.rows(sql`
    select * from contexts where id = ${id} and tenant_id = ${tenantId}
      and (expires_at is null or expires_at > ${now.toISOString()}) for update`);
  if (!rows[0] || !allowed(fromRow(rows[0]))) throw notFound("context", id);
  return fromRow(rows[0]);
}

/** A document's changes after `after`, oldest first. */
export async function history(
  q: Q,
  tenantId: string,
  id: string,
  after = 0,
  limit = 100,
): Promise<Context.Change[]> {
  await get(q, tenantId, id);
  const rows = await q.rows(sql`
    select * from context_changes where context_id = ${id} and version > ${after} order by version limit ${limit}`);
  return rows.map((r) => ({
    version: Number(r.version),
    ops: r.ops as Context.Op[],
    touched: r.touched as Context.Touch[],
    actor: r.actor as Context.Actor,
    causationId: (r.causation_id as string | null) ?? null,
    at: toIso(r.at)!,
  }));
}

/** A JSON value's size, refused with a 413 naming `path` over `max`. */
export function size(v: unknown, path: string, max: number = Context.limits.documentBytes): number {
  const n = Buffer.byteLength(JSON.stringify(v) ?? "null");
  if (n > max)
    throw new AppError(
      "payload_too_large",
      `${path ? `body.${path}` : "the document"} is ${n} bytes; at most ${max}`,
      {
        path: path ? `body.${path}` : "",
        bytes: n,
        max,
      },
    );
  return n;
}

export function fromRow(r: Record<string, unknown>): Context.Document {
  return {
    id: String(r.id),
    scope: r.scope as Context.Scope,
    ownerId: (r.owner_id as string | null) ?? null,
    name: String(r.name),
    data: r.data,
    version: Number(r.version),
    bytes: Number(r.bytes),
    expiresAt: toIso(r.expires_at),
    createdBy: String(r.created_by),
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
  };
}
