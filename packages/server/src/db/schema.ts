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

const statuses = `'pending','queued','running','paused','degraded','waiting','completed','partially_completed','failed','timeout','stopped','cancelled','orphaned'`;

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
    projectId: uuid("project_id"),
    /** The OpenCode agent profile (model, permissions) a coding session runs with. */
    profile: text("profile"),
    /** Tokens and cost the agent reported, summed over every attempt. */
    usage: jsonb("usage").notNull().default({ input: 0, output: 0, reasoning: 0, cost: 0 }),
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
    check("sessions_lease", sql`(status in ('running','degraded','waiting')) = (lease_owner is not null)`),
    // The claim query walks this partial index in priority order.
    index("sessions_queue")
      .on(t.priority, t.createdAt)
      .where(sql`status = 'queued' and deleted_at is null`),
    index("sessions_leased")
      .on(t.leaseExpiresAt)
      .where(sql`status in ('running','degraded','waiting')`),
    index("sessions_tenant_created").on(t.tenantId, t.createdAt),
    index("sessions_parent").on(t.parentId),
    index("sessions_tags").using("gin", t.tags),
  ],
);

export const projects = pgTable(
  "projects",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    /** The repository's real path (symlinks resolved), checked against the allowed roots. */
    path: text("path").notNull(),
    baseBranch: text("base_branch").notNull(),
    /** A shell command run in each new worktree before the agent starts (install dependencies…). */
    setup: text("setup"),
    copyFiles: text("copy_files")
      .array()
      .notNull()
      .default(sql`'{}'`),
    /** Worktrees of ended sessions are removed this long after they end; their branches stay. */
    retentionHours: integer("retention_hours").notNull(),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [unique("projects_name").on(t.tenantId, t.name)],
);

/** Requests from an agent that wait for a person: a permission to use a tool, or a question. */
export const approvals = pgTable(
  "approvals",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    sessionId: uuid("session_id")
      .notNull()
      .references(() => sessions.id),
    kind: text("kind").notNull(),
    status: text("status").notNull(),
    request: jsonb("request").notNull(),
    answer: jsonb("answer"),
    /** Who answered: a key name, or "policy" when the timeout answered. */
    answeredBy: text("answered_by"),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    answeredAt: ts("answered_at"),
  },
  (t) => [
    check("approvals_kind", sql`kind in ('permission','question')`),
    check("approvals_status", sql`status in ('pending','answered','expired','withdrawn')`),
    index("approvals_session").on(t.sessionId, t.createdAt),
    index("approvals_pending")
      .on(t.tenantId, t.createdAt)
      .where(sql`status = 'pending'`),
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
