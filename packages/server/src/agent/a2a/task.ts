import type { Status } from "@orchestrator/sdk";
import type { Row } from "../../session/row.ts";

/**
 * Sessions seen as A2A v1.0 tasks, in the protocol's wire JSON (ProtoJSON names). The task id is the
 * session id; the context id is the one the client sent (kept in the session's metadata) or the task id.
 */
export const stateOf: Record<Status, string> = {
  pending: "TASK_STATE_SUBMITTED",
  queued: "TASK_STATE_SUBMITTED",
  running: "TASK_STATE_WORKING",
  degraded: "TASK_STATE_WORKING",
  // Paused by an operator: still the orchestrator's to finish, nothing the client can do.
  paused: "TASK_STATE_WORKING",
  // A person must answer an approval (in the Control Room or the API), so the task needs input.
  waiting: "TASK_STATE_INPUT_REQUIRED",
  completed: "TASK_STATE_COMPLETED",
  partially_completed: "TASK_STATE_COMPLETED",
  failed: "TASK_STATE_FAILED",
  timeout: "TASK_STATE_FAILED",
  orphaned: "TASK_STATE_FAILED",
  stopped: "TASK_STATE_CANCELED",
  cancelled: "TASK_STATE_CANCELED",
};

/** The session statuses a task state covers (ListTasks filters by state). */
export const statusesOf = (state: string): Status[] =>
  (Object.keys(stateOf) as Status[]).filter((s) => stateOf[s] === state);

/** Ends a stream or a blocking SendMessage: terminal, or interrupted (needs input). */
export const settled = (status: string) =>
  ["TASK_STATE_COMPLETED", "TASK_STATE_FAILED", "TASK_STATE_CANCELED", "TASK_STATE_INPUT_REQUIRED"].includes(
    stateOf[status as Status] ?? "",
  );

export interface A2aMeta {
  contextId: string;
  messageId: string;
}
export const a2aOf = (row: Row): Partial<A2aMeta> => (row.metadata.a2a as Partial<A2aMeta>) ?? {};
export const contextOf = (row: Row) => a2aOf(row).contextId ?? row.id;

const text = (t: string) => ({ text: t });
const agentMessage = (row: Row, t: string) => ({
  messageId: `${row.id}:${row.lastSeq}`,
  role: "ROLE_AGENT",
  parts: [text(t)],
  contextId: contextOf(row),
  taskId: row.id,
});

/** What the status says in words: the error, a wait (the question asked, when known), or a partial result. */
function statusText(row: Row, asked?: string | null): string | null {
  if (row.status === "waiting")
    return asked ?? "waiting for a person to answer an approval in the orchestrator";
  if (row.error) return `${row.error.code}: ${row.error.message}`;
  if (row.status === "paused") return "paused by an operator";
  if (row.status === "partially_completed") return "partially completed";
  return null;
}

/** `asked`: what the session waits on a person for, in words (the question), when it waits. */
export function status(row: Row, asked?: string | null) {
  const words = statusText(row, asked);
  return {
    state: stateOf[row.status],
    timestamp: row.updatedAt,
    ...(words ? { message: agentMessage(row, words) } : {}),
  };
}

/** The session's result as artifacts: each named artifact, then the output itself. */
export function artifacts(row: Row) {
  const r = row.result as Record<string, unknown> | null;
  if (!r || typeof r !== "object") return [];
  const named = Object.entries((r.artifacts as Record<string, unknown>) ?? {}).map(([name, content]) => ({
    artifactId: name,
    name,
    parts: [typeof content === "string" ? text(content) : { data: content }],
  }));
  const out = "output" in r ? r.output : "text" in r ? r.text : undefined;
  if (out === undefined || out === null) return named;
  const part = typeof out === "string" ? text(out) : { data: out };
  return [...named, { artifactId: "result", name: "result", parts: [part] }];
}

export function task(row: Row, opts: { history?: number; artifacts?: boolean; asked?: string | null } = {}) {
  const a = a2aOf(row);
  const asked = {
    messageId: a.messageId ?? row.id,
    role: "ROLE_USER",
    parts: [text(row.prompt)],
    contextId: contextOf(row),
    taskId: row.id,
  };
  return {
    id: row.id,
    contextId: contextOf(row),
    status: status(row, opts.asked),
    artifacts: opts.artifacts === false ? [] : artifacts(row),
    history: opts.history === 0 ? [] : [asked],
    metadata: {
      orchestrator: { session: row.id, status: row.status, agentId: row.agentId, attempt: row.attempt },
    },
  };
}
