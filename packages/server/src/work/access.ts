import type { Context } from "@orchestrator/sdk";
import type { Work } from "./credential.ts";

/** The scopes an agent reaches: those of the work it runs. Agent, tenant and temporary scopes are people's. */
export const scopes = ["session", "plan", "project"] as const;
export type WorkScope = (typeof scopes)[number];

/** The owner a work's document of `scope` has, or null when the work has none (a session in no plan). */
export function ownerOf(work: Work, scope: Context.Scope): string | null {
  if (scope === "session") return work.sessionId;
  if (scope === "plan") return work.planId;
  if (scope === "project") return work.projectId;
  return null;
}

/** Whether the agent doing `work` may read and write a document: only its session's, plan's and project's. */
export const may = (work: Work, doc: { scope: Context.Scope; ownerId: string | null }): boolean =>
  doc.ownerId !== null && ownerOf(work, doc.scope) === doc.ownerId;

/**
 * What REST paths a session credential reaches: shared context (each document checked by `may`), its own
 * plan and its tasks, and its own session. Everything else is people's.
 */
export function reaches(work: Work, method: string, path: string): boolean {
  if (/^\/api\/v1\/contexts(\/|$)/.test(path)) return true;
  if (method === "GET" && path === `/api/v1/sessions/${work.sessionId}`) return true;
  if (!work.planId) return false;
  const plan = `/api/v1/plans/${work.planId}`;
  // Read the plan, add a task, change one that has not started; retry and skip stay people's.
  return (
    (method === "GET" && path === plan) ||
    (method === "POST" && path === `${plan}/tasks`) ||
    (method === "PATCH" && new RegExp(`^${plan}/tasks/[^/]+$`).test(path))
  );
}
