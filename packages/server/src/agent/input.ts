import type { Row } from "../session/row.ts";
import type { RunInput } from "./agent.ts";

/**
 * What any agent is given to do, read from the session row once: the engine's run of an agent of ours
 * (`run`) and an EAP agent's assignment (agent/eap/tasks.ts) are both made from it, so the two cannot
 * drift apart.
 */
export function work(row: Row) {
  return {
    sessionId: row.id,
    attempt: row.attempt,
    type: row.type,
    title: row.title,
    prompt: row.prompt,
    capabilities: row.capabilities,
    /** The data of the last checkpoint, when resuming after a retry, crash or pause. */
    checkpoint: row.checkpoint?.data ?? null,
    workspace: row.workspace,
    metadata: row.metadata,
    maxDurationSec: row.maxDurationSec,
    deadline: row.deadline,
  };
}

/** The input of a run on this node: the session's work, plus what only a run here has. */
export function run(
  row: Row,
  here: Pick<RunInput, "project" | "profile" | "target" | "ask" | "credential" | "talk">,
): RunInput {
  const w = work(row);
  return {
    sessionId: w.sessionId,
    title: w.title,
    prompt: w.prompt,
    attempt: w.attempt,
    checkpoint: w.checkpoint,
    workspace: w.workspace,
    metadata: w.metadata,
    ...here,
  };
}
