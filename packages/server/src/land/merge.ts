import { AppError } from "../error.ts";
import { GitError, git } from "../workspace/git.ts";
import { compose, mergeRef } from "../workspace/merge.ts";

/** How a merge into the user's base branch went. */
export interface Merged {
  outcome: "merged" | "already";
  base: string;
  commit: string;
  fastForward: boolean;
  /** The checkout of the base that was brought along (its files updated), if the base is checked out. */
  checkout: string | null;
}

/**
 * Merge a session's branch into the base branch of the user's repository, only when it is safe. A base
 * checked out nowhere moves by compare-and-swap. A base checked out in a clean working tree is moved
 * there by a fast-forward to the merge computed without a checkout, so its files follow. A base checked
 * out with uncommitted changes is left alone: the refusal names the command to run. A conflict changes
 * nothing and names the paths.
 */
export async function mergeInto(
  repo: string,
  base: string,
  source: string,
  message: string,
  /** Offer the follow-up that asks the branch's agent to rebase (a session has one agent; a plan has not). */
  ask = true,
): Promise<Merged> {
  const ref = `refs/heads/${base}`;
  const checkout = await checkedOut(repo, ref);
  const command = `git -C ${checkout ?? repo} merge ${source}`;
  if (!checkout) {
    const m = await mergeRef(repo, ref, source, message);
    if (m.outcome === "conflict") throw conflict(source, base, m.paths, ask);
    return {
      outcome: m.outcome,
      base,
      commit: m.commit,
      fastForward: m.outcome === "merged" && m.fastForward,
      checkout,
    };
  }
  const dirty = (await git(checkout, ["status", "--porcelain", "--untracked-files=no"])).trim();
  if (dirty)
    throw new AppError(
      "conflict",
      `${base} is checked out in ${checkout} with uncommitted changes, so nothing was merged. Commit or stash them, then run: ${command}`,
      { reason: "base_dirty", command, files: dirty.split("\n").slice(0, 20) },
    );
  const tip = (await git(repo, ["rev-parse", "--verify", ref])).trim();
  const m = await compose(repo, tip, source, message);
  if (m.outcome === "conflict") throw conflict(source, base, m.paths, ask);
  if (m.outcome === "already")
    return { outcome: "already", base, commit: m.commit, fastForward: false, checkout };
  // Fast-forward only: the checkout moved meanwhile fails here rather than merging something unseen.
  await git(checkout, ["merge", "--ff-only", "-q", m.commit]).catch((err: unknown) => {
    const why = err instanceof GitError ? err.stderr.trim().split("\n")[0] : String(err);
    throw new AppError(
      "conflict",
      `${base} in ${checkout} could not take the merge (${why}); run: ${command}`,
      {
        reason: "checkout_refused",
        command,
      },
    );
  });
  return { outcome: "merged", base, commit: m.commit, fastForward: m.fastForward, checkout };
}

/** The working tree where `ref` is checked out (the repository's own or a linked one), if any. */
async function checkedOut(repo: string, ref: string): Promise<string | null> {
  const out = await git(repo, ["worktree", "list", "--porcelain"]);
  for (const block of out.split("\n\n")) {
    const lines = block.split("\n");
    if (lines.includes(`branch ${ref}`)) return lines.find((l) => l.startsWith("worktree "))!.slice(9);
  }
  return null;
}

/** The base moved and now conflicts: the refusal says so and offers the follow-up that asks for a rebase. */
function conflict(source: string, base: string, paths: string[], ask: boolean): AppError {
  const followUp =
    `The base branch ${base} has moved since you worked, and merging your branch into it now conflicts in ` +
    `${paths.join(", ")}. Rebase your work onto the current ${base}, resolve the conflicts, and make sure it ` +
    `still works.`;
  const where = `conflicts in ${paths.length === 1 ? paths[0] : `${paths.length} files`}`;
  if (!ask)
    return new AppError(
      "conflict",
      `merging ${source} into ${base} ${where}: ${base} moved since the plan started. Merge ${base} into ${source} by hand (or in a new plan), then land again.`,
      { reason: "merge_conflict", paths },
    );
  return new AppError(
    "conflict",
    `merging ${source} into ${base} ${where}: ${base} moved since the agent worked. Ask the agent to rebase (send it the follow-up in details.followUp).`,
    { reason: "merge_conflict", paths, followUp },
  );
}
