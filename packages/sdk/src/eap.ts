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
  })
  .meta({ id: "EapAssignment" });
export type Assignment = z.infer<typeof Assignment>;

const Text = z.string().max(100_000);
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
