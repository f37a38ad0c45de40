import { GitError, git, ok } from "./git.ts";

/**
 * Merges computed without a checkout: nothing here touches a working tree, so the user's checkout and the
 * sessions' worktrees are never disturbed. Updating a branch is a compare-and-swap (`update-ref <new>
 * <old>`), so two merges into one branch at once cannot lose either: the loser computes its merge again.
 */

const who = ["-c", "user.name=Industrial Orchestrator", "-c", "user.email=orchestrator@localhost"];

export type Merge =
  | { outcome: "merged"; commit: string; fastForward: boolean }
  | { outcome: "already"; commit: string }
  | { outcome: "conflict"; paths: string[]; tip: string };

/**
 * What merging `source` into the commit `tip` makes: `already` when the tip holds it, the source itself
 * for a fast-forward, else a merge commit of the tree `git merge-tree --write-tree` computed (written to
 * the object store, referenced by no branch yet). A conflict names the paths.
 */
export async function compose(repo: string, tip: string, source: string, message: string): Promise<Merge> {
  const head = (await git(repo, ["rev-parse", `${source}^{commit}`])).trim();
  if (await ok(repo, ["merge-base", "--is-ancestor", head, tip])) return { outcome: "already", commit: tip };
  if (await ok(repo, ["merge-base", "--is-ancestor", tip, head]))
    return { outcome: "merged", commit: head, fastForward: true };
  const tree = await mergeTree(repo, tip, head);
  if (!("tree" in tree)) return { outcome: "conflict", paths: tree.paths, tip };
  const args = ["commit-tree", tree.tree, "-p", tip, "-p", head, "-m", message];
  return { outcome: "merged", commit: (await git(repo, [...who, ...args])).trim(), fastForward: false };
}

/** Merge `source` into the branch `ref` (refs/heads/…) by compare-and-swap; a conflict changes nothing. */
export async function mergeRef(repo: string, ref: string, source: string, message: string): Promise<Merge> {
  for (let tries = 0; ; tries++) {
    const tip = (await git(repo, ["rev-parse", "--verify", ref])).trim();
    const m = await compose(repo, tip, source, message);
    if (m.outcome !== "merged") return m;
    if (await ok(repo, ["update-ref", "-m", message.split("\n")[0]!, ref, m.commit, tip])) return m;
    // Someone moved the branch meanwhile: merge again onto the new tip.
    if (tries >= 10) throw new GitError(["update-ref", ref], "the branch kept moving");
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
