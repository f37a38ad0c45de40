import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { AgentKind, AgentPatch, Eap } from "@orchestrator/sdk";
import type { Db, Q } from "../db/db.ts";
import { AppError, notFound } from "../error.ts";
import { pgArray } from "../session/store.ts";
import { toIso } from "../time.ts";

export interface AgentRow {
  id: string;
  tenantId: string | null;
  name: string;
  kind: AgentKind;
  label: string;
  version: string;
  description: string;
  capabilities: string[];
  capacity: number;
  status: "online" | "degraded" | "draining" | "offline";
  mode: "push" | "pull" | "stream" | null;
  endpoint: string | null;
  signingSecret: string | null;
  heartbeatTtlMs: number;
  lastHeartbeatAt: string | null;
  heartbeat: unknown;
  card: unknown;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export function fromRow(r: Record<string, unknown>): AgentRow {
  return {
    id: String(r.id),
    tenantId: (r.tenant_id as string | null) ?? null,
    name: String(r.name),
    kind: r.kind as AgentKind,
    label: String(r.label ?? ""),
    version: String(r.version),
    description: String(r.description ?? ""),
    capabilities: (r.capabilities as string[]) ?? [],
    capacity: Number(r.capacity),
    status: r.status as AgentRow["status"],
    mode: (r.mode as AgentRow["mode"]) ?? null,
    endpoint: (r.endpoint as string | null) ?? null,
    signingSecret: (r.signing_secret as string | null) ?? null,
    heartbeatTtlMs: Number(r.heartbeat_ttl_ms),
    lastHeartbeatAt: toIso(r.last_heartbeat_at),
    heartbeat: r.heartbeat ?? null,
    card: r.card ?? null,
    metadata: (r.metadata as Record<string, unknown>) ?? {},
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
  };
}

/** The lease owner of a session an external agent holds: the agent itself, not a node. */
export const leaseOwner = (agentId: string) => `agent:${agentId}`;

/** Status as it reads now: an external agent whose heartbeat is older than its TTL is offline. */
export function effectiveStatus(a: AgentRow, now: number): AgentRow["status"] {
  if (a.heartbeatTtlMs <= 0 || a.status === "offline") return a.status;
  const last = a.lastHeartbeatAt ? Date.parse(a.lastHeartbeatAt) : Date.parse(a.createdAt);
  return now - last > a.heartbeatTtlMs ? "offline" : a.status;
}

const hash = (token: string) => createHash("sha256").update(token).digest();

/** Agent tokens are 32 random bytes; only their SHA-256 is kept, and compared in constant time. */
export function newToken(): { token: string; hash: string } {
  const token = `eat_${randomBytes(32).toString("base64url")}`;
  return { token, hash: hash(token).toString("hex") };
}
export const newSecret = () => `eas_${randomBytes(32).toString("base64url")}`;

export function tokenMatches(stored: string | null, presented: string): boolean {
  if (!stored) return false;
  const a = Buffer.from(stored, "hex");
  const b = hash(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Built-in agents get ids derived from their names, so every node of a cluster upserts the same rows. */
export function internalId(name: string): string {
  const h = createHash("sha256").update(`internal-agent:${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface Builtin {
  name: string;
  kind: "opencode" | "scripted";
  label: string;
  description: string;
  capabilities: string[];
  capacity: number;
}

/** Upsert the agents this server runs itself; built-ins it no longer has go offline. */
export async function syncBuiltins(db: Db, list: Builtin[], now: Date): Promise<void> {
  const at = now.toISOString();
  await db.tx(async (tx) => {
    for (const b of list) {
      await tx.rows(sql`
        insert into agents (id, tenant_id, name, kind, label, description, capabilities, capacity, status,
                            heartbeat_ttl_ms, created_at, updated_at)
        values (${internalId(b.name)}, null, ${b.name}, ${b.kind}, ${b.label}, ${b.description},
                ${pgArray(b.capabilities)}::text[], ${b.capacity}, 'online', 0, ${at}, ${at})
        on conflict (id) do update set kind = excluded.kind, label = excluded.label,
          description = excluded.description, capabilities = excluded.capabilities, capacity = excluded.capacity,
          status = 'online', deleted_at = null, updated_at = excluded.updated_at`);
    }
    const ids = list.map((b) => sql`${internalId(b.name)}::uuid`);
    await tx.rows(sql`
      update agents set status = 'offline', updated_at = ${at}
      where tenant_id is null and kind in ('opencode','scripted') and status <> 'offline'
        ${ids.length ? sql`and id not in (${sql.join(ids, sql`, `)})` : sql``}`);
    await tx.notify([["agents"]]);
  });
}

export async function get(q: Q, tenantId: string, id: string): Promise<AgentRow> {
  const rows = await q.rows(sql`
    select * from agents where id = ${id} and (tenant_id = ${tenantId} or tenant_id is null) and deleted_at is null`);
  if (!rows[0]) throw notFound("agent", id);
  return fromRow(rows[0]);
}

/** An agent a session may pin, by name: the tenant's own first, then the built-in ones. */
export async function byName(q: Q, tenantId: string, name: string): Promise<AgentRow> {
  const rows = await q.rows(sql`
    select * from agents where name = ${name} and (tenant_id = ${tenantId} or tenant_id is null) and deleted_at is null
    order by tenant_id nulls last limit 1`);
  if (!rows[0])
    throw new AppError("validation_failed", `body.agent: no agent named ${name} is registered`, {
      issues: [{ path: "body.agent", message: "unknown agent" }],
    });
  return fromRow(rows[0]);
}

/** For agent-token routes: the agent, if the token is its own. Unknown id and wrong token look alike. */
export async function authenticate(q: Q, id: string, token: string | undefined): Promise<AgentRow> {
  const bad = new AppError("unauthorized", "X-Agent-Token is missing or not this agent's token");
  if (!token || !/^[0-9a-f-]{36}$/i.test(id)) throw bad;
  const rows = await q.rows(sql`
    select * from agents where id = ${id} and kind = 'eap' and deleted_at is null`);
  const row = rows[0];
  if (!row || !tokenMatches(row.token_hash as string | null, token)) throw bad;
  return fromRow(row);
}

export async function register(
  db: Db,
  tenantId: string,
  input: z.output<typeof Eap.Register>,
  ttlMs: number,
  now: Date,
): Promise<{ row: AgentRow; token: string; secret: string }> {
  const { token, hash } = newToken();
  const secret = newSecret();
  const row = await insert(db, now, {
    tenantId,
    name: input.name,
    kind: "eap",
    label: `EAP agent (${input.mode})`,
    version: input.version,
    description: input.description,
    capabilities: input.capabilities,
    capacity: input.capacity,
    mode: input.mode,
    endpoint: input.endpoint_url ?? null,
    tokenHash: hash,
    secret,
    ttlMs,
    card: null,
    metadata: input.metadata,
  });
  return { row, token, secret };
}

/** A new registry row, its `registered` history entry and the wake-up, in one statement. */
export async function insert(
  db: Db,
  now: Date,
  a: {
    tenantId: string;
    name: string;
    kind: "eap" | "a2a";
    label: string;
    version: string;
    description: string;
    capabilities: string[];
    capacity: number;
    mode: string | null;
    endpoint: string | null;
    tokenHash: string | null;
    secret: string | null;
    ttlMs: number;
    card: unknown;
    metadata: Record<string, unknown>;
  },
): Promise<AgentRow> {
  const at = now.toISOString();
  try {
    const rows = await db.rows(sql`
      with a as (
        insert into agents (id, tenant_id, name, kind, label, version, description, capabilities, capacity, status,
                            mode, endpoint, token_hash, signing_secret, heartbeat_ttl_ms, last_heartbeat_at,
                            card, metadata, created_at, updated_at)
        values (${randomUUID()}, ${a.tenantId}, ${a.name}, ${a.kind}, ${a.label}, ${a.version},
                ${a.description}, ${pgArray(a.capabilities)}::text[], ${a.capacity}, 'online',
                ${a.mode}, ${a.endpoint}, ${a.tokenHash}, ${a.secret}, ${a.ttlMs}, ${at},
                ${a.card === null ? null : JSON.stringify(a.card)}::jsonb, ${JSON.stringify(a.metadata)}::jsonb, ${at}, ${at})
        returning *),
      e as (insert into agent_events (agent_id, at, type, data)
            select id, ${at}, 'registered', ${JSON.stringify({ version: a.version, mode: a.mode, kind: a.kind })}::jsonb from a)
      select a.*, ${db.wake([["agents"]])} from a`);
    await unblock(db, now);
    return fromRow(rows[0]!);
  } catch (err) {
    if (unique(err))
      throw new AppError("conflict", `body.name: an agent named ${a.name} is already registered`, {
        issues: [{ path: "body.name", message: "taken" }],
      });
    throw err;
  }
}

/** A unique violation, however deep the driver wrapped it. */
function unique(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.code === "23505") return true;
  return false;
}

/** Sessions put aside because no agent fitted are looked at again now, not after their delay. */
export async function unblock(q: Q, now: Date): Promise<void> {
  await q.rows(sql`
    with u as (update sessions set run_after = null
               where status = 'queued' and queue_reason is not null and run_after > ${now.toISOString()} returning id)
    select ${q.wake([["queue"]])} from (select 1 from u limit 1) x`);
}

export async function event(q: Q, agentId: string, type: string, data: object, now: Date): Promise<void> {
  await q.rows(sql`
    insert into agent_events (agent_id, at, type, data) values (${agentId}, ${now.toISOString()}, ${type}, ${JSON.stringify(data)}::jsonb)`);
}

export async function patch(
  db: Db,
  agent: AgentRow,
  p: z.output<typeof AgentPatch>,
  now: Date,
): Promise<AgentRow> {
  const at = now.toISOString();
  const sets = [sql`updated_at = ${at}`];
  if (p.description !== undefined) sets.push(sql`description = ${p.description}`);
  if (p.capabilities) sets.push(sql`capabilities = ${pgArray(p.capabilities)}::text[]`);
  if (p.capacity !== undefined) sets.push(sql`capacity = ${p.capacity}`);
  if (p.status) sets.push(sql`status = ${p.status}`);
  const rows = await db.rows(sql`
    update agents set ${sql.join(sets, sql`, `)} where id = ${agent.id} returning *, ${db.wake([["agents"]])}`);
  if (p.status && p.status !== agent.status)
    await event(db, agent.id, "status", { from: agent.status, to: p.status }, now);
  await unblock(db, now);
  return fromRow(rows[0]!);
}

export async function rotate(db: Db, agent: AgentRow, now: Date): Promise<{ token: string; secret: string }> {
  const { token, hash } = newToken();
  const secret = newSecret();
  await db.rows(sql`
    update agents set token_hash = ${hash}, signing_secret = ${secret}, updated_at = ${now.toISOString()}
    where id = ${agent.id}`);
  await event(db, agent.id, "token_rotated", {}, now);
  return { token, secret };
}
