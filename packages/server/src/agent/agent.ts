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
}

export type AgentEvent =
  /** `part`: the streamed text part it completes (its `delta` pieces came first). */
  | { type: "message"; text: string; part?: string }
  /** A piece of text as it is written; the `message` with the same part has the whole. */
  | { type: "delta"; part: string; text: string }
  | { type: "log"; level: "info" | "warn" | "error"; text: string }
  | { type: "progress"; done: number; total: number }
  | { type: "artifact"; name: string; content: string }
  | {
      type: "tool";
      tool: string;
      callId: string;
      status: "pending" | "running" | "completed" | "error";
      title?: string;
      error?: string;
      /** The call's arguments, and (completed) what it returned; bounded by the adapter. */
      input?: unknown;
      output?: string;
    }
  | { type: "reasoning"; text: string }
  | { type: "todo"; todos: { content: string; status: string; priority?: string }[] }
  /** Tokens and cost of one model call (or step); summed on the session. */
  | { type: "usage"; input: number; output: number; reasoning: number; cost: number }
  /** The agent is working (text streaming in): resets the stall watchdog, is not logged. */
  | { type: "alive" }
  | { type: "checkpoint"; data: unknown }
  | { type: "degraded"; reason: string }
  | { type: "recovered" }
  | { type: "result"; result: unknown; partial?: boolean };

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
