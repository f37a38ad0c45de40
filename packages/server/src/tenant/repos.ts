import path from "node:path";
import { sql } from "drizzle-orm";
import type { Config } from "../config.ts";
import type { Db, Q } from "../db/db.ts";
import { AppError } from "../error.ts";
import { type Repo, inspect, outside } from "../workspace/worktree.ts";
import { defaultName } from "./tenant.ts";

/**
 * Which repositories a tenant may work on (docs/decisions/0009): those inside its repository roots, set by
 * the server's operator, that no other tenant holds. A repository belongs to the first tenant that
 * registers it or runs a session in it, for good: its session branches live in it.
 */
export interface Deps {
  config: Pick<Config, "repoRoots" | "tenants">;
  /** The database, or the caller's transaction (a session submitted with the caller's own writes). */
  db: Q;
  defaultTenant: string;
}

// Tenants are never renamed, so a name once read stays right.
const names = new Map<string, string>();

async function nameOf(q: Q, tenantId: string): Promise<string> {
  const known = names.get(tenantId);
  if (known) return known;
  const rows = await q.rows<{ name: string }>(sql`select name from tenants where id = ${tenantId}`);
  const name = String(rows[0]?.name ?? "");
  if (name) names.set(tenantId, name);
  return name;
}

/** The tenant's repository roots: the default tenant's are `repoRoots`, another's `tenants.<name>.repoRoots`. */
export async function roots(deps: Deps, tenantId: string): Promise<string[]> {
  if (tenantId === deps.defaultTenant) return deps.config.repoRoots;
  return deps.config.tenants[await nameOf(deps.db, tenantId)]?.repoRoots ?? [];
}

/**
 * Check a repository for the tenant (see `inspect`) and claim it. Another tenant's repository, a path
 * inside one or a path holding one is refused exactly as a path outside the roots is.
 */
export async function take(
  deps: Deps,
  tenantId: string,
  repo: string,
  branch: string | undefined,
  fields: { path: string; branch: string },
): Promise<Repo> {
  const allowed = await roots(deps, tenantId);
  if (!allowed.length) {
    const name = tenantId === deps.defaultTenant ? defaultName : await nameOf(deps.db, tenantId);
    const message =
      "this tenant has no repository roots, so it can register no repository; the server's operator " +
      `sets them (tenants.${JSON.stringify(name)}.repoRoots in the ORCHESTRATOR_CONFIG file)`;
    throw new AppError("validation_failed", `${fields.path}: ${message}`, {
      issues: [{ path: fields.path, message }],
    });
  }
  const checked = await inspect(repo, branch, allowed, fields, (real) => foreign(deps.db, tenantId, real));
  if (!(await claim(deps.db, tenantId, checked.path))) throw outside(repo, allowed, fields.path);
  return checked;
}

/** Another tenant's claim on `real`, on a path inside it, or on a path it lies in. */
const overlap = (tenantId: string, real: string) => sql`
  tenant_id <> ${tenantId}
  and (path = ${real} or starts_with(path, ${real.endsWith(path.sep) ? real : real + path.sep})
       or starts_with(${real}, path || ${path.sep}))`;

async function foreign(q: Q, tenantId: string, real: string): Promise<boolean> {
  const rows = await q.rows(sql`select 1 from repositories where ${overlap(tenantId, real)} limit 1`);
  return rows.length > 0;
}

/**
 * Claim `real` for the tenant; false when another tenant holds it, or a path inside or above it. The
 * primary key alone would let two tenants claim nested paths at once, so claims take turns on a table
 * lock (share row exclusive: it excludes itself and writes, not reads), held to the end of the claim.
 */
export async function claim(q: Q, tenantId: string, real: string): Promise<boolean> {
  // In the caller's transaction the lock is held to its commit; on the database, to the end of this one.
  const within = <T>(fn: (tx: Q) => Promise<T>) => ("tx" in q ? (q as Db).tx(fn) : fn(q));
  return within(async (tx) => {
    await tx.rows(sql`lock table repositories in share row exclusive mode`);
    if (await foreign(tx, tenantId, real)) return false;
    // A row comes back when the path is new or already the tenant's, none when another tenant holds it.
    const rows = await tx.rows(sql`
      insert into repositories (path, tenant_id) values (${real}, ${tenantId})
      on conflict (path) do update set path = excluded.path where repositories.tenant_id = excluded.tenant_id
      returning path`);
    return rows.length > 0;
  });
}
