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
  unique,
  uniqueIndex,
  uuid,
  doublePrecision,
} from "drizzle-orm/pg-core";
import { ts } from "./columns.ts";
import { checks } from "../session/status.ts";

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
    /** The agent routing gave the current (or last) attempt to. */
    agentId: uuid("agent_id"),
    /** Routing hints: preferred agents (ids or names) and origin (internal or external). */
    routing: jsonb("routing").notNull().default({}),
    /** Why a queued session is not running yet (no fitting agent…); null once routed. */
    queueReason: text("queue_reason"),
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
    /** When a person marked the ended session reviewed (the attention queue); a retry clears it. */
    reviewedAt: ts("reviewed_at"),
    /** The plan this session runs a task of (plan/), with the task and which of its attempts. */
    planId: uuid("plan_id"),
    taskId: uuid("task_id"),
    taskAttempt: integer("task_attempt"),
  },
  (t) => [
    // Generated from the SDK's status lists (session/status.ts); the text is what the migrations hold.
    check("sessions_status", sql.raw(checks.status)),
    check("sessions_lease", sql.raw(checks.lease)),
    // The claim query walks this partial index in priority order.
    index("sessions_queue")
      .on(t.priority, t.createdAt)
      .where(sql`status = 'queued' and deleted_at is null`),
    index("sessions_leased").on(t.leaseExpiresAt).where(sql.raw(checks.leased)),
    index("sessions_tenant_created").on(t.tenantId, t.createdAt),
    // An agent's load is the count of live leases it holds: read at every claim.
    index("sessions_agent_leased").on(t.agentId).where(sql.raw(checks.leased)),
    index("sessions_parent").on(t.parentId),
    // The overview's per-minute activity reads the last hour of starts and ends; the attention queue
    // reads the newest ends.
    index("sessions_tenant_started").on(t.tenantId, t.startedAt),
    index("sessions_tenant_ended").on(t.tenantId, t.endedAt),
    index("sessions_tags").using("gin", t.tags),
    // Exactly one session per (task, attempt): a scheduler that runs twice (two nodes, a restart
    // replaying a decision) cannot launch a task twice.
    uniqueIndex("sessions_task_attempt")
      .on(t.taskId, t.taskAttempt)
      .where(sql`task_id is not null`),
    index("sessions_plan").on(t.planId),
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
    /** Where branches are pushed and pull requests opened (sdk Remote without `token`), or null. */
    remote: jsonb("remote"),
    /** The remote's token, write-only through the API: used for git push and the forge API, never returned. */
    remoteToken: text("remote_token"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [unique("projects_name").on(t.tenantId, t.name)],
);

/**
 * Which tenant a repository belongs to: at most one (docs/decisions/0009). Claimed by the first project or
 * ad-hoc workspace of a tenant on it and kept after (its session branches live in it). `path` is canonical:
 * the real path of the git top level. The key stops two claims of one path; claims of nested paths are
 * serialised by a table lock (tenant/repos.ts).
 */
export const repositories = pgTable(
  "repositories",
  {
    path: text("path").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [index("repositories_tenant").on(t.tenantId)],
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
    /** The session whose log this entry is in; null for a plan's own entries (then `plan_id` is set). */
    sessionId: uuid("session_id").references(() => sessions.id),
    /** A plan's own log (plan/events.ts): its state and its tasks' states, in the same id order. */
    planId: uuid("plan_id"),
    seq: integer("seq").notNull(),
    type: text("type").notNull(),
    at: ts("at").notNull(),
    data: jsonb("data").notNull().default({}),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique("session_events_seq").on(t.sessionId, t.seq),
    check("session_events_log", sql`(session_id is null) <> (plan_id is null)`),
    uniqueIndex("session_events_plan_seq")
      .on(t.planId, t.seq)
      .where(sql`plan_id is not null`),
  ],
);

/**
 * Every agent of every kind. Internal ones (OpenCode profiles, the scripted double) have no tenant and are
 * offered to all; EAP and A2A agents belong to the tenant that registered them.
 */
export const agents = pgTable(
  "agents",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id").references(() => tenants.id),
    name: text("name").notNull(),
    kind: text("kind").notNull(),
    label: text("label").notNull().default(""),
    version: text("version").notNull().default("1.0.0"),
    description: text("description").notNull().default(""),
    capabilities: text("capabilities").array().notNull(),
    capacity: integer("capacity").notNull(),
    /** As last set (registration, heartbeat, drain); a heartbeat older than the TTL reads as offline. */
    status: text("status").notNull(),
    mode: text("mode"),
    endpoint: text("endpoint"),
    /** sha256 of the agent's token; the token itself is shown once. */
    tokenHash: text("token_hash"),
    /** Signs pushed assignments (HMAC); the agent got it once at registration. */
    signingSecret: text("signing_secret"),
    heartbeatTtlMs: integer("heartbeat_ttl_ms").notNull(),
    lastHeartbeatAt: ts("last_heartbeat_at"),
    heartbeat: jsonb("heartbeat"),
    card: jsonb("card"),
    metadata: jsonb("metadata").notNull().default({}),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    deletedAt: ts("deleted_at"),
  },
  (t) => [
    check("agents_kind", sql`kind in ('opencode','scripted','eap','a2a')`),
    check("agents_status", sql`status in ('online','degraded','draining','offline')`),
    uniqueIndex("agents_name")
      .on(t.tenantId, t.name)
      .where(sql`deleted_at is null`),
  ],
);

/** An agent's own history: heartbeats, status and breaker changes, token rotations (diagnostics). */
export const agentEvents = pgTable(
  "agent_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    agentId: uuid("agent_id")
      .notNull()
      .references(() => agents.id),
    at: ts("at").notNull(),
    type: text("type").notNull(),
    data: jsonb("data").notNull().default({}),
  },
  (t) => [index("agent_events_agent").on(t.agentId, t.type, t.at)],
);

/**
 * One row per attempt of a session: which agent had it and how it ended. Agents' measured performance,
 * breakers and tiers are derived from these rows; `ended_by = 'agent'` marks a result the agent reported.
 */
export const attempts = pgTable(
  "attempts",
  {
    sessionId: uuid("session_id")
      .notNull()
      .references(() => sessions.id),
    /** The session's `retries` when the attempt ran: a retried session counts its attempts from 1 again. */
    round: integer("round").notNull(),
    attempt: integer("attempt").notNull(),
    tenantId: uuid("tenant_id").notNull(),
    agentId: uuid("agent_id").references(() => agents.id),
    type: text("type").notNull(),
    capabilities: text("capabilities").array().notNull(),
    startedAt: ts("started_at").notNull(),
    /** An external agent took the task (202 to a push, or the task left the long-poll or stream). */
    ackedAt: ts("acked_at"),
    endedAt: ts("ended_at"),
    outcome: text("outcome"),
    errorCode: text("error_code"),
    endedBy: text("ended_by"),
    /** The session's summed usage when the attempt started, so the attempt's own share can be taken. */
    tokensAtStart: bigint("tokens_at_start", { mode: "number" }).notNull().default(0),
    costAtStart: doublePrecision("cost_at_start").notNull().default(0),
    tokens: bigint("tokens", { mode: "number" }),
    cost: doublePrecision("cost"),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.round, t.attempt] }),
    check("attempts_outcome", sql`outcome in ('completed','partial','failed','cancelled','released')`),
    index("attempts_agent_ended").on(t.agentId, t.endedAt),
  ],
);

/**
 * A2A push-notification configs: where to POST a task's updates (CreateTaskPushNotificationConfig).
 * The task is the session; delivery follows the session's log, so it survives a restart.
 */
export const a2aPush = pgTable(
  "a2a_push",
  {
    tenantId: uuid("tenant_id").notNull(),
    sessionId: uuid("session_id")
      .notNull()
      .references(() => sessions.id),
    id: text("id").notNull(),
    url: text("url").notNull(),
    token: text("token").notNull().default(""),
    /** { scheme, credentials }: sent as the Authorization header of each notification. */
    auth: jsonb("auth"),
    /** The last session event delivered (per-session seq). */
    sentSeq: integer("sent_seq").notNull().default(0),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.id] })],
);

export * from "./plans.ts";
export * from "./contexts.ts";
export * from "./work.ts";
export * from "./talk.ts";
export * from "./land.ts";
export * from "./webhooks.ts";
