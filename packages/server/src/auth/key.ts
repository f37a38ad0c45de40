import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Q } from "../db/db.ts";

export type Role = "admin" | "member" | "viewer";
export interface Principal {
  tenantId: string;
  keyId: string | null;
  role: Role;
}

const hash = (secret: string) => createHash("sha256").update(secret).digest("hex");

/**
 * Keys look like `io_<prefix>_<secret>`. The prefix finds the row; only the SHA-256 of the 32-byte random
 * secret is stored (a fast hash suffices for a high-entropy secret). The plain key is returned once.
 */
export async function create(q: Q, tenantId: string, name: string, role: Role): Promise<{ id: string; key: string }> {
  const id = randomUUID();
  const prefix = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  await q.rows(sql`
    insert into api_keys (id, tenant_id, name, prefix, hash, role)
    values (${id}, ${tenantId}, ${name}, ${prefix}, ${hash(secret)}, ${role})`);
  return { id, key: `io_${prefix}_${secret}` };
}

export async function count(q: Q): Promise<number> {
  const rows = await q.rows<{ n: number }>(sql`select count(*)::int as n from api_keys where revoked_at is null`);
  return Number(rows[0]?.n ?? 0);
}

/** The principal for a presented key, or null. The comparison takes the same time wherever it differs. */
export async function verify(q: Q, presented: string): Promise<Principal | null> {
  const m = /^io_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(presented);
  if (!m) return null;
  const rows = await q.rows<{ id: string; tenant_id: string; hash: string; role: Role }>(sql`
    select id, tenant_id, hash, role from api_keys where prefix = ${m[1]} and revoked_at is null`);
  const row = rows[0];
  const expected = Buffer.from(row?.hash ?? "0".repeat(64), "hex");
  const actual = Buffer.from(hash(m[2]!), "hex");
  if (!timingSafeEqual(expected, actual) || !row) return null;
  return { tenantId: String(row.tenant_id), keyId: String(row.id), role: row.role };
}
