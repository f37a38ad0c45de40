import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { sql } from "drizzle-orm";
import { leased } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { list } from "../db/columns.ts";
import { leaseOwner } from "../registry/store.ts";

/** The work an agent's credential stands for: one session's current attempt, and what it belongs to. */
export interface Work {
  tenantId: string;
  sessionId: string;
  planId: string | null;
  taskId: string | null;
  projectId: string | null;
  agentId: string | null;
}

const hash = (secret: string) => createHash("sha256").update(secret).digest("hex");
const prefix = "ios_";

/** Whether a presented bearer is a session credential rather than an API key. */
export const isCredential = (presented: string) => presented.startsWith(prefix);

/**
 * A new credential for the attempt that holds `fence`: `ios_<session id, hex>_<secret>`. Minting again
 * replaces the last one; a later attempt's mint, or the session leaving its lease, ends it.
 */
export async function mint(
  q: Q,
  s: { id: string; tenantId: string; fence: number },
  now: Date,
): Promise<string> {
  const secret = randomBytes(32).toString("base64url");
  await q.rows(sql`
    insert into session_credentials (session_id, tenant_id, hash, fence, created_at)
    values (${s.id}, ${s.tenantId}, ${hash(secret)}, ${s.fence}, ${now.toISOString()})
    on conflict (session_id) do update set hash = excluded.hash, fence = excluded.fence,
      created_at = excluded.created_at`);
  return `${prefix}${s.id.replace(/-/g, "")}_${secret}`;
}

/**
 * The work a credential stands for, or null. No cache: it is good only while its attempt holds the
 * session's lease (the fence it was minted under is the session's, and the session is leased), which a
 * cache could not know.
 */
export async function verify(q: Q, presented: string): Promise<Work | null> {
  const m = /^ios_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/.exec(presented);
  if (!m) return null;
  const id = m[1]!.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
  const rows = await q.rows<Record<string, string | null>>(sql`
    select c.hash, s.tenant_id, s.plan_id, s.task_id, s.project_id, s.agent_id
    from session_credentials c join sessions s on s.id = c.session_id and s.fence = c.fence
    where c.session_id = ${id} and s.status in (${sql.raw(list(leased))})`);
  const row = rows[0];
  const expected = Buffer.from(row?.hash ?? "0".repeat(64), "hex");
  if (!timingSafeEqual(expected, Buffer.from(hash(m[2]!), "hex")) || !row) return null;
  return workOf(id, row);
}

/**
 * The work of a session whose attempt an EAP agent holds now (its lease names the agent), or null: what
 * an agent token stands for when it names one of its tasks (`x-agent-task`), over REST and gRPC.
 */
export async function held(q: Q, agentId: string, sessionId: string): Promise<Work | null> {
  if (!/^[0-9a-f-]{36}$/i.test(sessionId)) return null;
  const rows = await q.rows<Record<string, string | null>>(sql`
    select tenant_id, plan_id, task_id, project_id, agent_id from sessions
    where id = ${sessionId} and lease_owner = ${leaseOwner(agentId)} and status in (${sql.raw(list(leased))})`);
  return rows[0] ? workOf(sessionId, rows[0]) : null;
}

const workOf = (sessionId: string, row: Record<string, string | null>): Work => ({
  tenantId: String(row.tenant_id),
  sessionId,
  planId: row.plan_id ?? null,
  taskId: row.task_id ?? null,
  projectId: row.project_id ?? null,
  agentId: row.agent_id ?? null,
});
