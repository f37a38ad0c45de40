import { z } from "zod";
import { Capability } from "./capability.ts";
import { Landing } from "./land.ts";
import { Name, Priority, Workspace } from "./session.ts";
import { EventId, Seq } from "./seq.ts";

/**
 * A plan is big work as a graph of tasks. Each task that runs is a session (the plan's root session its
 * parent); edges say which task must end before another may start. Vocabulary: the reference plan's tasks
 * (§2.5) and Airflow's trigger rules; the scheduler lives in the server (plan/).
 */

/** A task's name inside its plan, used by edges: `api`, `db.schema`, `ui-2`. */
export const TaskKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits and . _ - only, starting with a letter or digit")
  .meta({ id: "TaskKey" });

/**
 * When a task whose prerequisites have all ended may run, as Airflow defines it; a rule that cannot hold
 * any more decides the task's end instead (`upstream_failed` or `skipped`).
 */
export const TriggerRule = z
  .enum(["all_success", "all_done", "none_failed", "none_failed_min_one_success", "one_success", "always"])
  .meta({ id: "TriggerRule" });
export type TriggerRule = z.infer<typeof TriggerRule>;

export const TaskStatus = z
  .enum([
    "blocked",
    "ready",
    "running",
    "succeeded",
    "failed",
    "upstream_failed",
    "skipped",
    "cancelled",
    "conflicted",
  ])
  .meta({ id: "TaskStatus" });
export type TaskStatus = z.infer<typeof TaskStatus>;

/** A task in one of these will not change again unless a person retries or skips it. */
export const taskEnded: readonly TaskStatus[] = [
  "succeeded",
  "failed",
  "upstream_failed",
  "skipped",
  "cancelled",
  "conflicted",
];

export const PlanStatus = z
  .enum(["draft", "running", "succeeded", "failed", "partially_succeeded", "cancelled"])
  .meta({ id: "PlanStatus" });
export type PlanStatus = z.infer<typeof PlanStatus>;

/** A plan in one of these has ended (a retry of a task may open a failed one again). */
export const planEnded: readonly PlanStatus[] = ["succeeded", "failed", "partially_succeeded", "cancelled"];

/**
 * Only finish-to-start is executed; the reference's other three types are kept and shown, so a plan
 * imported from a tool that uses them loses nothing.
 */
export const EdgeType = z
  .enum(["finish_to_start", "start_to_start", "finish_to_finish", "start_to_finish"])
  .meta({ id: "EdgeType" });
export type EdgeType = z.infer<typeof EdgeType>;

const Minutes = z
  .number()
  .min(0)
  .max(60 * 24 * 30);

/** A PERT three-point estimate in minutes: expected = (O + 4M + P) / 6, σ = (P − O) / 6. */
export const Estimate = z
  .object({ optimistic: Minutes, likely: Minutes, pessimistic: Minutes })
  .strict()
  .refine((e) => e.optimistic <= e.likely && e.likely <= e.pessimistic, {
    message: "needs optimistic ≤ likely ≤ pessimistic",
  })
  .meta({ id: "Estimate" });
export type Estimate = z.infer<typeof Estimate>;

/** A path prefix or glob inside the repository a task may write; overlapping tasks never run together. */
const ScopePath = z
  .string()
  .min(1)
  .max(300)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "a path inside the repository");

export const TaskInput = z
  .object({
    key: TaskKey,
    title: z.string().trim().min(1).max(200),
    prompt: z.string().min(1).max(100_000),
    type: z
      .string()
      .min(1)
      .max(64)
      .default("implementation")
      .describe("what kind of work: forecasts learn per type"),
    capabilities: z.array(Capability).max(20).default([]),
    agent: z.string().min(1).max(100).optional().describe("pin: only the registered agent of this name"),
    profile: Name.optional().describe("the OpenCode agent profile"),
    priority: Priority.default("medium"),
    estimate: Estimate.optional().describe("minutes; default: learnt from earlier tasks of this type"),
    triggerRule: TriggerRule.default("all_success"),
    maxAttempts: z.number().int().min(1).max(20).default(2).describe("attempts per run of the task"),
    writeScope: z.array(ScopePath).max(50).optional().describe("paths it may write: overlapping tasks wait"),
  })
  .strict()
  .meta({ id: "PlanTaskInput" });
export type TaskInput = z.input<typeof TaskInput>;

/** A task added to a plan that exists (a person, or an agent of the plan through MCP): waits for `blockedBy`. */
export const TaskAdd = TaskInput.extend({
  blockedBy: z.array(TaskKey).max(100).default([]).describe("keys of tasks that must finish first"),
}).meta({ id: "PlanTaskAdd" });
export type TaskAdd = z.input<typeof TaskAdd>;

/** A change to a task that has not started: its words, its priority, more prerequisites. */
export const TaskUpdate = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    prompt: z.string().min(1).max(100_000).optional(),
    priority: Priority.optional(),
    addBlockedBy: z.array(TaskKey).max(100).default([]).describe("more keys that must finish first"),
  })
  .strict()
  .meta({ id: "PlanTaskUpdate" });
export type TaskUpdate = z.input<typeof TaskUpdate>;

export const Edge = z
  .object({
    from: TaskKey.describe("the prerequisite"),
    to: TaskKey.describe("the dependent"),
    type: EdgeType.default("finish_to_start"),
  })
  .strict()
  .meta({ id: "PlanEdge" });
export type Edge = z.input<typeof Edge>;

export const Policy = z
  .object({
    failFast: z
      .boolean()
      .default(true)
      .describe("after a failure start nothing new; running tasks finish (Argo's failFast)"),
    maxParallel: z.number().int().min(1).max(200).default(4).describe("tasks of this plan running at once"),
    onConflict: z
      .enum(["attention", "resolve"])
      .default("attention")
      .describe(
        "a task whose merge conflicts waits for a person (attention), or runs again once from the integration branch, told which paths conflicted and where its earlier work is, for its agent to merge (resolve)",
      ),
    passOutput: z.boolean().default(true).describe("prerequisites' results go into dependents' prompts"),
  })
  .strict()
  .meta({ id: "PlanPolicy" });
export type Policy = z.infer<typeof Policy>;

export const CreatePlan = z
  .object({
    title: z.string().trim().min(1).max(200),
    goal: z.string().max(100_000).optional(),
    project: Name.optional().describe("a registered project: the integration branch is cut from its base"),
    workspace: Workspace.optional(),
    tasks: z.array(TaskInput).min(1).max(5000),
    edges: z.array(Edge).max(20_000).default([]),
    policy: Policy.default(Policy.parse({})),
    start: z.boolean().default(false).describe("start at once instead of keeping a draft"),
  })
  .strict()
  .meta({ id: "CreatePlan" });
export type CreatePlan = z.input<typeof CreatePlan>;
export type PlanDraft = z.output<typeof CreatePlan>;

/** What the forecast says of one task: node-weighted CPM over expected minutes. */
export const TaskForecast = z
  .object({
    expected: z.number().describe("PERT expected minutes, calibrated by what earlier plans learnt"),
    sd: z.number(),
    source: z.enum(["given", "learnt", "default"]),
    earliestStart: z.number(),
    latestStart: z.number(),
    slack: z.number(),
    critical: z.boolean(),
  })
  .meta({ id: "TaskForecast" });

export const Task = z
  .object({
    id: z.uuid(),
    key: z.string(),
    title: z.string(),
    prompt: z.string(),
    type: z.string(),
    capabilities: z.array(z.string()),
    agent: z.string().nullable(),
    profile: z.string().nullable(),
    priority: Priority,
    estimate: Estimate.nullable(),
    triggerRule: TriggerRule,
    maxAttempts: z.number().int(),
    writeScope: z.array(z.string()).nullable(),
    status: TaskStatus,
    depsPending: z.number().int().describe("finish-to-start prerequisites that have not ended"),
    attempt: z.number().int().describe("sessions launched for it so far"),
    sessionId: z.uuid().nullable().describe("the session of the current or last attempt"),
    result: z.unknown().nullable().describe("what dependents are told: final message, files changed"),
    reason: z.unknown().nullable().describe("why it ended so: the failure, the conflicting paths, who"),
    mergedCommit: z.string().nullable(),
    startedAt: z.iso.datetime().nullable(),
    endedAt: z.iso.datetime().nullable(),
    forecast: TaskForecast,
  })
  .meta({ id: "PlanTask" });
export type Task = z.infer<typeof Task>;

export const Forecast = z
  .object({
    criticalPath: z.array(z.string()).describe("task keys, in order"),
    makespan: z.number().describe("minutes along the critical path"),
    p50: z.number(),
    p90: z.number(),
  })
  .meta({ id: "PlanForecast" });

export const Counts = z.partialRecord(TaskStatus, z.number().int()).meta({ id: "PlanCounts" });

export const Summary = z
  .object({
    id: z.uuid(),
    title: z.string(),
    goal: z.string().nullable(),
    status: PlanStatus,
    paused: z.boolean(),
    projectId: z.uuid().nullable(),
    workspace: Workspace.nullable(),
    policy: Policy,
    source: z.enum(["graph", "heuristics", "planner"]),
    baseCommit: z.string().nullable(),
    integrationBranch: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    endedAt: z.iso.datetime().nullable(),
    counts: Counts.describe("tasks per state"),
    actions: z.array(z.enum(["start", "cancel", "pause", "resume"])).describe("what its state allows now"),
  })
  .meta({ id: "PlanSummary" });
export type Summary = z.infer<typeof Summary>;

export const View = Summary.extend({
  planner: z
    .object({ sessionId: z.uuid(), attempt: z.number().int(), status: z.string() })
    .nullable()
    .describe("the latest planning session of a plan an agent plans"),
  halted: z.boolean().describe("fail-fast saw a failure: nothing new starts until a task is retried"),
  lastSeq: z
    .number()
    .int()
    .describe("seq of the plan's latest log entry when read: follow its events after this to miss nothing"),
  tasks: z.array(Task),
  edges: z.array(z.object({ from: z.string(), to: z.string(), type: EdgeType })),
  forecast: Forecast,
}).meta({ id: "Plan" });
export type View = z.infer<typeof View>;

export const Page = z
  .object({ items: z.array(Summary), nextCursor: z.string().nullable() })
  .meta({ id: "PlanPage" });

/** The heuristics' names: two templates with their declared subtasks, and four rules matched on words. */
export const decompositionNames = [
  "web_service_implementation",
  "refactoring_task",
  "security",
  "microservice",
  "crud",
  "ui",
] as const;

export const DecomposeRequest = z
  .object({
    title: z.string().trim().min(1).max(200),
    goal: z.string().max(100_000).default(""),
    template: z
      .enum(decompositionNames)
      .optional()
      .describe("use this template or rule alone instead of choosing by the goal's words"),
    maxTasks: z.number().int().min(1).max(100).default(50),
  })
  .strict()
  .meta({ id: "DecomposeRequest" });
export type DecomposeRequest = z.input<typeof DecomposeRequest>;

export const Decomposition = z
  .object({
    draft: z.object({
      title: z.string(),
      goal: z.string().optional(),
      tasks: z.array(TaskInput),
      edges: z.array(Edge),
    }),
    analysis: z.object({
      words: z.number(),
      sentences: z.number(),
      indicators: z.array(z.string()),
      terms: z.array(z.string()),
      score: z.number(),
      minutes: z.number(),
      estimate: Estimate,
      expected: z.number(),
      band: z.enum(["trivial", "simple", "moderate", "complex", "expert"]),
      capabilities: z.array(z.string()),
      matched: z.array(
        z.object({
          name: z.string(),
          kind: z.enum(["template", "rule", "default"]),
          by: z.enum(["name", "words", "nothing"]),
          why: z.array(z.string()),
        }),
      ),
      dropped: z.number().int().describe("tasks left out by maxTasks"),
    }),
  })
  .meta({ id: "Decomposition" });
export type Decomposition = z.infer<typeof Decomposition>;

/**
 * A plan's own log: its state and its tasks' states as they change, in the tenant's event-id order (the
 * same log as sessions' events). A task's run is its session's log (sessionId in `task.status`).
 */
export const PlanEventData = {
  "plan.created": z.object({ title: z.string(), tasks: z.number().int(), source: z.string() }),
  "plan.status": z.object({
    from: PlanStatus,
    to: PlanStatus,
    paused: z.boolean().optional(),
    halted: z.boolean().optional(),
    by: z.string().optional(),
    reason: z.unknown().optional().describe("why: e.g. the planner's answers were refused"),
  }),
  /** The planner's answer became the draft's graph. */
  "plan.planned": z.object({ tasks: z.number().int(), edges: z.number().int(), sessionId: z.uuid() }),
  /** The planner's answer was refused; a second planning session is told why, or the plan fails. */
  "plan.refused": z.object({ sessionId: z.uuid(), attempt: z.number().int(), errors: z.array(z.string()) }),
  /** The integration branch merged into the base, pushed, or a pull request opened; or why not. */
  "plan.landing": Landing,
  "task.status": z.object({
    key: z.string(),
    from: TaskStatus,
    to: TaskStatus,
    attempt: z.number().int(),
    sessionId: z.uuid().optional(),
    reason: z.unknown().optional(),
  }),
};
export type PlanEventType = keyof typeof PlanEventData;

export const PlanEvent = z
  .discriminatedUnion(
    "type",
    (Object.keys(PlanEventData) as PlanEventType[]).map((type) =>
      z.object({
        id: EventId,
        planId: z.uuid(),
        seq: Seq,
        type: z.literal(type),
        at: z.iso.datetime(),
        data: PlanEventData[type],
      }),
    ) as never,
  )
  .meta({ id: "PlanEvent" });
export type PlanEvent = {
  [K in PlanEventType]: {
    id: number;
    planId: string;
    seq: number;
    type: K;
    at: string;
    data: z.output<(typeof PlanEventData)[K]>;
  };
}[PlanEventType];

export const EventPage = z.object({ items: z.array(PlanEvent) }).meta({ id: "PlanEventPage" });

export const PlannerRequest = z
  .object({
    title: z.string().trim().min(1).max(200),
    goal: z.string().min(1).max(100_000),
    project: Name.optional(),
    workspace: Workspace.optional(),
    agent: z.string().min(1).max(100).optional().describe("the planning agent, by name (pin)"),
    profile: Name.optional().describe("the OpenCode profile that plans (its model)"),
    policy: Policy.default(Policy.parse({})),
    start: z.boolean().default(false).describe("start the plan as soon as a valid graph comes back"),
  })
  .strict()
  .meta({ id: "PlannerRequest" });
export type PlannerRequest = z.input<typeof PlannerRequest>;
