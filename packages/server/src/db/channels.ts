/**
 * Every notification the server sends, by topic, with what its payload is and who listens. They all travel
 * on ONE PostgreSQL channel, at most one NOTIFY per transaction (db/notify.ts): a transaction that notifies
 * takes a database-wide lock at commit, so a write that wakes three kinds of listeners should pay for it
 * once, not three times. `Db.listen(topic, fn)` hands each listener the payloads of its own topic.
 *
 * A payload of "" means "no particular one": topics that carry none, and any topic whose payloads did not
 * fit in the 8,000 bytes PostgreSQL allows a NOTIFY; listeners then look at everything they wait for.
 */
export const topics = {
  /** Tenant id: the tenant's event log grew. event/hub.ts reads it and feeds the streams; webhooks fan out. */
  events: "tenant id",
  /** A session became claimable, or a lease ended and freed a slot: engines run a claim pass. */
  queue: "none",
  /** Session id: someone other than its runner moved a leased session; the runner stops the agent now. */
  control: "session id",
  /** Approval id: a person (or the timeout policy) answered; the waiting run reads the answer. */
  approval: "approval id",
  /** The registry changed, or an attempt failed and may open a breaker: routing reads the agents again. */
  agents: "none",
  /** Agent id: an external agent has an assignment; its long-polls and gRPC streams on any node wake. */
  tasks: "agent id",
  /** `<session id>:<token>`: an A2A agent we called pushed an update; the run that waits asks for the task. */
  a2a_push: "session id and token",
  /** Session id: a person sent a live session a message; its run (on any node) hands it to the agent. */
  talk: "session id",
  /** Context document id: the document changed; MCP clients subscribed to it are told (mcp/). */
  context: "document id",
} as const;

export type Topic = keyof typeof topics;

/** One thing to tell listeners: a topic and, for topics that have one, its payload. */
export type Note = readonly [Topic, string?];

/** The one PostgreSQL channel every topic travels on. */
export const channel = "io_notify";
