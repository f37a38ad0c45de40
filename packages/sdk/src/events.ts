import { z } from "zod";
import { Answer, ApprovalKind, ApprovalRequest } from "./approval.ts";
import { Landing } from "./land.ts";
import { Seq } from "./seq.ts";
import { Failure, Status, Update } from "./session.ts";

/**
 * The event registry: one payload schema per type of event a session's log holds. The log's entry type
 * (event.ts), the agents' events (server agent.ts), the EAP events (eap.ts), the OpenAPI document and the
 * readers (dashboard fold, CLI watch) all derive from it. These are the shapes the server writes; the
 * bounds an external agent must keep (text lengths) are the EAP's, at that edge.
 */

/** What an agent reports while it runs, by type. The first nine are logged as `agent.<type>`. */
export const AgentEvents = {
  /** `part`: the streamed text part it completes (its `delta` pieces came first). */
  message: z.object({ text: z.string(), part: z.string().optional() }),
  /** A piece of text as it is written; the `message` with the same part has the whole. */
  delta: z.object({ part: z.string(), text: z.string() }),
  log: z.object({ level: z.enum(["info", "warn", "error"]), text: z.string() }),
  progress: z.object({ done: z.number().min(0), total: z.number().min(0) }),
  artifact: z.object({ name: z.string(), content: z.string() }),
  tool: z.object({
    tool: z.string(),
    callId: z.string(),
    status: z.enum(["pending", "running", "completed", "error"]),
    title: z.string().optional(),
    error: z.string().optional(),
    input: z.unknown().optional().describe("the call's arguments, bounded by the adapter"),
    output: z.string().optional().describe("what a completed call returned, bounded by the adapter"),
  }),
  reasoning: z.object({ text: z.string() }),
  todo: z.object({
    todos: z.array(z.object({ content: z.string(), status: z.string(), priority: z.string().optional() })),
  }),
  /** Tokens and cost of one model call (or step); summed on the session. */
  usage: z.object({
    input: z.int().min(0),
    output: z.int().min(0),
    reasoning: z.int().min(0),
    cost: z.number().min(0),
  }),
  // Not logged as agent.*: the engine acts on these.
  /** The agent is working (text streaming in): resets the stall watchdog, is not logged. */
  alive: z.object({}),
  /** Logged as session.checkpoint. */
  checkpoint: z.object({ data: z.unknown() }),
  /** Move the session to `degraded` and back (a session.status entry), or a warning when it is already. */
  degraded: z.object({ reason: z.string() }),
  recovered: z.object({}),
};
export type AgentEventType = keyof typeof AgentEvents;
/** One event an agent reports: `{ type: "tool", tool, callId, status, … }`. */
export type AgentEvent<T extends AgentEventType = AgentEventType> = {
  [K in T]: { type: K } & Fields<z.output<(typeof AgentEvents)[K]>>;
}[T];
/** zod types an empty object as `Record<string, never>`, which would make `type` never. */
type Fields<O> = O extends Record<string, never> ? unknown : O;

/** The routing decision's view of an agent, in a claim's session.status entry. */
const Pick = z.object({ id: z.string(), name: z.string(), score: z.number() });

const Answered = z.object({ approvalId: z.uuid(), ...Answer.shape, by: z.string() });

/** Every type of event the server writes to a session's log, with its `data`. */
export const Payloads = {
  "session.created": z.object({ status: Status, title: z.string() }),
  "session.status": z
    .object({
      from: Status,
      to: Status,
      event: z.string().describe("the state machine's event: claim, complete, fail, cancel, …"),
      attempt: z.int(),
      owner: z.string().optional().describe("who holds the lease after: a node, or agent:<id>"),
      reason: z.string().optional(),
      by: z.string().optional().describe("the person who asked for it: key:<id>, or dev"),
      error: Failure.optional(),
      agent: Pick.optional().describe("a claim: the agent routing picked"),
      runnersUp: z.array(Pick).optional(),
      why: z.string().optional(),
    })
    .describe("a change of status, as the state machine decided it"),
  "session.updated": Update,
  "session.deleted": z.object({}),
  "session.reviewed": z.object({ by: z.string() }),
  "session.message": z
    .object({
      id: z.uuid(),
      author: z.string().describe("who wrote it: key:<id>, or dev"),
      text: z.string(),
      steer: z.boolean().optional().describe("sent to stop the agent's current turn"),
      comments: z.number().int().optional().describe("how many review comments it carries"),
    })
    .describe(
      "a person's message to the agent: to a running session, read at its next turn (or steering it now); to an ended one, it opens a new round",
    ),
  "session.landing": Landing.describe(
    "landing a finished session's work: merged into the base, pushed to the remote, or a pull request opened; or refused and why",
  ),
  "session.waiting": z.object({ reason: z.string() }).describe("why a queued session is not claimed yet"),
  "session.checkpoint": z.object({ data: z.unknown().describe("the agent's own checkpoint") }),
  "session.restored": z.object({
    seq: Seq.describe("the session.checkpoint entry restored"),
    commit: z.string(),
    messageId: z.string().nullable().optional(),
  }),
  "approval.requested": z.object({
    approvalId: z.uuid(),
    kind: ApprovalKind,
    request: ApprovalRequest,
    expiresAt: z.iso.datetime(),
  }),
  "approval.answered": Answered,
  "approval.expired": Answered.describe("answered by the timeout policy: by is `policy`"),
  "approval.withdrawn": z.object({ approvalId: z.uuid() }),
  "agent.message": AgentEvents.message,
  "agent.delta": AgentEvents.delta,
  "agent.log": AgentEvents.log,
  "agent.progress": AgentEvents.progress,
  "agent.artifact": AgentEvents.artifact,
  "agent.tool": AgentEvents.tool,
  "agent.reasoning": AgentEvents.reasoning,
  "agent.todo": AgentEvents.todo,
  "agent.usage": AgentEvents.usage,
};
export type EventType = keyof typeof Payloads;
export type EventData<T extends EventType = EventType> = z.output<(typeof Payloads)[T]>;

/** The agent events logged as they are, as `agent.<type>`. */
export type LoggedAgentType = {
  [K in EventType]: K extends `agent.${infer A extends AgentEventType}` ? A : never;
}[EventType];

/** Whether `type` is in the registry: a cheap check (no parse) that lets a reader trust `data`'s shape. */
export const isKnown = (type: string): type is EventType => Object.hasOwn(Payloads, type);

/** The log entry an agent event becomes: `agent.<type>` with the event's other fields as `data`. */
export function agentEntry<T extends LoggedAgentType>(ev: AgentEvent<T>): EventEntry<`agent.${T}`> {
  const { type, ...data } = ev;
  // One cast: TypeScript cannot follow `type` into the template literal; the registry maps them 1:1.
  return { type: `agent.${type}`, data } as EventEntry<`agent.${T}`>;
}

/** A type and its data, correlated: what a writer gives the log (the server adds ids, seq and time). */
export type EventEntry<T extends EventType = EventType> = { [K in T]: { type: K; data: EventData<K> } }[T];
