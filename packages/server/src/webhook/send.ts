import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { type Delivery, eventHeader, eventIdHeader, signatureHeader } from "@orchestrator/sdk";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/db.ts";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { notFound } from "../error.ts";
import { backoff, ping as pingBody, signature } from "./payload.ts";
import { guard, toDelivery } from "./store.ts";

export interface Ctx {
  db: Db;
  config: Config;
  clock: Clock;
  log: Log;
  metrics: Metrics;
}

/** A delivery this node holds the lease of, for its attempt number `attempt`, with where and how to sign. */
export interface Claimed {
  id: string;
  webhookId: string;
  event: string;
  payload: unknown;
  attempt: number;
  url: string;
  secret: string;
}

/** How long a claim holds a delivery: past the call's timeout, so a live sender never loses it mid-call. */
export const leaseMs = (config: Config) => config.webhooks.timeoutMs + 5_000;

export const fromRow = (r: Record<string, unknown>): Claimed => ({
  id: String(r.id),
  webhookId: String(r.webhook_id),
  event: String(r.event),
  payload: r.payload,
  attempt: Number(r.attempt),
  url: String(r.url),
  secret: String(r.secret),
});

/**
 * One attempt: the URL through the SSRF guard again (DNS may have changed since registration), a signed
 * POST with a timeout and no redirects (a redirect could lead past the guard), then the outcome written
 * under the attempt's number. `stop` aborting (shutdown) hands the delivery back without spending the
 * attempt. Neither the URL (it may hold a token) nor the secret is logged. Never throws.
 */
export async function attempt(ctx: Ctx, d: Claimed, stop?: AbortSignal): Promise<Delivery | null> {
  const body = JSON.stringify(d.payload);
  let code: number | null = null;
  let error: string | null = null;
  try {
    await guard(ctx.config, d.url, "url");
    const ts = Math.floor(ctx.clock.now().getTime() / 1000);
    const timeout = AbortSignal.timeout(ctx.config.webhooks.timeoutMs);
    const res = await fetch(d.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "IndustrialOrchestrator-Webhook/1",
        [eventHeader]: d.event,
        [eventIdHeader]: d.id,
        "x-orchestrator-attempt": String(d.attempt),
        [signatureHeader]: signature(d.secret, ts, body),
      },
      body,
      redirect: "error",
      signal: stop ? AbortSignal.any([timeout, stop]) : timeout,
    });
    code = res.status;
    // The answer's body is not read: a receiver could send anything, of any size.
    await res.body?.cancel().catch(() => {}); // a body that fails while discarded changes nothing
    if (!res.ok) error = `HTTP ${res.status}`;
  } catch (err) {
    if (stop?.aborted) return release(ctx, d);
    error = reason(err);
  }
  return record(ctx, d, code, error).catch((err) => {
    ctx.log.error({ err, delivery: d.id, webhook: d.webhookId }, "recording a webhook delivery failed");
    return null;
  });
}

/** A message for people: the guard's refusal, a timeout, or the network's error code. */
function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === "TimeoutError") return "timed out";
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message;
  return (why ? `${err.message}: ${why}` : err.message).slice(0, 500);
}

/**
 * The outcome of attempt `attempt`: delivered, due again after the backoff, or failed when attempts are
 * spent. Guarded by the attempt number: a node whose lease ran out and was overtaken writes nothing.
 */
async function record(ctx: Ctx, d: Claimed, code: number | null, error: string | null) {
  const now = ctx.clock.now();
  const w = ctx.config.webhooks;
  const next = new Date(now.getTime() + backoff(d.attempt, w.retryBaseMs, w.retryCapMs));
  const rows = await ctx.db.rows(sql`
    update webhook_deliveries set
      status = case when ${error === null} then 'delivered'
                    when attempt >= max_attempts then 'failed' else 'pending' end,
      delivered_at = case when ${error === null} then ${now.toISOString()}::timestamptz end,
      next_at = case when ${error === null} then next_at else ${next.toISOString()}::timestamptz end,
      last_status = ${code}, last_error = ${error}, lease_until = null, updated_at = ${now.toISOString()}
    where id = ${d.id} and attempt = ${d.attempt} and status = 'pending'
    returning *`);
  const row = rows[0];
  if (!row) return null;
  const out = toDelivery(row);
  ctx.metrics.webhooks.inc({ result: out.status === "pending" ? "retry" : out.status });
  if (out.status === "failed")
    ctx.log.warn({ delivery: d.id, webhook: d.webhookId, error }, "webhook delivery gave up");
  else if (error) ctx.log.info({ delivery: d.id, webhook: d.webhookId, error }, "webhook attempt failed");
  return out;
}

/** Shutdown cut the call short: the attempt does not count, and any node may send it at once. */
async function release(ctx: Ctx, d: Claimed): Promise<null> {
  await ctx.db
    .rows(
      sql`
      update webhook_deliveries set attempt = attempt - 1, lease_until = null
      where id = ${d.id} and attempt = ${d.attempt} and status = 'pending'`,
    )
    .catch((err) =>
      // The lease runs out by itself; the attempt is then counted, which only shortens the retries.
      ctx.log.warn({ err, delivery: d.id }, "handing back a webhook delivery at shutdown failed"),
    );
  return null;
}

/**
 * A test delivery, sent now from the request that asks (active or not, whatever it subscribes to): one
 * attempt, recorded among the webhook's deliveries, and its outcome returned.
 */
export async function ping(ctx: Ctx, tenantId: string, webhookId: string): Promise<Delivery> {
  const [hook] = await ctx.db.rows(sql`
    select url, secret from webhooks where tenant_id = ${tenantId} and id = ${webhookId}`);
  if (!hook) throw notFound("webhook", webhookId);
  const now = ctx.clock.now();
  const id = randomUUID();
  const payload = { id, ...pingBody(webhookId, now) };
  const until = new Date(now.getTime() + leaseMs(ctx.config)).toISOString();
  const [row] = await ctx.db.rows(sql`
    insert into webhook_deliveries (id, tenant_id, webhook_id, event, payload, status, attempt, max_attempts,
      next_at, lease_until, created_at, updated_at)
    values (${id}, ${tenantId}, ${webhookId}, 'ping', ${JSON.stringify(payload)}::jsonb, 'pending', 1, 1,
      ${now.toISOString()}, ${until}, ${now.toISOString()}, ${now.toISOString()})
    returning *`);
  const claimed = fromRow({ ...row, url: hook.url, secret: hook.secret });
  const done = await attempt(ctx, claimed);
  if (done) return done;
  // Not recorded (the webhook was removed meanwhile): what the row says now, or 404.
  const [after] = await ctx.db.rows(sql`select * from webhook_deliveries where id = ${id}`);
  if (!after) throw notFound("webhook", webhookId);
  return toDelivery(after);
}
