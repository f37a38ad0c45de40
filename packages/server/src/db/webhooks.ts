import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { ts } from "./columns.ts";
import { tenants } from "./schema.ts";

/**
 * Outbound webhooks (webhook/): where a tenant wants its events POSTed. `cursor` is the last id of the
 * tenant's event log this webhook has been matched against: the log's ids commit in order with no holes
 * (event/log.ts), so reading past the cursor never misses an event, and moving the cursor in the
 * transaction that queues the deliveries makes fan-out exactly once, across crashes and nodes.
 */
export const webhooks = pgTable(
  "webhooks",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    events: text("events").array().notNull(),
    active: boolean("active").notNull().default(true),
    /** Signs every delivery (HMAC); shown once at creation or rotation, never logged or returned again. */
    secret: text("secret").notNull(),
    cursor: bigint("cursor", { mode: "number" }).notNull(),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [index("webhooks_tenant").on(t.tenantId, t.createdAt)],
);

/**
 * One event to one webhook, and how sending it went. The worker claims due rows with `skip locked` and
 * holds them by `lease_until` while it calls; every write of an attempt's outcome names that attempt, so
 * a node that lost its lease cannot overwrite a newer attempt's.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id").notNull(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    /** The log entry it came from; null for a test ping. */
    eventId: bigint("event_id", { mode: "number" }),
    payload: jsonb("payload").notNull(),
    status: text("status").notNull(),
    attempt: integer("attempt").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    nextAt: ts("next_at").notNull(),
    leaseUntil: ts("lease_until"),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    deliveredAt: ts("delivered_at"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    check("webhook_deliveries_status", sql`status in ('pending','delivered','failed')`),
    // A fan-out that ran twice for one event (it cannot, but a bug would) sends it once.
    unique("webhook_deliveries_event").on(t.webhookId, t.eventId),
    // The worker's claim walks the due rows only.
    index("webhook_deliveries_due")
      .on(t.nextAt)
      .where(sql`status = 'pending'`),
    index("webhook_deliveries_webhook").on(t.webhookId, t.createdAt),
  ],
);
