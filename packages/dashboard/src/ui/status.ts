import { Status } from "@orchestrator/sdk";

/** The one status-colour map: every session state has a tone, and the tones are the CSS colours. */
export type Tone = "run" | "queue" | "ask" | "hold" | "done" | "bad" | "idle";

export const tone: Record<Status, Tone> = {
  pending: "idle",
  queued: "queue",
  running: "run",
  degraded: "hold",
  waiting: "ask",
  paused: "hold",
  completed: "done",
  partially_completed: "done",
  failed: "bad",
  timeout: "bad",
  orphaned: "bad",
  stopped: "idle",
  cancelled: "idle",
};

/** Every state, in the order the state machine moves through them. */
export const statuses: readonly Status[] = Status.options;

export const label = (s: string) => s.replace(/_/g, " ");

/** States a runner is working in: their marker pulses. */
export const live: readonly Status[] = ["running", "degraded", "waiting"];

/** Agent statuses use the same tones. */
export const agentTone: Record<string, Tone> = {
  online: "run",
  degraded: "hold",
  draining: "queue",
  offline: "bad",
};
