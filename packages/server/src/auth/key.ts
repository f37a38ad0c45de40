import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Q } from "../db/db.ts";

import type { Key, Role } from "@orchestrator/sdk";
import { notFound } from "../error.ts";
import { toIso } from "../time.ts";
import type { Work } from "../work/credential.ts";

export type { Role };
export interface Principal {
  tenantId: string;
  keyId: string | null;
  role: Role;
  /** Set for an agent's session credential: the work it may act on (work/access.ts), nothing else. */
  work?: Work;
}

const hash = (secret: string) => createHash("sha256").update(secret).digest("hex");

/**
 * Keys look like `io_<prefix>_<secret>`. The prefix finds the row; only the SHA-256 of the 32-byte random
 * secret is stored (a fast hash suffices for a high-entropy secret). The plain key is returned once.
 */
export async function create(
  q: Q,
  tenantId: string,
  name: string,
  role: Role,
): Promise<{ id: string; key: string }> {
  const id = randomUUID();
  const prefix = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  await q.rows(sql`
    insert into api_keys (id, tenant_id, name, prefix, hash, role)
    values (${id}, ${tenantId}, ${name}, ${prefix}, ${hash(secret)}, ${role})`);
  return { id, key: `io_${prefix}_${secret}` };
}

export async function count(q: Q): Promise<number> {
  const rows = await q.rows<{ n: number }>(
    sql`select count(*)::int as n from api_keys where revoked_at is null`,
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Verified keys are remembered for a few seconds, so a busy client costs no query per request. A revoke
 * clears this process's cache at once; other nodes of a cluster notice within `cacheMs`.
 */
const cacheMs = 5_000;
const cache = new Map<string, { principal: Principal; until: number }>();
const inflight = new Map<string, Promise<Principal | null>>();

/** The principal for a presented key, or null. The comparison takes the same time wherever it differs. */
export async function verify(q: Q, presented: string, now: Date): Promise<Principal | null> {
  const m = /^io_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(presented);
  if (!m) return null;
  const id = hash(presented);
  const hit = cache.get(id);
  if (hit && hit.until > now.getTime()) return hit.principal;
  // Requests that arrive together when the entry expires share one lookup, not one each.
  const pending = inflight.get(id);
  if (pending) return pending;
  const looking = lookup(q, m[1]!, m[2]!, now).finally(() => inflight.delete(id));
  inflight.set(id, looking);
  const principal = await looking;
  if (principal) {
    if (cache.size > 10_000) cache.clear();
    cache.set(id, { principal, until: now.getTime() + cacheMs });
  } else {
    cache.delete(id);
  }
  return principal;
}

async function lookup(q: Q, prefix: string, secret: string, now: Date): Promise<Principal | null> {
  const rows = await q.rows<{ id: string; tenant_id: string; hash: string; role: Role }>(sql`
    select id, tenant_id, hash, role from api_keys where prefix = ${prefix} and revoked_at is null`);
  const row = rows[0];
  const expected = Buffer.from(row?.hash ?? "0".repeat(64), "hex");
  const actual = Buffer.from(hash(secret), "hex");
  if (!timingSafeEqual(expected, actual) || !row) return null;
  await touch(q, String(row.id), now);
  return { tenantId: String(row.tenant_id), keyId: String(row.id), role: row.role };
}

// last_used_at is written at most once a minute per key, so reads do not each cost a write.
const touched = new Map<string, number>();
async function touch(q: Q, id: string, at: Date): Promise<void> {
  const now = at.getTime();
  if (now - (touched.get(id) ?? 0) < 60_000) return;
  touched.set(id, now);
  await q.rows(sql`update api_keys set last_used_at = now() where id = ${id}`);
}

export async function list(q: Q, tenantId: string): Promise<Key[]> {
  const rows = await q.rows(sql`
    select id, name, role, prefix, created_at, last_used_at, revoked_at from api_keys
    where tenant_id = ${tenantId} order by created_at`);
  return rows.map(toKey);
}

/** Revoke a key of the tenant; revoking twice is harmless. */
export async function revoke(q: Q, tenantId: string, id: string): Promise<Key> {
  const rows = await q.rows(sql`
    update api_keys set revoked_at = coalesce(revoked_at, now()) where id = ${id} and tenant_id = ${tenantId}
    returning id, name, role, prefix, created_at, last_used_at, revoked_at`);
  if (!rows[0]) throw notFound("api key", id);
  cache.clear();
  return toKey(rows[0]);
}

export async function get(q: Q, tenantId: string, id: string): Promise<Key> {
  const rows = await q.rows(sql`
    select id, name, role, prefix, created_at, last_used_at, revoked_at from api_keys where id = ${id} and tenant_id = ${tenantId}`);
  if (!rows[0]) throw notFound("api key", id);
  return toKey(rows[0]);
}

function toKey(r: Record<string, unknown>): Key {
  return {
    id: String(r.id),
    name: String(r.name),
    role: r.role as Role,
    prefix: String(r.prefix),
    createdAt: toIso(r.created_at)!,
    lastUsedAt: toIso(r.last_used_at),
    revokedAt: toIso(r.revoked_at),
  };
}
