import { GitError, git, ok } from "../workspace/git.ts";

/**
 * A plan's integration branch, merged into without a checkout: nothing here touches a worktree, so the
 * user's checkout and the tasks' worktrees are never disturbed. Every update of the branch is a
 * compare-and-swap (`update-ref <new> <old>`), so two nodes merging tasks of one plan at once cannot lose
 * a merge: the loser computes its merge again on the new tip.
 */

const who = ["-c", "user.name=Industrial Orchestrator", "-c", "user.email=orchestrator@localhost"];

export const branchOf = (planId: string) => `orchestrator/plan/${planId}`;

export type Merge =
  | { outcome: "merged"; commit: string; fastForward: boolean }
  | { outcome: "already"; commit: string }
  | { outcome: "conflict"; paths: string[]; tip: string };

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
 * Merge `source` (a task's branch) into the plan's integration branch. Clean: a fast-forward when the
 * branch has not moved since the task was cut, else a merge commit of the tree `git merge-tree
 * --write-tree` computed. A conflict changes nothing and names the conflicting paths.
 */
export async function merge(repo: string, planId: string, source: string, message: string): Promise<Merge> {
  const ref = `refs/heads/${branchOf(planId)}`;
  for (let tries = 0; ; tries++) {
    const [tip, head] = (await git(repo, ["rev-parse", ref, `${source}^{commit}`])).trim().split("\n");
    if (!tip || !head) throw new GitError(["rev-parse", ref, source], "no commit");
    if (await ok(repo, ["merge-base", "--is-ancestor", head, tip]))
      return { outcome: "already", commit: tip };
    let next: string;
    const fastForward = await ok(repo, ["merge-base", "--is-ancestor", tip, head]);
    if (fastForward) next = head;
    else {
      const tree = await mergeTree(repo, tip, head);
      if (!("tree" in tree)) return { outcome: "conflict", paths: tree.paths, tip };
      const args = ["commit-tree", tree.tree, "-p", tip, "-p", head, "-m", message];
      next = (await git(repo, [...who, ...args])).trim();
    }
    if (await ok(repo, ["update-ref", "-m", message.split("\n")[0]!, ref, next, tip]))
      return { outcome: "merged", commit: next, fastForward };
    // Someone merged another task meanwhile: merge again onto the new tip.
    if (tries >= 10) throw new GitError(["update-ref", ref], "the integration branch kept moving");
  }
}

/**
 * `git merge-tree --write-tree --name-only` answers exit 0 with the tree id, or exit 1 with the tree id
 * followed by the conflicted paths (then an empty line and messages).
 */
async function mergeTree(
  repo: string,
  ours: string,
  theirs: string,
): Promise<{ tree: string } | { paths: string[] }> {
  try {
    const out = await git(repo, ["merge-tree", "--write-tree", "--name-only", "--no-messages", ours, theirs]);
    return { tree: out.trim().split("\n")[0]! };
  } catch (err) {
    if (!(err instanceof GitError) || err.code !== 1) throw err;
    // With --no-messages the paths are all that follows the tree id.
    const paths = err.stdout.split("\n").slice(1).filter(Boolean);
    return { paths: paths.length ? paths : ["(unknown: git named no path)"] };
  }
}
