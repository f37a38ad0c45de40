import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { CreateProject, Project, UpdateProject } from "@orchestrator/sdk";
import type { Db, Q } from "../db/db.ts";
import { AppError, notFound } from "../error.ts";
import { toIso } from "../time.ts";
import { pgArray } from "../session/store.ts";
import { type Repo, inspect } from "../workspace/worktree.ts";
import * as States from "../session/status.ts";
import type { Stored } from "../land/remote.ts";

/** A project as the engine needs it to cut worktrees. */
export interface Row extends Project {
  tenantId: string;
  /** Write-only through the API: toPublic drops it, and nothing logs a Row. */
  remoteToken: string | null;
}

/** A change of remote: its resolved form and token, or null to remove it. */
export type RemoteChange = { stored: Stored; token: string | null } | null;

/** The request's names for a project's path and base branch, for error paths. */
export const fields = { path: "body.path", branch: "body.baseBranch" };

export function fromRow(r: Record<string, unknown>): Row {
  return {
    id: String(r.id),
    tenantId: String(r.tenant_id),
    name: String(r.name),
    path: String(r.path),
    baseBranch: String(r.base_branch),
    setup: (r.setup as string | null) ?? null,
    copyFiles: (r.copy_files as string[]) ?? [],
    retentionHours: Number(r.retention_hours),
    remote: r.remote ? { ...(r.remote as Stored), token: r.remote_token != null } : null,
    remoteToken: (r.remote_token as string | null) ?? null,
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
  };
}

export const toPublic = ({ tenantId: _t, remoteToken: _r, ...p }: Row): Project => p;

/** Register a repository the tenant has checked and claimed (`Repos.take` with the `fields` below). */
export async function create(
  db: Db,
  tenantId: string,
  input: z.output<typeof CreateProject>,
  repo: Repo,
  now: Date,
  remote: RemoteChange = null,
): Promise<Row> {
  const real = repo.path;
  const base = repo.base;
  // `on conflict do nothing` turns a duplicate name into no row, which we answer with a 409 by name.
  const rows = await db.rows(sql`
    insert into projects (id, tenant_id, name, path, base_branch, setup, copy_files, retention_hours,
      remote, remote_token, created_at, updated_at)
    values (${randomUUID()}, ${tenantId}, ${input.name}, ${real}, ${base}, ${input.setup ?? null},
      ${pgArray(input.copyFiles)}::text[], ${input.retentionHours},
      ${remote ? JSON.stringify(remote.stored) : null}::jsonb, ${remote?.token ?? null},
      ${now.toISOString()}, ${now.toISOString()})
    on conflict (tenant_id, name) do nothing returning *`);
  if (!rows[0])
    throw new AppError("conflict", `a project named ${input.name} already exists`, { name: input.name });
  return fromRow(rows[0]);
}

export async function list(q: Q, tenantId: string): Promise<Row[]> {
  const rows = await q.rows(sql`select * from projects where tenant_id = ${tenantId} order by name`);
  return rows.map(fromRow);
}

/** By name or id: people type names, links carry ids. */
export async function get(q: Q, tenantId: string, ref: string, field = "name"): Promise<Row> {
  const byId = /^[0-9a-f-]{36}$/i.test(ref);
  const rows = await q.rows(sql`
    select * from projects where tenant_id = ${tenantId} and ${byId ? sql`id = ${ref}` : sql`name = ${ref}`}`);
  if (!rows[0]) {
    if (field === "name") throw notFound("project", ref);
    throw new AppError("validation_failed", `${field}: no project named ${ref}`, {
      issues: [{ path: field, message: "unknown project" }],
    });
  }
  return fromRow(rows[0]);
}

export async function update(
  db: Db,
  tenantId: string,
  ref: string,
  input: z.output<typeof UpdateProject>,
  now: Date,
  remote?: (before: Row) => Promise<RemoteChange>,
): Promise<Row> {
  const p = await get(db, tenantId, ref);
  const r = remote ? await remote(p) : undefined;
  if (input.baseBranch !== undefined) await inspect(p.path, input.baseBranch, [p.path], fields);
  const rows = await db.rows(sql`
    update projects set
      base_branch = ${input.baseBranch ?? p.baseBranch},
      setup = ${input.setup === undefined ? p.setup : input.setup},
      copy_files = ${pgArray(input.copyFiles ?? p.copyFiles)}::text[],
      retention_hours = ${input.retentionHours ?? p.retentionHours},
      remote = ${r === undefined ? sql`remote` : sql`${r ? JSON.stringify(r.stored) : null}::jsonb`},
      remote_token = ${r === undefined ? sql`remote_token` : (r?.token ?? null)},
      updated_at = ${now.toISOString()}
    where id = ${p.id} returning *`);
  return fromRow(rows[0]!);
}

/** Unregister. Refused while a session of the project has not ended: its worktree is in use. */
export async function remove(db: Db, tenantId: string, ref: string): Promise<void> {
  const p = await get(db, tenantId, ref);
  // One statement: the delete only happens when no live session refers to the project.
  const rows = await db.rows(sql`
    with live as (select count(*)::int as n from sessions
                  where project_id = ${p.id} and deleted_at is null
                    and status in ${States.liveSql}),
    del as (delete from projects where id = ${p.id} and (select n from live) = 0 returning id)
    select (select n from live) as live, (select count(*)::int from del) as deleted`);
  const live = Number(rows[0]!.live);
  if (live > 0)
    throw new AppError("conflict", `project ${p.name} has ${live} session(s) that have not ended`, { live });
}
