import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const tenants = pgTable("tenants", {
  id: uuid("id").primaryKey(),
  name: text("name").notNull().unique(),
  /** Last event id handed out for this tenant; bumped under the row lock (see event/log.ts). */
  eventHead: bigint("event_head", { mode: "number" }).notNull().default(0),
  createdAt: ts("created_at").notNull().defaultNow(),
});

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    /** Public part of the key, used to find the row; the secret part is only stored hashed. */
    prefix: text("prefix").notNull().unique(),
    hash: text("hash").notNull(),
    role: text("role").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
    lastUsedAt: ts("last_used_at"),
    revokedAt: ts("revoked_at"),
  },
  (t) => [index("api_keys_tenant").on(t.tenantId)],
);

const statuses = `'pending','queued','running','paused','degraded','completed','partially_completed','failed','timeout','stopped','cancelled','orphaned'`;

export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    title: text("title").notNull(),
    prompt: text("prompt").notNull(),
    type: text("type").notNull(),
    priority: smallint("priority").notNull(),
    status: text("status").notNull(),
    capabilities: text("capabilities")
      .array()
      .notNull()
      .default(sql`'{}'`),
    agent: text("agent"),
    workspace: jsonb("workspace"),
    maxDurationSec: integer("max_duration_sec").notNull(),
    maxAttempts: integer("max_attempts").notNull(),
    attempt: integer("attempt").notNull().default(0),
    retries: integer("retries").notNull().default(0),
    tags: text("tags")
      .array()
      .notNull()
      .default(sql`'{}'`),
    metadata: jsonb("metadata").notNull().default({}),
    parentId: uuid("parent_id"),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: ts("lease_expires_at"),
    /** Lease generation: bumped on every claim and on every move out of a leased state. */
    fence: bigint("fence", { mode: "number" }).notNull().default(0),
    runAfter: ts("run_after"),
    deadline: ts("deadline"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    startedAt: ts("started_at"),
    endedAt: ts("ended_at"),
    result: jsonb("result"),
    error: jsonb("error"),
    checkpoint: jsonb("checkpoint"),
    lastSeq: integer("last_seq").notNull().default(0),
    deletedAt: ts("deleted_at"),
  },
  (t) => [
    check("sessions_status", sql.raw(`status in (${statuses})`)),
    check("sessions_lease", sql`(status in ('running','degraded')) = (lease_owner is not null)`),
    // The claim query walks this partial index in priority order.
    index("sessions_queue")
      .on(t.priority, t.createdAt)
      .where(sql`status = 'queued' and deleted_at is null`),
    index("sessions_leased")
      .on(t.leaseExpiresAt)
      .where(sql`status in ('running','degraded')`),
    index("sessions_tenant_created").on(t.tenantId, t.createdAt),
    index("sessions_parent").on(t.parentId),
    index("sessions_tags").using("gin", t.tags),
  ],
);

export const sessionEvents = pgTable(
  "session_events",
  {
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    id: bigint("id", { mode: "number" }).notNull(),
    sessionId: uuid("session_id")
      .notNull()
      .references(() => sessions.id),
    seq: integer("seq").notNull(),
    type: text("type").notNull(),
    at: ts("at").notNull(),
    data: jsonb("data").notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), unique("session_events_seq").on(t.sessionId, t.seq)],
);
