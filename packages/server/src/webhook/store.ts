import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { z } from "zod";
import type {
  CreateWebhook,
  Delivery,
  DeliveryQuery,
  UpdateWebhook,
  Webhook,
  WebhookEvent,
} from "@orchestrator/sdk";
import type { Config } from "../config.ts";
import type { Q } from "../db/db.ts";
import { notFound } from "../error.ts";
import * as Guard from "../net/guard.ts";
import { pgArray } from "../session/store.ts";
import { toIso } from "../time.ts";

/** The SSRF guard for webhook URLs: the agents' guard, with the webhooks' own allowlist. */
export const guard = (config: Config, url: string, field: string) =>
  Guard.check(url, Guard.allowlist(config.webhooks.allowHosts), field, "webhooks.allowHosts");

/** `whsec_` and 32 random bytes: the receiver's HMAC key. Kept in clear (it must sign), shown once. */
const newSecret = () => `whsec_${randomBytes(32).toString("base64url")}`;

// The newest delivery and the failures of the last day, for the list and the Control Room.
const columns = (now: Date) => sql`
  w.id, w.url, w.description, w.events, w.active, w.created_at, w.updated_at,
  l.event as last_event, l.status as last_state, l.last_status as last_code, l.created_at as last_at,
  (select count(*)::int from webhook_deliveries f
   where f.webhook_id = w.id and f.status = 'failed'
     and f.updated_at > ${now.toISOString()}::timestamptz - interval '24 hours') as failed`;
const newest = sql`
  left join lateral (select event, status, last_status, created_at from webhook_deliveries d
                     where d.webhook_id = w.id order by d.created_at desc limit 1) l on true`;

/**
 * Register a webhook. Its URL passes the SSRF guard now (and again before every attempt, as DNS may
 * change). It hears events from now on: its cursor starts at the tenant's log head.
 */
export async function create(
  q: Q,
  config: Config,
  tenantId: string,
  input: z.output<typeof CreateWebhook>,
  now: Date,
): Promise<{ webhook: Webhook; secret: string }> {
  await guard(config, input.url, "body.url");
  const id = randomUUID();
  const secret = newSecret();
  await q.rows(sql`
    insert into webhooks (id, tenant_id, url, description, events, active, secret, cursor, created_at, updated_at)
    select ${id}, ${tenantId}, ${input.url}, ${input.description}, ${pgArray(input.events)}::text[],
      ${input.active}, ${secret}, event_head, ${now.toISOString()}, ${now.toISOString()}
    from tenants where id = ${tenantId}`);
  return { webhook: await get(q, tenantId, id, now), secret };
}

export async function list(q: Q, tenantId: string, now: Date): Promise<Webhook[]> {
  const rows = await q.rows(sql`
    select ${columns(now)} from webhooks w ${newest}
    where w.tenant_id = ${tenantId} order by w.created_at`);
  return rows.map(toWebhook);
}

export async function get(q: Q, tenantId: string, id: string, now: Date): Promise<Webhook> {
  const rows = await q.rows(sql`
    select ${columns(now)} from webhooks w ${newest}
    where w.tenant_id = ${tenantId} and w.id = ${id}`);
  if (!rows[0]) throw notFound("webhook", id);
  return toWebhook(rows[0]);
}

/**
 * Change a webhook. A new URL passes the guard. Turned back on, it starts from the log's head: what
 * happened while it was off is not sent (deliveries already queued then still are).
 */
export async function update(
  q: Q,
  config: Config,
  tenantId: string,
  id: string,
  patch: z.output<typeof UpdateWebhook>,
  now: Date,
): Promise<Webhook> {
  if (patch.url !== undefined) await guard(config, patch.url, "body.url");
  const sets = [sql`updated_at = ${now.toISOString()}`];
  if (patch.url !== undefined) sets.push(sql`url = ${patch.url}`);
  if (patch.description !== undefined) sets.push(sql`description = ${patch.description}`);
  if (patch.events !== undefined) sets.push(sql`events = ${pgArray(patch.events)}::text[]`);
  if (patch.active !== undefined)
    sets.push(
      sql`active = ${patch.active}`,
      sql`cursor = case when not w.active and ${patch.active}
      then (select event_head from tenants t where t.id = w.tenant_id) else w.cursor end`,
    );
  const rows = await q.rows(sql`
    update webhooks w set ${sql.join(sets, sql`, `)}
    where w.tenant_id = ${tenantId} and w.id = ${id} returning w.id`);
  if (!rows[0]) throw notFound("webhook", id);
  return get(q, tenantId, id, now);
}

/** Remove a webhook and its deliveries; one in flight finishes, and its outcome is not recorded. */
export async function remove(q: Q, tenantId: string, id: string): Promise<void> {
  const rows = await q.rows(sql`
    delete from webhooks where tenant_id = ${tenantId} and id = ${id} returning id`);
  if (!rows[0]) throw notFound("webhook", id);
}

/** A new signing secret; the old one signs nothing from now on (an attempt in flight keeps its signature). */
export async function rotate(
  q: Q,
  tenantId: string,
  id: string,
  now: Date,
): Promise<{ webhook: Webhook; secret: string }> {
  const secret = newSecret();
  const rows = await q.rows(sql`
    update webhooks set secret = ${secret}, updated_at = ${now.toISOString()}
    where tenant_id = ${tenantId} and id = ${id} returning id`);
  if (!rows[0]) throw notFound("webhook", id);
  return { webhook: await get(q, tenantId, id, now), secret };
}

/** A webhook's deliveries, newest first. */
export async function deliveries(
  q: Q,
  tenantId: string,
  id: string,
  query: z.output<typeof DeliveryQuery>,
): Promise<Delivery[]> {
  const hook = await q.rows(sql`select id from webhooks where tenant_id = ${tenantId} and id = ${id}`);
  if (!hook[0]) throw notFound("webhook", id);
  const rows = await q.rows(sql`
    select * from webhook_deliveries where webhook_id = ${id}
      ${query.status ? sql`and status = ${query.status}` : sql``}
    order by created_at desc, event_id desc nulls first limit ${query.limit}`);
  return rows.map(toDelivery);
}

function toWebhook(r: Record<string, unknown>): Webhook {
  return {
    id: String(r.id),
    url: String(r.url),
    description: String(r.description),
    events: r.events as WebhookEvent[],
    active: Boolean(r.active),
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
    last: r.last_event
      ? {
          event: String(r.last_event),
          status: r.last_state as Delivery["status"],
          lastStatus: r.last_code === null ? null : Number(r.last_code),
          createdAt: toIso(r.last_at)!,
        }
      : null,
    failed: Number(r.failed ?? 0),
  };
}

export function toDelivery(r: Record<string, unknown>): Delivery {
  const status = r.status as Delivery["status"];
  return {
    id: String(r.id),
    webhookId: String(r.webhook_id),
    event: String(r.event),
    eventId: r.event_id === null || r.event_id === undefined ? null : Number(r.event_id),
    status,
    attempt: Number(r.attempt),
    maxAttempts: Number(r.max_attempts),
    nextAt: status === "pending" ? toIso(r.next_at) : null,
    lastStatus: r.last_status === null || r.last_status === undefined ? null : Number(r.last_status),
    lastError: r.last_error === null || r.last_error === undefined ? null : String(r.last_error),
    deliveredAt: toIso(r.delivered_at),
    createdAt: toIso(r.created_at)!,
    payload: r.payload,
  };
}
