import type { Landed } from "@orchestrator/sdk";
import type { Db } from "../db/db.ts";
import { AppError } from "../error.ts";
import { mergeInto } from "./merge.ts";
import { type Target, record } from "./target.ts";

/**
 * Land a finished session's branch or plan's integration branch by merging it into the base branch it was
 * cut from, in the user's repository (land/merge.ts says when that is safe). The outcome, a refusal too,
 * goes in its log.
 */
export async function merge(db: Db, now: () => Date, t: Target, by: string): Promise<Landed> {
  const { branch, base } = t;
  const log = (data: {
    outcome: "merged" | "already" | "refused";
    commit?: string;
    fastForward?: boolean;
    reason?: string;
    message?: string;
  }) => record(db, now(), t, { how: "merge", branch, base, by, ...data });
  const what = t.kind === "session" ? `Orchestrator session ${t.id}` : `Orchestrator plan ${t.id}`;
  try {
    const message = `Merge ${branch}: ${t.title}\n\n${what}`;
    const m = await mergeInto(t.repo, base, branch, message, t.kind === "session");
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
