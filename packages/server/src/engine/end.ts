import { Fatal, RetryAfter } from "../agent/agent.ts";
import type { Event } from "../session/machine.ts";

/** Why a run was stopped from outside its agent, if it was. */
export type Why = "lost" | "control" | "timeout" | "shutdown" | "stalled";

/**
 * The one transition that tells the truth about how a run ended (pure). Why it was stopped decides
 * first; otherwise the agent's error does: `Fatal` fails for good, `RetryAfter` and anything else fail
 * with a retry while attempts remain. Null: someone else already moved the session (our fence is stale).
 */
export function ending(why: Why | null, err: unknown, stallMs: number): Event | null {
  switch (why) {
    case "lost":
    case "control":
      return null;
    case "timeout":
      return { type: "timeout" };
    case "shutdown":
      return { type: "release" };
    case "stalled":
      return {
        type: "fail",
        code: "stalled",
        message: `no agent event for ${stallMs} ms; stopped the agent`,
        retryable: true,
      };
  }
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Fatal) return { type: "fail", code: err.code, message, retryable: false };
  if (err instanceof RetryAfter)
    return { type: "fail", code: err.code, message, retryable: true, retryAfterMs: err.ms };
  return { type: "fail", code: "agent_error", message, retryable: true };
}
