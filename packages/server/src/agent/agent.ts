import type * as Sdk from "@orchestrator/sdk";
import type { Answer, ApprovalRequest } from "@orchestrator/sdk";

/**
 * The one small interface every agent implements (scripted now; opencode, eap and a2a later).
 * `run` yields events until it yields a `result` or throws; it stops promptly when `signal` aborts.
 */
export interface Agent {
  name: string;
  /** Shown in the API and UI next to the name, e.g. that an agent is a test double. */
  label: string;
  capabilities: string[];
  run(input: RunInput, signal: AbortSignal): AsyncIterable<AgentEvent>;
  health(): Promise<{ ok: boolean; detail?: string }>;
}

/** What an agent asks a person, and how long it may wait before the profile's policy answers. */
export interface Ask {
  kind: "permission" | "question";
  request: ApprovalRequest;
  timeoutMs: number;
  /** `reject` answers for the person; `fail` ends the attempt (ask throws Fatal "approval_timeout"). */
  onTimeout: "reject" | "fail";
}

export interface RunInput {
  sessionId: string;
  title: string;
  prompt: string;
  attempt: number;
  /** The data of the last checkpoint, when resuming after a retry, crash or pause. */
  checkpoint: unknown | null;
  workspace: { repo: string; ref?: string } | null;
  /** The registered project the workspace belongs to (setup command, files to copy), if any. */
  project: { path: string; baseBranch: string; setup: string | null; copyFiles: string[] } | null;
  profile: string | null;
  metadata: Record<string, unknown>;
  /** The registered agent the session was routed to (an A2A agent's card and endpoint, say). */
  target?: { id: string; name: string; endpoint: string | null; card: unknown };
  /**
   * Ask a person and wait: the session shows as `waiting` until the answer (or the timeout policy's).
   * Rejects when the run is stopped meanwhile.
   */
  ask(q: Ask): Promise<Answer>;
  /**
   * A credential for this attempt (work/credential.ts): what the agent presents to MCP and the context
   * API, reaching only this session's work, and good only while this attempt holds the lease.
   */
  credential(): Promise<string>;
  /** People's messages to the agent (conversation/store.ts). */
  talk: Talk;
}

/** A person's message, as a run hands it to the agent. */
export interface Said {
  id: string;
  author: string;
  text: string;
  /** Stop the agent's current turn and make this the next prompt. */
  steer: boolean;
}

/** What a run knows of the conversation with people, and how it hands messages over. */
export interface Talk {
  /**
   * Messages not yet handed to the agent when the run began, oldest first: the prompt of a round a message
   * to the ended session opened, or messages sent while it was queued.
   */
  waiting: Said[];
  /** The last message handed over before this run: what a resumed round was last asked. */
  last: Said | null;
  /** Messages not yet handed over, now, oldest first. */
  pending(): Promise<Said[]>;
  /**
   * Resolves when a message arrives for this session while it runs (then read `pending`), or at once if
   * one came since the last call resolved. Only news: a message can also be found by `pending` unannounced.
   */
  arrived(): Promise<void>;
  /** Mark messages handed to the agent (once it accepted them), so a retry does not send them again. */
  delivered(ids: string[]): Promise<void>;
}

/**
 * What a run yields: the agent events of the SDK's registry (sdk/events.ts: messages, tools, usage,
 * checkpoints, health, …), then the `result` that ends it (not an event of the log: a transition).
 */
export type AgentEvent = Sdk.AgentEvent | { type: "result"; result: unknown; partial?: boolean };

/** Typed retry intent: adapters throw these instead of the engine parsing error strings. */
export class Fatal extends Error {
  readonly code: string;
  constructor(message: string, code = "agent_fatal") {
    super(message);
    this.name = "Fatal";
    this.code = code;
  }
}

export class RetryAfter extends Error {
  readonly ms: number;
  readonly code: string;
  constructor(message: string, ms: number, code = "agent_retry") {
    super(message);
    this.name = "RetryAfter";
    this.ms = ms;
    this.code = code;
  }
}

export type Registry = ReadonlyMap<string, Agent>;
