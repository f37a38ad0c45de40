import { git, ok } from "../workspace/git.ts";
import { type Merge, mergeRef } from "../workspace/merge.ts";

export type { Merge };

/**
 * A plan's integration branch, merged into without a checkout: nothing here touches a worktree, so the
 * user's checkout and the tasks' worktrees are never disturbed. Every update of the branch is a
 * compare-and-swap (`update-ref <new> <old>`), so two nodes merging tasks of one plan at once cannot lose
 * a merge: the loser computes its merge again on the new tip.
 */

export const branchOf = (planId: string) => `orchestrator/plan/${planId}`;

/** Cut the integration branch at `base` (a commit); an existing branch is kept (a restart cutting again). */
export async function cut(repo: string, planId: string, base: string): Promise<string> {
  const branch = branchOf(planId);
  const sha = await git(repo, ["rev-parse", "--verify", `${base}^{commit}`]);
  // `update-ref` with an all-zero old value creates the branch only if it does not exist.
  const created = await ok(repo, ["update-ref", `refs/heads/${branch}`, sha.trim(), "0".repeat(40)]);
  if (!created) await git(repo, ["rev-parse", "--verify", `refs/heads/${branch}`]);
  return branch;
}

/**
 * Merge `source` (a task's branch) into the plan's integration branch: a fast-forward when the branch has
 * not moved since the task was cut, else a merge commit; a conflict changes nothing (workspace/merge.ts).
 */
export const merge = (repo: string, planId: string, source: string, message: string): Promise<Merge> =>
  mergeRef(repo, `refs/heads/${branchOf(planId)}`, source, message);
