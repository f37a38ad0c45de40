import { z } from "zod";
import { Capability } from "./capability.ts";
import { Mode } from "./agent.ts";
import { maxInt } from "./seq.ts";
import { AgentEvents } from "./events.ts";

/**
 * The External Agent Protocol v1, wire payloads in the reference ADR's snake_case. The same messages travel
 * over REST (paths under /api/v1/agents/external) and over gRPC (proto/eap.proto).
 */
export const protocolVersion = "1.0";

export const Register = z
  .object({
    protocol_version: z.literal(protocolVersion).default(protocolVersion),
    name: z
      .string()
      .min(3)
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits and . _ - only"),
    version: z.string().min(1).max(40).default("1.0.0"),
    description: z.string().max(500).default(""),
    capabilities: z.array(Capability).min(1).max(40),
    capacity: z.number().int().min(1).max(1000).default(5),
    mode: Mode.default("pull"),
    endpoint_url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("push mode: where assignments are POSTed"),
    metadata: z.record(z.string().max(128), z.unknown()).default({}),
  })
  .strict()
  .refine((r) => r.mode !== "push" || r.endpoint_url, {
    message: "push mode needs endpoint_url",
    path: ["endpoint_url"],
  })
  .meta({ id: "EapRegister" });
export type Register = z.input<typeof Register>;

export const Registered = z
  .object({
    agent_id: z.uuid(),
    status: z.literal("registered"),
    /** Shown once: send it as X-Agent-Token. Only its hash is stored. */
    auth_token: z.string(),
    /** Shown once: verifies the HMAC signature on pushed assignments. */
    signing_secret: z.string(),
    heartbeat_interval_seconds: z.number(),
    heartbeat_ttl_seconds: z.number(),
    protocol_version: z.string(),
  })
  .meta({ id: "EapRegistered" });
export type Registered = z.infer<typeof Registered>;

export const Heartbeat = z
  .object({
    status: z.enum(["healthy", "degraded", "busy", "offline"]),
    current_load: z.number().min(0).max(1).default(0),
    tasks_in_progress: z.number().int().min(0).max(maxInt).default(0),
    task_ids: z
      .array(z.uuid())
      .max(1000)
      .default([])
      .describe("tasks the agent works on: stale ones come back in cancel"),
    metrics: z.record(z.string().max(128), z.unknown()).default({}),
    timestamp: z.iso.datetime().optional(),
  })
  .strict()
  .meta({ id: "EapHeartbeat" });
export type Heartbeat = z.input<typeof Heartbeat>;

export const HeartbeatReply = z
  .object({
    agent_status: z.enum(["online", "degraded", "draining", "offline"]),
    /** Tasks the agent named that it no longer holds (cancelled, timed out, reassigned): stop them. */
    cancel: z.array(z.uuid()),
    heartbeat_ttl_seconds: z.number(),
  })
  .meta({ id: "EapHeartbeatReply" });
export type HeartbeatReply = z.infer<typeof HeartbeatReply>;

export const Deregister = z
  .object({
    graceful: z.boolean().default(true).describe("finish held tasks first; false hands them back now"),
    reason: z.string().max(200).optional(),
  })
  .strict()
  .meta({ id: "EapDeregister" });

export const Rotated = z
  .object({ agent_id: z.uuid(), auth_token: z.string(), signing_secret: z.string() })
  .meta({ id: "EapRotated" });

/** A person's message to the agent (a follow-up), as the assignment and the inbox carry it. */
export const Said = z
  .object({ id: z.uuid(), author: z.string(), text: z.string(), created_at: z.iso.datetime() })
  .meta({ id: "EapMessage" });
export type Said = z.infer<typeof Said>;

/** What an agent is given: pushed to `endpoint_url`, returned by the long-poll, or sent on the gRPC stream. */
export const Assignment = z
  .object({
    protocol_version: z.string(),
    task_id: z.uuid(),
    attempt: z.number().int(),
    session_id: z.uuid(),
    task_type: z.string(),
    title: z.string(),
    input_data: z.string(),
    requirements: z.array(z.string()),
    context: z.object({
      workspace: z.object({ repo: z.string(), ref: z.string().optional() }).nullable(),
      metadata: z.record(z.string(), z.unknown()),
      /** The last checkpoint the agent saved, when this attempt resumes one. */
      checkpoint: z.unknown().nullable(),
    }),
    timeout_seconds: z.number().int(),
    deadline: z.iso.datetime().nullable(),
    credential: z
      .string()
      .optional()
      .describe(
        "this attempt's session credential: Bearer for /api/v1/contexts, the plan's tasks and /mcp, good while the attempt is the agent's",
      ),
    messages: z
      .array(z.lazy(() => Said))
      .optional()
      .describe(
        "people's messages of this round so far, oldest first: a round a follow-up opened has its prompt here",
      ),
  })
  .meta({ id: "EapAssignment" });
export type Assignment = z.infer<typeof Assignment>;

const Text = z.string().max(100_000);

/**
 * The agent asks a person (event `question`): the session waits (`waiting`) with the question in the
 * attention queue until someone answers, or the timeout rejects it; the agent reads the answer from its
 * inbox by the `id` it chose (asking again with the same id asks once).
 */
const Question = z.object({
  id: z.uuid().describe("the agent's own id for the question: the inbox answers by it"),
  question: z.string().min(1).max(4000),
  header: z.string().min(1).max(200).optional().describe("a short title for the attention queue"),
  options: z
    .array(
      z.object({ label: z.string().min(1).max(200), description: z.string().max(1000).optional() }).strict(),
    )
    .max(20)
    .default([])
    .describe("choices offered; a person may still answer in their own words"),
  multiple: z.boolean().optional().describe("more than one option may be chosen"),
  timeout_seconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(3600)
    .describe("then the question is rejected for the person, and the agent reads that"),
});
const A = AgentEvents;
/** One agent event on the wire: the registry's payload (events.ts) under its type, strict. */
const on = <T extends string, S extends z.ZodRawShape>(type: T, payload: z.ZodObject<S>) =>
  z.object({ type: z.literal(type), ...payload.shape }).strict();
/**
 * What an external agent may report: a subset of the agent events, with the bounds this edge keeps. The
 * server records each as the agent event it is (so the compiler checks it stays a subset).
 */
export const Event = z
  .discriminatedUnion("type", [
    on("message", A.message.pick({ text: true }).extend({ text: Text })),
    on("log", A.log.extend({ level: A.log.shape.level.default("info"), text: Text })),
    on("progress", A.progress),
    on("artifact", A.artifact.extend({ name: z.string().min(1).max(500), content: Text })),
    on("checkpoint", A.checkpoint),
    on(
      "usage",
      A.usage.extend({ reasoning: A.usage.shape.reasoning.default(0), cost: A.usage.shape.cost.default(0) }),
    ),
    on("degraded", A.degraded.extend({ reason: z.string().min(1).max(1000) })),
    on("recovered", A.recovered),
    on("question", Question),
  ])
  .meta({ id: "EapEvent" });
export type Event = z.input<typeof Event>;

export const Events = z
  .object({ attempt: z.number().int().min(1).max(maxInt), events: z.array(Event).min(1).max(100) })
  .strict()
  .meta({ id: "EapEvents" });

export const Artifact = z
  .object({
    path: z.string().min(1).max(500),
    content: Text,
    mime_type: z.string().max(100).default("text/plain"),
  })
  .strict();

export const Result = z
  .object({
    attempt: z.number().int().min(1).max(maxInt),
    status: z.enum(["completed", "partial", "failed"]),
    output_data: z.unknown().optional(),
    artifacts: z.array(Artifact).max(100).default([]),
    error_message: z.string().max(4000).optional(),
    /** A failed result may be retried (on another agent) unless the agent says it is pointless. */
    retryable: z.boolean().default(true),
    execution_time_ms: z.number().int().min(0).default(0),
    tokens_used: z.number().int().min(0).default(0),
    cost_usd: z.number().min(0).default(0),
  })
  .strict()
  .refine((r) => r.status !== "failed" || r.error_message, {
    message: "a failed result needs error_message",
    path: ["error_message"],
  })
  .meta({ id: "EapResult" });
export type Result = z.input<typeof Result>;

export const Ack = z
  .object({ status: z.enum(["accepted", "duplicate"]), session_status: z.string() })
  .meta({ id: "EapAck" });

/**
 * Read the task's inbox: what people said to the agent since, and the answers to its questions. Waits up
 * to `wait` seconds for either; `ack` confirms messages received before (they are not offered again).
 */
export const Inbox = z
  .object({
    attempt: z.number().int().min(1).max(maxInt),
    wait: z.number().min(0).max(60).default(25).describe("seconds to wait for news"),
    ack: z.array(z.uuid()).max(100).default([]).describe("ids of messages the agent has received"),
    questions: z.array(z.uuid()).max(100).default([]).describe("ids of the questions it waits on"),
  })
  .strict()
  .meta({ id: "EapInbox" });
export type Inbox = z.input<typeof Inbox>;

export const Answered = z
  .object({
    id: z.uuid().describe("the question's id, as the agent chose it"),
    status: z.enum(["answered", "expired", "withdrawn"]).describe("expired: no one answered in time"),
    answers: z.array(z.string()).describe("the chosen labels or free text; empty when rejected"),
    rejected: z.boolean().describe("the person (or the timeout) declined to answer"),
    message: z.string().nullable().describe("with a rejection: why, in words"),
  })
  .meta({ id: "EapAnswer" });
export type Answered = z.infer<typeof Answered>;

export const InboxReply = z
  .object({ messages: z.array(Said), answers: z.array(Answered) })
  .meta({ id: "EapInboxReply" });
export type InboxReply = z.infer<typeof InboxReply>;
