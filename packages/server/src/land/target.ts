import { type Landing, Plan, terminal } from "@orchestrator/sdk";
import type { z } from "zod";
import type { Db } from "../db/db.ts";
import { AppError } from "../error.ts";
import * as Log from "../event/log.ts";
import * as PlanLog from "../plan/events.ts";
import { getPlan } from "../plan/store.ts";
import * as Projects from "../project/store.ts";
import type { Row } from "../session/row.ts";
import * as Sessions from "../session/store.ts";

/**
 * What lands: a finished session's branch or a finished plan's integration branch, the repository and the
 * base branch it was cut from. Merge, push and pull request work on either alike; only the log that
 * records the outcome differs (`session.landing` or `plan.landing`).
 */
export interface Target {
  kind: "session" | "plan";
  id: string;
  tenantId: string;
  title: string;
  branch: string;
  repo: string;
  base: string;
  projectId: string | null;
  /** The session row, for a session (its log makes the pull request's body). */
  row?: Row;
}

/** Which endings leave work worth landing. */
const finished: readonly string[] = ["completed", "partially_completed"];

/** A session's work to land, or why it cannot land (yet). */
export async function session(db: Db, tenantId: string, id: string): Promise<Target> {
  const row = await Sessions.get(db, tenantId, id);
  const branch = (row.result as { branch?: unknown } | null)?.branch;
  if (row.planId)
    throw new AppError(
      "invalid_transition",
      `session ${id} is a task of plan ${row.planId}: its work lands with the plan's integration branch`,
      { planId: row.planId },
    );
  const no = !terminal.includes(row.status as never)
    ? `session ${id} is ${row.status}: land it once it has finished`
    : !finished.includes(row.status)
      ? `session ${id} is ${row.status}: only a finished session's branch can land`
      : typeof branch !== "string"
        ? `session ${id} left no branch: only a finished session's branch can land`
        : null;
  if (no) throw new AppError("invalid_transition", no, { status: row.status });
  const project = row.projectId ? await Projects.get(db, tenantId, row.projectId) : null;
  const repo = row.workspace?.repo ?? project?.path;
  const base = row.workspace?.ref ?? project?.baseBranch;
  if (!repo || !base)
    throw new AppError("invalid_transition", `session ${id} has no repository to land from`, {});
  const t = { kind: "session" as const, id, tenantId, title: row.title, branch: String(branch), repo, base };
  return { ...t, projectId: row.projectId, row };
}

/** A plan's integration branch to land, or why it cannot land (yet). */
export async function plan(db: Db, tenantId: string, id: string): Promise<Target> {
  const p = await getPlan(db, tenantId, id);
  if (p.status !== "succeeded" && p.status !== "partially_succeeded")
    throw new AppError(
      "invalid_transition",
      Plan.planEnded.includes(p.status)
        ? `plan ${id} ${p.status === "cancelled" ? "was cancelled" : "failed"}: only a finished plan's integration branch can land`
        : `plan ${id} is ${p.status}: land it once it has finished`,
      { status: p.status },
    );
  if (!p.workspace || !p.integrationBranch)
    throw new AppError(
      "invalid_transition",
      `plan ${id} worked on no repository, so it has no integration branch to land`,
      { status: p.status },
    );
  // A plan started from a repository's HEAD has no named base branch to merge into or to aim a PR at.
  if (!p.workspace.ref)
    throw new AppError(
      "invalid_transition",
      `plan ${id} was cut from the HEAD of ${p.workspace.repo}, not from a named branch: merge it yourself with git -C ${p.workspace.repo} merge ${p.integrationBranch}`,
      { reason: "no_base", command: `git -C ${p.workspace.repo} merge ${p.integrationBranch}` },
    );
  return {
    kind: "plan",
    id,
    tenantId,
    title: p.title,
    branch: p.integrationBranch,
    repo: p.workspace.repo,
    base: p.workspace.ref,
    projectId: p.projectId,
  };
}

export type Entry = z.input<typeof Landing>;

/** Put a landing's outcome in the target's log. */
export async function record(db: Db, at: Date, t: Target, data: Entry): Promise<void> {
  if (t.kind === "plan") {
    await PlanLog.append(db, t.tenantId, t.id, at, [{ type: "plan.landing", data }]);
    return;
  }
  await Log.write(db, { tenantId: t.tenantId, sessionId: t.id, type: "session.landing", at, data });
}
