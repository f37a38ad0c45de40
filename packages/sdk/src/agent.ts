import { z } from "zod";
import { Capability } from "./capability.ts";

/** Who runs the work: OpenCode profiles and the scripted double run inside the server; EAP and A2A agents outside. */
export const AgentKind = z.enum(["opencode", "scripted", "eap", "a2a"]).meta({ id: "AgentKind" });
export type AgentKind = z.infer<typeof AgentKind>;
export const internalKinds: readonly AgentKind[] = ["opencode", "scripted"];

/** `offline` is also what a missed heartbeat TTL reads as, whatever was stored last. */
export const AgentStatus = z.enum(["online", "degraded", "draining", "offline"]).meta({ id: "AgentStatus" });
export type AgentStatus = z.infer<typeof AgentStatus>;

/** The reference's tiers; a new agent starts `competent` instead of `degraded` (the reference's cold-start bug). */
export const Tier = z
  .enum(["elite", "advanced", "competent", "trainee", "degraded"])
  .meta({ id: "AgentTier" });
export type Tier = z.infer<typeof Tier>;

export const LoadLevel = z
  .enum(["idle", "optimal", "high", "critical", "overloaded"])
  .meta({ id: "AgentLoadLevel" });
export type LoadLevel = z.infer<typeof LoadLevel>;

export const Breaker = z
  .object({
    state: z.enum(["closed", "open", "half_open"]),
    since: z.iso.datetime().nullable(),
    /** When an open breaker lets a probe through. */
    probeAt: z.iso.datetime().nullable(),
    reason: z.string().nullable(),
  })
  .meta({ id: "AgentBreaker" });
export type Breaker = z.infer<typeof Breaker>;

/** Outcomes of finished attempts (sessions can take several); `successRate` counts a partial result as half. */
export const Performance = z
  .object({
    attempts: z.number().int(),
    completed: z.number().int(),
    partial: z.number().int(),
    failed: z.number().int(),
    successRate: z.number().nullable(),
    durationP50Ms: z.number().nullable(),
    tokens: z.number(),
    cost: z.number(),
  })
  .meta({ id: "AgentPerformance" });
export type Performance = z.infer<typeof Performance>;

export const Mode = z.enum(["push", "pull", "stream"]).describe("how an EAP agent takes tasks");

export const Agent = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: AgentKind,
    origin: z.enum(["internal", "external"]),
    /** Shown next to the name, e.g. that an agent is a test double. */
    label: z.string(),
    version: z.string(),
    description: z.string(),
    capabilities: z.array(z.string()),
    capacity: z.number().int(),
    /** Sessions it holds a live lease on now. */
    load: z.number().int(),
    loadLevel: LoadLevel,
    status: AgentStatus,
    mode: Mode.nullable(),
    endpoint: z.string().nullable(),
    lastHeartbeatAt: z.iso.datetime().nullable(),
    tier: Tier,
    breaker: Breaker,
    performance: Performance,
    /** False for agents built into this server, which every tenant may use. */
    tenantOwned: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Agent" });
export type Agent = z.infer<typeof Agent>;

export const AgentList = z.object({ items: z.array(Agent) }).meta({ id: "AgentList" });

export const AgentQuery = z
  .object({
    kind: AgentKind.optional(),
    capability: z.string().max(64).optional(),
    status: AgentStatus.optional(),
  })
  .strict();

/** POST /api/v1/agents: an A2A agent by its card, or an EAP agent (same as EAP registration). */
export const AgentCreate = z
  .discriminatedUnion("kind", [
    z
      .object({
        kind: z.literal("a2a"),
        cardUrl: z.url().describe("the agent's Agent Card (…/.well-known/agent-card.json)"),
        name: z.string().min(1).max(100).optional().describe("defaults to the card's name"),
        capabilities: z.array(Capability).max(40).optional().describe("overrides those mapped from skills"),
        capacity: z.number().int().min(1).max(1000).default(4),
      })
      .strict(),
  ])
  .meta({ id: "CreateAgent" });
export type AgentCreate = z.input<typeof AgentCreate>;

/**
 * POST /api/v1/agents/preview (same body as registering): what registering would create, read from the
 * card exactly as registration reads it, and nothing saved.
 */
export const AgentPreview = z
  .object({
    name: z.string().describe("the name it would get: the one asked for, else the card's"),
    nameTaken: z
      .boolean()
      .describe("an agent of this name is registered already: registering would be refused"),
    description: z.string(),
    version: z.string(),
    label: z.string(),
    url: z.string().describe("the JSON-RPC interface the orchestrator would call"),
    protocolVersion: z.enum(["1.0", "0.3"]),
    capabilities: z.array(z.string()).describe("from its skills, unless given"),
    capacity: z.number().int(),
    skills: z.array(
      z.object({ id: z.string(), name: z.string(), description: z.string(), tags: z.array(z.string()) }),
    ),
    transports: z
      .array(z.object({ url: z.string(), binding: z.string(), version: z.string() }))
      .describe("every interface the card offers, including those the orchestrator does not speak"),
    streaming: z.boolean(),
    pushNotifications: z.boolean(),
  })
  .meta({ id: "AgentPreview" });
export type AgentPreview = z.infer<typeof AgentPreview>;

export const AgentPatch = z
  .object({
    description: z.string().max(500).optional(),
    capabilities: z.array(Capability).min(1).max(40).optional(),
    capacity: z.number().int().min(1).max(1000).optional(),
    status: z
      .enum(["online", "draining"])
      .optional()
      .describe("draining: finish held tasks, take no new ones"),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, "give at least one field")
  .meta({ id: "UpdateAgent" });
export type AgentPatch = z.input<typeof AgentPatch>;

/** A routing decision as the event log keeps it: the winner and the runners-up with their scores. */
export const Decision = z.object({
  agent: z.object({ id: z.uuid(), name: z.string(), score: z.number() }),
  runnersUp: z.array(z.object({ id: z.uuid(), name: z.string(), score: z.number() })),
  why: z.string(),
});
export type Decision = z.infer<typeof Decision>;

const Point = z.object({ at: z.iso.datetime(), load: z.number() });

/** GET /api/v1/agents/{id}/diagnostics: what an operator looks at when an agent misbehaves. */
export const Diagnostics = z
  .object({
    agent: Agent,
    heartbeats: z.array(
      z.object({
        at: z.iso.datetime(),
        status: z.string(),
        reportedLoad: z.number().nullable(),
        tasks: z.number().nullable(),
        load: z.number().nullable(),
      }),
    ),
    /** Leases held at each minute of the last hour, from its attempts. */
    load: z.array(Point),
    history: z.array(z.object({ at: z.iso.datetime(), type: z.string(), data: z.unknown() })),
    breaker: Breaker.extend({
      transitions: z.array(z.object({ at: z.iso.datetime(), to: z.string(), reason: z.string() })),
    }),
    recent: z.array(
      z.object({
        sessionId: z.uuid(),
        attempt: z.number().int(),
        title: z.string(),
        type: z.string(),
        outcome: z.string().nullable(),
        errorCode: z.string().nullable(),
        startedAt: z.iso.datetime(),
        endedAt: z.iso.datetime().nullable(),
        durationMs: z.number().nullable(),
        tokens: z.number().nullable(),
        cost: z.number().nullable(),
      }),
    ),
    byType: z.record(z.string(), Performance),
    byCapability: z.record(z.string(), Performance),
  })
  .meta({ id: "AgentDiagnostics" });
export type Diagnostics = z.infer<typeof Diagnostics>;
