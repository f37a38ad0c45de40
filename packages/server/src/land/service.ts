import { type Landed, terminal } from "@orchestrator/sdk";
import type { Db } from "../db/db.ts";
import { AppError } from "../error.ts";
import * as Log from "../event/log.ts";
import * as Projects from "../project/store.ts";
import type { Row } from "../session/row.ts";
import * as Sessions from "../session/store.ts";
import { mergeInto } from "./merge.ts";

/** Which endings leave work worth landing. */
const finished: readonly string[] = ["completed", "partially_completed"];

/** A finished session's branch and the repository and base branch it was cut from. */
export interface Landable {
  row: Row;
  branch: string;
  repo: string;
  base: string;
}

/** What landing a session works on, or why it cannot land (yet). */
export async function landable(db: Db, tenantId: string, id: string): Promise<Landable> {
  const row = await Sessions.get(db, tenantId, id);
  const result = (row.result ?? {}) as { branch?: unknown };
  if (row.planId)
    throw new AppError(
      "invalid_transition",
      `session ${id} is a task of plan ${row.planId}: its work lands with the plan's integration branch`,
      { planId: row.planId },
    );
  const no = unmergeable(id, row.status, result.branch);
  if (no) throw new AppError("invalid_transition", no, { status: row.status });
  const project = row.projectId ? await Projects.get(db, tenantId, row.projectId) : null;
  const repo = row.workspace?.repo ?? project?.path;
  const base = row.workspace?.ref ?? project?.baseBranch;
  if (!repo || !base)
    throw new AppError("invalid_transition", `session ${id} has no repository to land from`, {});
  return { row, branch: String(result.branch), repo, base }; // a string: unmergeable said so
}

/**
 * Land a finished session by merging its branch into the base branch it was cut from, in the user's
 * repository (land/merge.ts says when that is safe). The outcome, a refusal too, goes in its log.
 */
export async function merge(
  db: Db,
  now: () => Date,
  tenantId: string,
  id: string,
  by: string,
): Promise<Landed> {
  const { row, branch, repo, base } = await landable(db, tenantId, id);
  const log = (data: {
    outcome: "merged" | "already" | "refused";
    commit?: string;
    fastForward?: boolean;
    reason?: string;
    message?: string;
  }) =>
    Log.write(db, {
      tenantId,
      sessionId: id,
      type: "session.landing",
      at: now(),
      data: { how: "merge" as const, branch, base, by, ...data },
    });
  try {
    const m = await mergeInto(
      repo,
      base,
      branch,
      `Merge ${branch}: ${row.title}\n\nOrchestrator session ${id}`,
    );
    await log({ outcome: m.outcome, commit: m.commit, fastForward: m.fastForward });
    return { ...m, branch };
  } catch (err) {
    if (err instanceof AppError && err.code === "conflict") {
      const reason = (err.details as { reason?: string } | undefined)?.reason;
      await log({ outcome: "refused", ...(reason ? { reason } : {}), message: err.message });
    }
    throw err;
  }
}

/** Why a session's work cannot be merged yet (or at all), in words; null when it can. */
function unmergeable(id: string, status: string, branch: unknown): string | null {
  if (!terminal.includes(status as never)) return `session ${id} is ${status}: land it once it has finished`;
  if (!finished.includes(status))
    return `session ${id} is ${status}: only a finished session's branch can land`;
  if (typeof branch !== "string")
    return `session ${id} left no branch: only a finished session's branch can land`;
  return null;
}
