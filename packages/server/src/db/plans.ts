import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { list, ts } from "./columns.ts";
import { Plan } from "@orchestrator/sdk";
import { tenants } from "./schema.ts";

/** Big work as a graph of tasks (plan/). Each task that runs is a session whose `plan_id` is the plan. */
export const plans = pgTable(
  "plans",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    title: text("title").notNull(),
    goal: text("goal"),
    status: text("status").notNull(),
    /** Nothing new starts while paused; running tasks go on. */
    paused: boolean("paused").notNull().default(false),
    /** Fail-fast saw a task fail: nothing new starts until a person retries (plan/run.ts). */
    halted: boolean("halted").notNull().default(false),
    /** The plan's own log's last seq (plan/events.ts). */
    lastSeq: integer("last_seq").notNull().default(0),
    /** Scheduling steps so far: each step stamps the tasks it changes with its number (plan/run.ts). */
    steps: integer("steps").notNull().default(0),
    projectId: uuid("project_id"),
    workspace: jsonb("workspace"),
    policy: jsonb("policy").notNull(),
    /** The commit the integration branch was cut from when the plan started. */
    baseCommit: text("base_commit"),
    integrationBranch: text("integration_branch"),
    /** Who made it: `key:<id>`, or `dev` without auth. */
    createdBy: text("created_by").notNull(),
    /** How the draft was made: `graph`, `heuristics` or `planner`. */
    source: text("source").notNull(),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    startedAt: ts("started_at"),
    endedAt: ts("ended_at"),
    deletedAt: ts("deleted_at"),
  },
  (t) => [
    check("plans_status", sql.raw(`status in (${list(Plan.PlanStatus.options)})`)),
    index("plans_tenant_created").on(t.tenantId, t.createdAt),
  ],
);

export const planTasks = pgTable(
  "plan_tasks",
  {
    id: uuid("id").primaryKey(),
    planId: uuid("plan_id")
      .notNull()
      .references(() => plans.id),
    tenantId: uuid("tenant_id").notNull(),
    key: text("key").notNull(),
    /** Input order: the age tie-break among ready tasks. */
    position: integer("position").notNull(),
    title: text("title").notNull(),
    prompt: text("prompt").notNull(),
    type: text("type").notNull(),
    capabilities: text("capabilities").array().notNull(),
    agent: text("agent"),
    profile: text("profile"),
    priority: smallint("priority").notNull(),
    /** PERT minutes `{optimistic, likely, pessimistic}` as given; null: the forecast uses learnt defaults. */
    estimate: jsonb("estimate"),
    triggerRule: text("trigger_rule").notNull(),
    maxAttempts: integer("max_attempts").notNull(),
    writeScope: text("write_scope").array(),
    status: text("status").notNull(),
    /** The step that last changed the task's state, and its state before that step: the step's log. */
    step: integer("step").notNull().default(0),
    prevStatus: text("prev_status"),
    /** Finish-to-start prerequisites not ended yet: decremented under the plan's row lock (plan/run.ts). */
    depsPending: integer("deps_pending").notNull(),
    /** Sessions launched for this task; the current one is (id, attempt) in `sessions`. */
    attempt: integer("attempt").notNull().default(0),
    sessionId: uuid("session_id"),
    /** What dependents are told: the final message and the files changed. */
    result: jsonb("result"),
    /** Why it ended as it did: a failure, the conflicting paths of a merge, who skipped it. */
    reason: jsonb("reason"),
    /** The integration branch's commit after this task's merge. */
    mergedCommit: text("merged_commit"),
    /** CPM slack in minutes, set when the plan starts: the least slack runs first among ready tasks. */
    slack: doublePrecision("slack"),
    startedAt: ts("started_at"),
    endedAt: ts("ended_at"),
  },
  (t) => [
    check("plan_tasks_status", sql.raw(`status in (${list(Plan.TaskStatus.options)})`)),
    check("plan_tasks_rule", sql.raw(`trigger_rule in (${list(Plan.TriggerRule.options)})`)),
    unique("plan_tasks_key").on(t.planId, t.key),
    index("plan_tasks_plan_status").on(t.planId, t.status),
    index("plan_tasks_plan_step").on(t.planId, t.step),
    check("plan_tasks_pending", sql`deps_pending >= 0`),
  ],
);

/** Prerequisite → dependent. One edge per pair whatever its type; only finish-to-start gates a start. */
export const planEdges = pgTable(
  "plan_edges",
  {
    planId: uuid("plan_id")
      .notNull()
      .references(() => plans.id),
    fromTask: uuid("from_task").notNull(),
    toTask: uuid("to_task").notNull(),
    type: text("type").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.fromTask, t.toTask] }),
    check("plan_edges_type", sql.raw(`type in (${list(Plan.EdgeType.options)})`)),
    check("plan_edges_self", sql`from_task <> to_task`),
    index("plan_edges_to").on(t.toTask),
  ],
);

/**
 * What plans learn about their estimates: per tenant, task type and capability (`*` for none), an EWMA of
 * actual ÷ expected minutes, so the next plan's forecast is calibrated (plan/cpm.ts).
 */
export const estimateStats = pgTable(
  "estimate_stats",
  {
    tenantId: uuid("tenant_id").notNull(),
    type: text("type").notNull(),
    capability: text("capability").notNull(),
    samples: integer("samples").notNull(),
    ratio: doublePrecision("ratio").notNull(),
    /** EWMA of actual minutes, for tasks that had no estimate. */
    minutes: doublePrecision("minutes").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.type, t.capability] })],
);
