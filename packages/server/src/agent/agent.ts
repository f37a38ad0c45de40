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

export interface RunInput {
  sessionId: string;
  title: string;
  prompt: string;
  attempt: number;
  /** The data of the last checkpoint, when resuming after a retry, crash or pause. */
  checkpoint: unknown | null;
  workspace: { repo: string; ref?: string } | null;
  metadata: Record<string, unknown>;
}

export type AgentEvent =
  | { type: "message"; text: string }
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
    }
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
