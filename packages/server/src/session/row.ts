import { Priority, type Session } from "@orchestrator/sdk";
import { toDate, toIso } from "../time.ts";
import { type State, actions } from "./machine.ts";

/** A sessions row as the server sees it: the public Session plus what only the engine needs. */
export interface Row extends Session {
  tenantId: string;
  fence: number;
}

const priorities = Priority.options;

export function fromRow(r: Record<string, unknown>): Row {
  const leased = r.lease_owner !== null && r.lease_owner !== undefined;
  return {
    id: String(r.id),
    tenantId: String(r.tenant_id),
    title: String(r.title),
    prompt: String(r.prompt),
    type: r.type as Session["type"],
    priority: priorities[Number(r.priority)] ?? "medium",
    status: r.status as Session["status"],
    capabilities: (r.capabilities as string[]) ?? [],
    agent: (r.agent as string | null) ?? null,
    routing: { prefer: [], ...(r.routing as object | null) },
    agentId: (r.agent_id as string | null) ?? null,
    queueReason: (r.queue_reason as string | null) ?? null,
    workspace: (r.workspace as Session["workspace"]) ?? null,
    maxDurationSec: Number(r.max_duration_sec),
    maxAttempts: Number(r.max_attempts),
    attempt: Number(r.attempt),
    retries: Number(r.retries),
    tags: (r.tags as string[]) ?? [],
    metadata: (r.metadata as Record<string, unknown>) ?? {},
    parentId: (r.parent_id as string | null) ?? null,
    projectId: (r.project_id as string | null) ?? null,
    profile: (r.profile as string | null) ?? null,
    usage: { input: 0, output: 0, reasoning: 0, cost: 0, ...(r.usage as object | null) },
    lease: leased
      ? { owner: String(r.lease_owner), expiresAt: toIso(r.lease_expires_at)!, fence: Number(r.fence) }
      : null,
    runAfter: toIso(r.run_after),
    deadline: toIso(r.deadline),
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
    startedAt: toIso(r.started_at),
    endedAt: toIso(r.ended_at),
    result: r.result ?? null,
    error: (r.error as Session["error"]) ?? null,
    checkpoint: (r.checkpoint as Session["checkpoint"]) ?? null,
    lastSeq: Number(r.last_seq),
    // Derived, not stored: what the status allows now.
    actions: actions(r.status as Session["status"]),
    reviewedAt: toIso(r.reviewed_at),
    planId: (r.plan_id as string | null) ?? null,
    taskId: (r.task_id as string | null) ?? null,
    fence: Number(r.fence),
  };
}

export function toState(r: Row): State {
  return {
    status: r.status,
    attempt: r.attempt,
    maxAttempts: r.maxAttempts,
    maxDurationSec: r.maxDurationSec,
    fence: r.fence,
    startedAt: toDate(r.startedAt),
    deadline: toDate(r.deadline),
  };
}

/** The public view: strips engine-only fields. */
export function toPublic(r: Row): Session {
  const { tenantId: _t, fence: _f, ...rest } = r;
  return rest;
}
