import { copyFile, mkdir, realpath, rm, stat } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../error.ts";
import { git, ok } from "./git.ts";

/** A registered repository: where it is, what new worktrees start from, and what they get copied in. */
export interface Project {
  path: string;
  baseBranch: string;
  /** Files (relative to the repo) copied into every new worktree, e.g. an untracked `.env`. */
  copyFiles: string[];
}

export interface Worktree {
  path: string;
  branch: string;
  /** The commit the branch was cut from. */
  base: string;
}

const invalid = (field: string, message: string) =>
  new AppError("validation_failed", `${field}: ${message}`, { issues: [{ path: field, message }] });

/**
 * Check a repository before registering it: it exists, it is the top of a git work tree, it lies inside one
 * of the allowed roots (after resolving symlinks), and the base branch exists. Returns the real path.
 */
export async function inspect(repo: string, baseBranch: string, allowedRoots: string[]): Promise<string> {
  const real = await realpath(repo).catch(() => {
    throw invalid("path", `${repo} does not exist`);
  });
  if (!(await stat(real)).isDirectory()) throw invalid("path", `${repo} is not a directory`);
  const roots = await Promise.all(allowedRoots.map((r) => realpath(r).catch(() => path.resolve(r))));
  if (!roots.some((root) => real === root || real.startsWith(root + path.sep))) {
    throw invalid("path", `${repo} is outside the allowed roots (${allowedRoots.join(", ")})`);
  }
  const top = await git(real, ["rev-parse", "--show-toplevel"]).catch(() => {
    throw invalid("path", `${repo} is not a git repository`);
  });
  if (path.resolve(top.trim()) !== real)
    throw invalid("path", `${repo} is inside a repository; give its top, ${top.trim()}`);
  if (!(await ok(real, ["rev-parse", "--verify", "--quiet", `refs/heads/${baseBranch}`]))) {
    throw invalid("baseBranch", `branch ${baseBranch} does not exist in ${repo}`);
  }
  return real;
}

/** The branch of a session's worktree: named after the session, so it is easy to find and never reused. */
export const branchFor = (sessionId: string) => `orchestrator/${sessionId}`;

/**
 * Cut a new worktree for a session from the project's base branch, under `root`. Refuses when the branch
 * already exists, and when the base branch is checked out with uncommitted changes: the new worktree
 * would silently not contain them.
 */
export async function create(project: Project, sessionId: string, root: string): Promise<Worktree> {
  const branch = branchFor(sessionId);
  if (await ok(project.path, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`])) {
    throw new AppError("conflict", `branch ${branch} already exists in ${project.path}`, { branch });
  }
  const current = (
    await git(project.path, ["symbolic-ref", "--quiet", "--short", "HEAD"]).catch(() => "")
  ).trim();
  if (current === project.baseBranch) {
    const dirty = (await git(project.path, ["status", "--porcelain", "--untracked-files=no"])).trim();
    if (dirty) {
      throw new AppError(
        "conflict",
        `the base branch ${project.baseBranch} has uncommitted changes in ${project.path}; commit or stash them first`,
        {
          files: dirty.split("\n").slice(0, 20),
        },
      );
    }
  }
  const base = (await git(project.path, ["rev-parse", `refs/heads/${project.baseBranch}`])).trim();
  const dir = path.join(root, sessionId);
  await mkdir(root, { recursive: true });
  await git(project.path, ["worktree", "add", "-b", branch, dir, base]);
  for (const file of project.copyFiles) {
    const from = path.join(project.path, file);
    const to = path.join(dir, file);
    if (!to.startsWith(dir + path.sep)) throw invalid("copyFiles", `${file} leaves the worktree`);
    await mkdir(path.dirname(to), { recursive: true });
    await copyFile(from, to).catch((err: NodeJS.ErrnoException) => {
      // A listed file that the repository does not have is skipped: it is optional by nature (.env).
      if (err.code !== "ENOENT") throw err;
    });
  }
  return { path: dir, branch, base };
}

/**
 * Remove a session's worktree. The branch is kept unless `deleteBranch`: it is the session's result.
 * Callers must not delete the branch of a session that is still running.
 */
export async function remove(
  project: Project,
  wt: Worktree,
  opts: { deleteBranch?: boolean } = {},
): Promise<void> {
  if (!(await ok(project.path, ["worktree", "remove", "--force", wt.path]))) {
    // git no longer knows it (already pruned): make sure the directory is gone too.
    await rm(wt.path, { recursive: true, force: true });
    await git(project.path, ["worktree", "prune"]);
  }
  if (opts.deleteBranch) await git(project.path, ["branch", "-D", wt.branch]);
}
