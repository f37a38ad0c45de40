import { z } from "zod";
import { Capability } from "./capability.ts";
import { Seq } from "./seq.ts";

/** The 12 states of the reference plan; the transition table lives in the server (session/machine.ts). */
export const Status = z
  .enum([
    "pending",
    "queued",
    "running",
    "paused",
    "degraded",
    "waiting",
    "completed",
    "partially_completed",
    "failed",
    "timeout",
    "stopped",
    "cancelled",
    "orphaned",
  ])
  .meta({ id: "SessionStatus" });
export type Status = z.infer<typeof Status>;

export const terminal: readonly Status[] = [
  "completed",
  "partially_completed",
  "failed",
  "timeout",
  "stopped",
  "cancelled",
  "orphaned",
];
/** States in which a runner holds a live lease. `waiting` is running, blocked on a person (an approval). */
export const leased: readonly Status[] = ["running", "degraded", "waiting"];
/**
 * States in which a session has not ended and nobody holds it: it waits for a start, a claim or a resume.
 * Every status is in exactly one of `terminal`, `leased` and `parked`; the server derives its SQL (CHECK
 * constraints, partial indexes, queries) from these lists, and a test holds the database to them.
 */
export const parked: readonly Status[] = ["pending", "queued", "paused"];

/**
 * What a person can ask of a session (POST /api/v1/sessions/{id}/<action>). Each session lists the ones its
 * status allows, so a client offers exactly the actions that would succeed.
 */
export const Action = z
  .enum(["start", "cancel", "stop", "pause", "resume", "retry"])
  .meta({ id: "SessionAction" });
export type Action = z.infer<typeof Action>;

export const Type = z
  .enum(["planning", "execution", "review", "debug", "integration"])
  .meta({ id: "SessionType" });
export type Type = z.infer<typeof Type>;

/** Lower rank runs first, as in the reference (critical = 0 … deferred = 4). */
export const Priority = z
  .enum(["critical", "high", "medium", "low", "deferred"])
  .meta({ id: "SessionPriority" });
export type Priority = z.infer<typeof Priority>;
export const priorityRank: Record<Priority, number> = {
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
  deferred: 4,
};

export const Name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._:-]*$/, "lower-case letters, digits and . _ : - only");
const Tag = z.string().trim().min(1).max(64);
const Metadata = z
  .record(z.string().max(128), z.unknown())
  .refine((m) => JSON.stringify(m).length <= 16_384, "metadata must serialise to at most 16 KiB");

export const Workspace = z
  .object({
    repo: z.string().min(1).max(1000).describe("repository path or URL"),
    ref: z.string().min(1).max(255).optional().describe("base branch or commit"),
  })
  .strict()
  .meta({ id: "Workspace" });

/** Hints routing honours without being bound by them. */
export const Routing = z
  .object({
    prefer: z.array(z.string().min(1).max(100)).max(20).default([]).describe("agent ids or names to favour"),
    origin: z.enum(["internal", "external"]).optional().describe("favour agents we run, or outside ones"),
  })
  .strict()
  .meta({ id: "RoutingHints" });

export const Create = z
  .object({
    title: z.string().trim().min(1).max(200),
    prompt: z.string().min(1).max(100_000),
    type: Type.default("execution"),
    priority: Priority.default("medium"),
    capabilities: z.array(Capability).max(20).default([]).describe("capabilities the agent must have"),
    agent: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe("pin: only the registered agent of this name may run it"),
    routing: Routing.optional(),
    workspace: Workspace.optional().describe("a repository to work in; or name a registered project"),
    project: Name.optional().describe("a registered project: its repository and base branch"),
    profile: Name.optional().describe("the OpenCode agent profile: model, agent, permissions"),
    maxDurationSec: z.number().int().min(1).max(86_400).default(3600),
    maxAttempts: z.number().int().min(1).max(20).default(3),
    tags: z.array(Tag).max(20).default([]),
    metadata: Metadata.default({}),
    parentId: z.uuid().optional(),
    hold: z.boolean().default(false).describe("create as pending; POST …/start queues it"),
  })
  .strict()
  .meta({ id: "CreateSession" });
export type Create = z.input<typeof Create>;

export const Update = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    priority: Priority.optional(),
    tags: z.array(Tag).max(20).optional(),
  })
  .strict()
  .refine((u) => Object.keys(u).length > 0, "give at least one of title, priority, tags")
  .meta({ id: "UpdateSession" });
export type Update = z.input<typeof Update>;

export const Lease = z.object({ owner: z.string(), expiresAt: z.iso.datetime(), fence: z.number().int() });

export const Checkpoint = z
  .object({ seq: Seq, at: z.iso.datetime(), data: z.unknown() })
  .meta({ id: "Checkpoint" });

export const Failure = z
  .object({ code: z.string(), message: z.string(), retryable: z.boolean().optional() })
  .meta({ id: "SessionError" });

export const Usage = z
  .object({
    input: z.number(),
    output: z.number(),
    reasoning: z.number(),
    cost: z.number().describe("in US dollars, as the provider prices it"),
  })
  .meta({ id: "Usage" });
export type Usage = z.infer<typeof Usage>;

export const Session = z
  .object({
    id: z.uuid(),
    title: z.string(),
    prompt: z.string(),
    type: Type,
    priority: Priority,
    status: Status,
    capabilities: z.array(z.string()),
    agent: z.string().nullable(),
    routing: z.object({ prefer: z.array(z.string()), origin: z.enum(["internal", "external"]).optional() }),
    agentId: z.uuid().nullable().describe("the agent of the current or last attempt"),
    queueReason: z.string().nullable().describe("why a queued session does not run yet"),
    workspace: Workspace.nullable(),
    maxDurationSec: z.number().int(),
    maxAttempts: z.number().int(),
    attempt: z.number().int().describe("attempts started in the current run"),
    retries: z.number().int().describe("manual retries so far"),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    parentId: z.uuid().nullable(),
    projectId: z.uuid().nullable(),
    profile: z.string().nullable(),
    usage: Usage.describe("tokens and cost over all attempts"),
    lease: Lease.nullable().describe("set exactly when a runner holds the session"),
    runAfter: z.iso.datetime().nullable().describe("earliest next claim (retry backoff)"),
    deadline: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    endedAt: z.iso.datetime().nullable(),
    result: z.unknown().nullable(),
    error: Failure.nullable(),
    checkpoint: Checkpoint.nullable(),
    lastSeq: Seq.describe("sequence number of the newest event"),
    actions: z.array(Action).describe("the actions its status allows now"),
    reviewedAt: z.iso
      .datetime()
      .nullable()
      .describe("when a person marked the ended session reviewed; a retry clears it"),
    planId: z.uuid().nullable().describe("the plan whose task this session runs"),
    taskId: z.uuid().nullable().describe("the plan task it runs (GET /api/v1/plans/{planId})"),
  })
  .meta({ id: "Session" });
export type Session = z.infer<typeof Session>;

export const Sort = z.enum(["createdAt", "-createdAt", "updatedAt", "-updatedAt", "priority", "-priority"]);

const csv = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === "string" ? v.split(",").filter(Boolean) : v), z.array(item).max(12));

export const ListQuery = z
  .object({
    status: csv(Status).optional(),
    type: Type.optional(),
    tag: Tag.optional(),
    q: z.string().min(1).max(200).optional().describe("text in title or prompt"),
    createdAfter: z.iso.datetime({ offset: true }).optional(),
    createdBefore: z.iso.datetime({ offset: true }).optional(),
    parentId: z.uuid().optional(),
    sort: Sort.default("-createdAt"),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();
export type ListQuery = z.input<typeof ListQuery>;

export const Page = z
  .object({ items: z.array(Session), nextCursor: z.string().nullable() })
  .meta({ id: "SessionPage" });
export type Page = z.infer<typeof Page>;

export const Reason = z
  .object({ reason: z.string().max(1000).optional() })
  .strict()
  .meta({ id: "Reason" });

/** POST /api/v1/sessions/cancel: cancel many sessions, each as its own cancel would. */
export const CancelMany = z
  .object({
    ids: z.array(z.uuid()).min(1).max(200),
    reason: z.string().max(1000).optional(),
  })
  .strict()
  .meta({ id: "CancelSessions" });
export type CancelMany = z.input<typeof CancelMany>;

export const CancelResults = z
  .object({
    results: z.array(
      z.object({
        id: z.uuid(),
        ok: z.boolean(),
        status: Status.optional().describe("the session's status after, when it exists"),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
      }),
    ),
  })
  .meta({ id: "CancelSessionsResults" });
export type CancelResults = z.infer<typeof CancelResults>;
