import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { WebhookEvent } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { toIso } from "../time.ts";
import { type Entry, make, sources } from "./payload.ts";
import { type Claimed, type Ctx, attempt, fromRow, leaseMs } from "./send.ts";

/**
 * The node's webhook worker. Each pass (every `pollMs`, and whenever the tenant's log grows) first turns
 * new log entries into deliveries (fan-out), then claims the deliveries that are due and sends them, at
 * most `concurrency` at once. Every node runs one; `skip locked` and the delivery lease keep two nodes
 * from fanning out one webhook or sending one delivery at the same time.
 */
export interface Worker {
  /** Run a pass soon (a test ping, or a change of a webhook). */
  wake(): void;
  /** Stop claiming; let calls in flight finish for a grace, then hand the rest back. */
  stop(): Promise<void>;
}

/** `base`: where people open the Control Room, for links in the payloads (known once the server listens). */
export async function start(ctx: Ctx & { base: () => string | null; graceMs: number }): Promise<Worker> {
  const { db, config, log } = ctx;
  const inflight = new Set<Promise<unknown>>();
  const abort = new AbortController();
  let running = false;
  let again = false;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();

  // Tenants with an active webhook: only their log's growth wakes a pass (agents' text streams in pieces).
  let hot = new Set<string>();
  const pass = async () => {
    const tenants = await db.rows<{ tenant_id: string }>(
      sql`select distinct tenant_id from webhooks where active`,
    );
    hot = new Set(tenants.map((t) => String(t.tenant_id)));
    await fanOut(ctx, ctx.base());
    const free = config.webhooks.concurrency - inflight.size;
    if (free <= 0 || stopped) return;
    for (const d of await claim(ctx, free)) {
      const p: Promise<unknown> = attempt(ctx, d, abort.signal).finally(() => {
        inflight.delete(p);
        tick(); // a slot is free: anything else due goes now
      });
      inflight.add(p);
    }
  };
  // One pass at a time per node; a wake-up during a pass runs one more after it.
  const tick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    current = pass()
      .catch((err) => log.error({ err }, "webhook pass failed"))
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          tick();
        }
      });
  };
  const timer = setInterval(tick, config.webhooks.pollMs);
  timer.unref();
  // Old outcomes go once an hour, so the table holds recent history, not every event ever sent.
  const prune = () =>
    void forget(ctx).catch((err) => log.warn({ err }, "pruning old webhook deliveries failed"));
  const pruning = setInterval(prune, 60 * 60_000);
  pruning.unref();
  prune();
  // Every append to a tenant's log notifies `events` with the tenant ("" when the payload overflowed); the
  // poll is the net under a lost notification, and finds new webhooks' tenants.
  const unlisten = await db.listen("events", (tenant) => {
    if (tenant === "" || hot.has(tenant)) tick();
  });
  tick();

  return {
    wake: tick,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      clearInterval(pruning);
      await unlisten().catch((err) => log.warn({ err }, "webhook worker: unlisten failed"));
      // A pass under way may still claim: what it starts is in flight once it has finished.
      await current;
      const settled = Promise.allSettled([...inflight]);
      const grace = new Promise<void>((r) => setTimeout(r, ctx.graceMs).unref());
      await Promise.race([settled, grace]);
      abort.abort();
      await settled;
    },
  };
}

/** Webhooks behind their tenant's log head, a batch per pass. */
async function behind(q: Q, limit: number): Promise<string[]> {
  const rows = await q.rows<{ id: string }>(sql`
    select w.id from webhooks w join tenants t on t.id = w.tenant_id
    where w.active and w.cursor < t.event_head order by w.updated_at limit ${limit}`);
  return rows.map((r) => String(r.id));
}

const batch = 500;

/** Turn new log entries into deliveries, a webhook at a time, each in its own transaction. */
export async function fanOut(ctx: Ctx, base: string | null): Promise<number> {
  let queued = 0;
  for (const id of await behind(ctx.db, 50)) queued += await ctx.db.tx((tx) => fanOne(tx, ctx, id, base));
  return queued;
}

/**
 * One webhook's share of the log since its cursor: lock the webhook (`skip locked`: a peer doing it now
 * keeps it), read the head first and then the entries up to it (ids up to a head that is visible have
 * all committed, event/log.ts), queue a delivery per entry it wants, and move the cursor, all in one
 * transaction: a crash before the commit leaves the cursor where it was, so nothing is lost or doubled.
 */
async function fanOne(tx: Q, ctx: Ctx, id: string, base: string | null): Promise<number> {
  const [hook] = await tx.rows(sql`
    select id, tenant_id, events, cursor from webhooks where id = ${id} and active
    for update skip locked`);
  if (!hook) return 0;
  const tenantId = String(hook.tenant_id);
  const cursor = Number(hook.cursor);
  const [head] = await tx.rows<{ event_head: number }>(
    sql`select event_head from tenants where id = ${tenantId}`,
  );
  const upto = Number(head?.event_head ?? cursor);
  const rows = await tx.rows(sql`
    select e.id, e.type, e.at, e.data, e.session_id, e.plan_id,
      coalesce(s.title, p.title, '') as title, coalesce(s.status, p.status, '') as status
    from session_events e
      left join sessions s on s.id = e.session_id
      left join plans p on p.id = e.plan_id
    where e.tenant_id = ${tenantId} and e.id > ${cursor} and e.id <= ${upto}
      and e.type in (${sql.join(
        sources.map((s) => sql`${s}`),
        sql`, `,
      )})
    order by e.id limit ${batch}`);
  // A full batch may have more behind it: move only past what was read; otherwise to the head.
  const next = rows.length === batch ? Number(rows.at(-1)!.id) : upto;
  const wanted = new Set(hook.events as WebhookEvent[]);
  const now = ctx.clock.now().toISOString();
  const items = rows.flatMap((r) => {
    const made = make(toEntry(r), base);
    if (!made || !wanted.has(made.event)) return [];
    const deliveryId = randomUUID();
    return [
      { id: deliveryId, event: made.event, eventId: Number(r.id), payload: { id: deliveryId, ...made.body } },
    ];
  });
  if (items.length)
    await tx.rows(sql`
      insert into webhook_deliveries
        (id, tenant_id, webhook_id, event, event_id, payload, status, max_attempts, next_at, created_at, updated_at)
      select x.id, ${tenantId}, ${id}, x.event, x."eventId", x.payload, 'pending',
        ${ctx.config.webhooks.maxAttempts}, ${now}, ${now}, ${now}
      from jsonb_to_recordset(${JSON.stringify(items)}::jsonb) as x(id uuid, event text, "eventId" bigint, payload jsonb)
      on conflict (webhook_id, event_id) do nothing`);
  await tx.rows(sql`update webhooks set cursor = ${next} where id = ${id}`);
  return items.length;
}

function toEntry(r: Record<string, unknown>): Entry {
  return {
    id: Number(r.id),
    type: String(r.type),
    at: toIso(r.at)!,
    data: r.data,
    sessionId: r.session_id ? String(r.session_id) : null,
    planId: r.plan_id ? String(r.plan_id) : null,
    title: String(r.title),
    status: String(r.status),
  };
}

/**
 * Claim up to `n` due deliveries of active webhooks: `skip locked` so peers claiming at the same moment
 * take other rows, then the attempt number goes up and a lease is set in the same statement. A delivery
 * whose sender died mid-call comes back once its lease has run out. Last attempts lost that way are
 * marked failed first.
 */
export async function claim(ctx: Ctx, n: number): Promise<Claimed[]> {
  const now = ctx.clock.now();
  const until = new Date(now.getTime() + leaseMs(ctx.config));
  await ctx.db.rows(sql`
    update webhook_deliveries set status = 'failed', lease_until = null, updated_at = ${now.toISOString()},
      last_error = coalesce(last_error, 'the node sending the last attempt stopped before it finished')
    where status = 'pending' and attempt >= max_attempts and lease_until < ${now.toISOString()}`);
  const rows = await ctx.db.rows(sql`
    with due as (
      select d.id from webhook_deliveries d join webhooks w on w.id = d.webhook_id
      where d.status = 'pending' and d.next_at <= ${now.toISOString()} and d.attempt < d.max_attempts
        and (d.lease_until is null or d.lease_until < ${now.toISOString()}) and w.active
      order by d.next_at limit ${n}
      for update of d skip locked)
    update webhook_deliveries d
    set attempt = d.attempt + 1, lease_until = ${until.toISOString()}, updated_at = ${now.toISOString()}
    from due, webhooks w
    where d.id = due.id and w.id = d.webhook_id
    returning d.id, d.webhook_id, d.event, d.payload, d.attempt, w.url, w.secret`);
  return rows.map(fromRow);
}

/** Delete deliveries that ended more than `retentionDays` ago; pending ones stay whatever their age. */
export async function forget(ctx: Ctx): Promise<number> {
  const before = new Date(ctx.clock.now().getTime() - ctx.config.webhooks.retentionDays * 86_400_000);
  const rows = await ctx.db.rows(sql`
    delete from webhook_deliveries where status <> 'pending' and updated_at < ${before.toISOString()}
    returning id`);
  return rows.length;
}
