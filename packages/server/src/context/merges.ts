import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { Context } from "@orchestrator/sdk";
import type { Db, Q } from "../db/db.ts";
import { AppError, notFound } from "../error.ts";
import { toIso } from "../time.ts";
import { type Choice, merge, patchOf, resolve } from "./merge.ts";
import { apply } from "./patch.ts";
import { get, lock, patchIn } from "./store.ts";

/**
 * Versions, diffs and merges of documents on the database. A version is replayed from history (version 0
 * holds what the document was made with). A merge reads the source, then writes the target under its
 * row lock as a patch of exactly what changed, so its history names each path; a manual merge with
 * conflicts is kept open until a person chooses, then written if the target has not moved under it.
 */

/** What a document was at `version`. */
export async function at(q: Q, tenantId: string, id: string, version: number): Promise<unknown> {
  const doc = await get(q, tenantId, id);
  if (version > doc.version)
    throw new AppError(
      "not_found",
      `version ${version} of context ${id} does not exist yet (it is at ${doc.version})`,
      {
        version: doc.version,
      },
    );
  if (version === doc.version) return doc.data;
  const rows = await q.rows<{ version: number; ops: Context.Op[] }>(sql`
    select version, ops from context_changes where context_id = ${id} and version <= ${version} order by version`);
  if (Number(rows[0]?.version) !== 0)
    throw new AppError(
      "conflict",
      `context ${id} was made before versions were kept: only its current version exists`,
    );
  let data: unknown = null;
  for (const r of rows) {
    const out = apply(data, r.ops);
    if (!out.ok)
      throw new Error(`context ${id} version ${r.version} does not replay: ${out.refusal.message}`);
    data = out.doc;
  }
  return data;
}

/**
 * Changes with each touched path's value before and after, replayed from version 0 up to the last of
 * them (the cost grows with the document's history: the route allows it on small pages).
 */
export async function valued(q: Q, id: string, changes: Context.Change[]): Promise<Context.Change[]> {
  const last = changes.at(-1)?.version;
  if (last === undefined) return changes;
  const rows = await q.rows<{ version: number; ops: Context.Op[] }>(sql`
    select version, ops from context_changes where context_id = ${id} and version <= ${last} order by version`);
  if (Number(rows[0]?.version) !== 0) return changes; // made before versions were kept
  const wanted = new Map(changes.map((c) => [c.version, c]));
  const out = new Map<number, Context.Change>();
  let data: unknown = null;
  for (const r of rows) {
    const next = apply(data, r.ops);
    if (!next.ok) break;
    const c = wanted.get(Number(r.version));
    if (c)
      out.set(c.version, {
        ...c,
        values: c.touched.map((t) => ({
          path: t.path,
          before: Context.valueAt(data, t.path),
          after: Context.valueAt(next.doc, t.path),
        })),
      });
    data = next.doc;
  }
  return changes.map((c) => out.get(c.version) ?? c);
}

/** Who merges, and may they see each document (an agent: only its work's). */
export interface By {
  name: string;
  actor: Context.Actor;
  may: (doc: Context.Document) => boolean;
}

/** Merge `sourceId` into `targetId`. Applied at once, unless a manual merge finds conflicts (then open). */
export async function create(
  db: Db,
  tenantId: string,
  targetId: string,
  sourceId: string,
  strategy: Context.Strategy,
  by: By,
  now: Date,
): Promise<Context.Merge> {
  if (targetId === sourceId)
    throw new AppError("validation_failed", "body.source: a document merges into another one, not itself", {
      issues: [{ path: "body.source", message: "the same document" }],
    });
  return db.tx(async (tx) => {
    const source = await get(tx, tenantId, sourceId, now);
    if (!by.may(source)) throw notFound("context", sourceId);
    const target = await lock(tx, tenantId, targetId, now, by.may);
    const newer = Date.parse(source.updatedAt) > Date.parse(target.updatedAt);
    const m = merge(target.data, source.data, strategy, newer);
    const open = m.conflicts.length > 0;
    const wrote = open ? null : await write(tx, tenantId, target, m.data, sourceId, by, now);
    const rows = await tx.rows(sql`
      insert into context_merges (id, tenant_id, source_id, target_id, strategy, status, conflicts, merged,
        source_version, target_version, wrote, created_by, created_at)
      values (${randomUUID()}, ${tenantId}, ${sourceId}, ${targetId}, ${strategy}, ${open ? "open" : "applied"},
        ${JSON.stringify(m.conflicts)}::jsonb, ${open ? JSON.stringify(m.data) : null}::jsonb, ${source.version},
        ${target.version}, ${wrote}, ${by.name}, ${now.toISOString()})
      returning *`);
    return fromRow(rows[0]!);
  });
}

/** Write `data` as the target's next version: a patch of exactly what changed (none: no new version). */
async function write(
  tx: Q,
  tenantId: string,
  target: Context.Document,
  data: unknown,
  sourceId: string,
  by: By,
  now: Date,
): Promise<number> {
  const ops = patchOf(target.data, data);
  if (!ops.length) return target.version;
  const after = await patchIn(
    tx,
    tenantId,
    target.id,
    { ops, ifMatch: target.version, actor: by.actor, causationId: `merge:${sourceId}` },
    now,
    by.may,
  );
  return after.version;
}

/**
 * Settle an open merge with a choice for every conflict. Written only if the target has not changed
 * since the merge was computed (else 412: merge again, on what it is now).
 */
export async function settle(
  db: Db,
  tenantId: string,
  id: string,
  choices: Choice[],
  by: By,
  now: Date,
): Promise<Context.Merge> {
  return db.tx(async (tx) => {
    const rows = await tx.rows(sql`
      select * from context_merges where id = ${id} and tenant_id = ${tenantId} for update`);
    if (!rows[0]) throw notFound("merge", id);
    const m = fromRow(rows[0]);
    if (m.status !== "open")
      throw new AppError("invalid_transition", `merge ${id} is ${m.status}: only an open merge is settled`, {
        status: m.status,
      });
    const missing = m.conflicts.findIndex((c) => !choices.some((x) => x.path === c.path));
    if (missing >= 0)
      throw new AppError("validation_failed", `body.choices: no choice for ${m.conflicts[missing]!.path}`, {
        issues: [{ path: "body.choices", message: `choose for ${m.conflicts[missing]!.path}` }],
      });
    const stray = choices.findIndex((x) => !m.conflicts.some((c) => c.path === x.path));
    if (stray >= 0)
      throw new AppError("validation_failed", `body.choices.${stray}.path: not a conflict of this merge`, {
        issues: [{ path: `body.choices.${stray}.path`, message: "not a conflict" }],
      });
    const target = await lock(tx, tenantId, m.targetId, now, by.may);
    if (target.version !== m.targetVersion)
      throw new AppError(
        "precondition_failed",
        `context ${m.targetId} changed since this merge was computed (version ${m.targetVersion}, now ${target.version}): merge again`,
        { version: target.version },
      );
    const merged = (rows[0]!.merged as unknown) ?? target.data;
    const wrote = await write(
      tx,
      tenantId,
      target,
      resolve(merged, m.conflicts, choices),
      m.sourceId,
      by,
      now,
    );
    const out = await tx.rows(sql`
      update context_merges set status = 'resolved', wrote = ${wrote}, resolved_by = ${by.name},
        resolved_at = ${now.toISOString()}, merged = null
      where id = ${id} returning *`);
    return fromRow(out[0]!);
  });
}

/** Give up an open merge: the target stays as it is. */
export async function abandon(
  db: Db,
  tenantId: string,
  id: string,
  by: string,
  now: Date,
): Promise<Context.Merge> {
  const rows = await db.rows(sql`
    update context_merges set status = 'abandoned', resolved_by = ${by}, resolved_at = ${now.toISOString()}, merged = null
    where id = ${id} and tenant_id = ${tenantId} and status = 'open' returning *`);
  if (rows[0]) return fromRow(rows[0]);
  const m = await one(db, tenantId, id);
  throw new AppError("invalid_transition", `merge ${id} is ${m.status}: only an open merge is abandoned`, {
    status: m.status,
  });
}

export async function one(q: Q, tenantId: string, id: string): Promise<Context.Merge> {
  const rows = await q.rows(sql`select * from context_merges where id = ${id} and tenant_id = ${tenantId}`);
  if (!rows[0]) throw notFound("merge", id);
  return fromRow(rows[0]);
}

/** Merges of the tenant, newest first, by status and document. */
export async function list(
  q: Q,
  tenantId: string,
  f: { status?: Context.Merge["status"]; contextId?: string },
  limit = 100,
): Promise<Context.Merge[]> {
  const rows = await q.rows(sql`
    select * from context_merges where tenant_id = ${tenantId}
      ${f.status ? sql`and status = ${f.status}` : sql``}
      ${f.contextId ? sql`and (target_id = ${f.contextId} or source_id = ${f.contextId})` : sql``}
    order by created_at desc, id limit ${limit}`);
  return rows.map(fromRow);
}

function fromRow(r: Record<string, unknown>): Context.Merge {
  return {
    id: String(r.id),
    sourceId: String(r.source_id),
    targetId: String(r.target_id),
    strategy: r.strategy as Context.Strategy,
    status: r.status as Context.Merge["status"],
    conflicts: r.conflicts as Context.Merge["conflicts"],
    sourceVersion: Number(r.source_version),
    targetVersion: Number(r.target_version),
    wrote: r.wrote === null || r.wrote === undefined ? null : Number(r.wrote),
    createdBy: String(r.created_by),
    createdAt: toIso(r.created_at)!,
    resolvedBy: (r.resolved_by as string | null) ?? null,
    resolvedAt: toIso(r.resolved_at),
  };
}
