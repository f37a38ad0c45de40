import { existsSync } from "node:fs";
import { copyFile, mkdir, realpath, rm, stat } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../error.ts";
import { GitError, git, ok } from "./git.ts";

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

const invalidAt = (field: string, message: string) =>
  new AppError("validation_failed", `${field}: ${message}`, { issues: [{ path: field, message }] });

/** A checked repository: its real path, the branch checked out there, and the base to cut from. */
export interface Repo {
  path: string;
  /** "" when HEAD is detached or unborn. */
  branch: string;
  /** The base branch asked for, else the one checked out. */
  base: string;
}

/** Whether `p` is `root` or lies below it (both absolute and normalised). */
export const within = (p: string, root: string) =>
  p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * The refusal of a path outside the roots. A path another tenant holds gets exactly this answer too, so
 * the answer says nothing about whether it exists or whose it is.
 */
export const outside = (repo: string, allowedRoots: string[], field = "path") =>
  invalidAt(field, `${repo} is outside the allowed roots (${allowedRoots.join(", ")})`);

/**
 * Check a repository before registering it: it lies inside one of the allowed roots (after resolving
 * symlinks) and not where `taken` says another tenant is, it exists, it is the top of a git work tree, and
 * the base branch exists (or, when none is named, a branch is checked out to serve as the base).
 */
export async function inspect(
  repo: string,
  baseBranch: string | undefined,
  allowedRoots: string[],
  /** The request's names for the two fields, for error paths (e.g. body.workspace.repo). */
  names: { path: string; branch: string } = { path: "path", branch: "baseBranch" },
  /** Whether a real path is, holds or lies in another tenant's repository. */
  taken: (real: string) => Promise<boolean> = async () => false,
): Promise<Repo> {
  const invalid = (field: "path" | "baseBranch", message: string) =>
    invalidAt(field === "path" ? names.path : names.branch, message);
  const roots = await Promise.all(allowedRoots.map((r) => realpath(r).catch(() => path.resolve(r))));
  // Where and whose first, existence after: a missing path outside the roots, or in another tenant's
  // repository, answers like an existing one.
  const { real, exists } = await resolve(path.resolve(repo));
  if (!roots.some((root) => within(real, root)) || (await taken(real)))
    throw outside(repo, allowedRoots, names.path);
  if (!exists) throw invalid("path", `${repo} does not exist`);
  if (!(await stat(real)).isDirectory()) throw invalid("path", `${repo} is not a directory`);
  const here = await head(real);
  if (!here) throw invalid("path", `${repo} is not a git repository`);
  if (path.resolve(here.top) !== real)
    throw invalid("path", `${repo} is inside a repository; give its top, ${here.top}`);
  if (
    baseBranch !== undefined &&
    baseBranch !== here.branch &&
    !(await ok(real, ["rev-parse", "--verify", "--quiet", `refs/heads/${baseBranch}`]))
  ) {
    throw invalid("baseBranch", `branch ${baseBranch} does not exist in ${repo}`);
  }
  const base = baseBranch ?? here.branch;
  if (!base) throw invalid("baseBranch", "the repository has no branch checked out; name one");
  return { path: real, branch: here.branch, base };
}

/**
 * The real path of `p` with symlinks resolved; for a path that does not exist, its deepest existing
 * ancestor's real path joined with the rest, so a missing path is placed where it would be.
 */
async function resolve(p: string): Promise<{ real: string; exists: boolean }> {
  let rest = "";
  for (let dir = p; ; dir = path.dirname(dir)) {
    const real = await realpath(dir).catch(() => null);
    if (real !== null) return { real: rest ? path.join(real, rest) : real, exists: !rest };
    if (path.dirname(dir) === dir) return { real: p, exists: false };
    rest = rest ? path.join(path.basename(dir), rest) : path.basename(dir);
  }
}

/** The top of the work tree at `dir` and its checked-out branch, in one git call; null if not in one. */
async function head(dir: string): Promise<{ top: string; branch: string } | null> {
  const out = await git(dir, ["rev-parse", "--show-toplevel", "--symbolic-full-name", "HEAD"]).catch(() =>
    // A repository without commits fails on HEAD: ask for the top alone to tell it from no repository.
    git(dir, ["rev-parse", "--show-toplevel"]).catch(() => null),
  );
  if (out === null) return null;
  const [top = "", ref = ""] = out.trim().split("\n");
  return { top, branch: ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : "" };
}

type Branches = Map<string, { commit: string; current: boolean }>;

/** Branches by name, each with its commit and whether it is checked out in `repo`: one git call. */
async function branches(repo: string, names: string[]): Promise<Branches> {
  // for-each-ref lists only what exists (no error for a missing name); a pattern also matches refs below
  // it, so the exact names are picked out here. Ref names cannot contain spaces.
  const out = await git(repo, [
    "for-each-ref",
    "--format=%(HEAD) %(objectname) %(refname)",
    ...names.map((n) => `refs/heads/${n}`),
  ]);
  const found: Branches = new Map();
  for (const line of out.split("\n")) {
    const [commit, ref] = line.slice(2).split(" ");
    const name = ref?.slice("refs/heads/".length);
    if (commit && name !== undefined && names.includes(name))
      found.set(name, { commit, current: line.startsWith("*") });
  }
  return found;
}

/** Where session worktrees live: under the data directory, never inside the user's repository. */
export const rootFor = (dataDir: string) => path.join(dataDir, "worktrees");

/** The branch of a session's worktree: named after the session, so it is easy to find and never reused. */
export const branchFor = (sessionId: string) => `orchestrator/${sessionId}`;

/**
 * Cut a new worktree for a session from the project's base branch, under `root`. Refuses when the branch
 * already exists, and when the base branch is checked out with uncommitted changes: the new worktree
 * would silently not contain them.
 */
export async function create(project: Project, sessionId: string, root: string): Promise<Worktree> {
  const branch = branchFor(sessionId);
  const refs = await branches(project.path, [project.baseBranch, branch]);
  if (refs.has(branch)) {
    throw new AppError("conflict", `branch ${branch} already exists in ${project.path}`, { branch });
  }
  return cut(project, branch, path.join(root, sessionId), refs.get(project.baseBranch));
}

async function cut(
  project: Project,
  branch: string,
  dir: string,
  base: { commit: string; current: boolean } | undefined,
): Promise<Worktree> {
  if (!base) {
    const message = `the base branch ${project.baseBranch} no longer exists in ${project.path}`;
    throw new AppError("conflict", message, { branch: project.baseBranch });
  }
  if (base.current) await refuseDirty(project);
  await mkdir(path.dirname(dir), { recursive: true });
  await git(project.path, ["worktree", "add", "-q", "-b", branch, dir, base.commit]);
  await copyInto(project, dir);
  return { path: dir, branch, base: base.commit };
}

/** Copy the project's listed files (untracked secrets and the like) into a new worktree. */
async function copyInto(project: Project, dir: string): Promise<void> {
  for (const file of project.copyFiles) {
    const from = path.join(project.path, file);
    const to = path.join(dir, file);
    if (!to.startsWith(dir + path.sep)) throw invalidAt("copyFiles", `${file} leaves the worktree`);
    await mkdir(path.dirname(to), { recursive: true });
    await copyFile(from, to).catch((err: NodeJS.ErrnoException) => {
      // A listed file that the repository does not have is skipped: it is optional by nature (.env).
      if (err.code !== "ENOENT") throw err;
    });
  }
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

/**
 * Refuse a base branch that is checked out with uncommitted changes: a new worktree would silently not
 * contain them. Checked when a session is submitted, and again when its worktree is cut. `current` is the
 * branch checked out in the repository, when the caller knows it already.
 */
export async function checkBase(
  project: Pick<Project, "path" | "baseBranch">,
  current?: string,
): Promise<void> {
  const checkedOut = current ?? (await currentBranch(project.path).catch(() => ""));
  if (checkedOut === project.baseBranch) await refuseDirty(project);
}

async function refuseDirty(project: Pick<Project, "path" | "baseBranch">): Promise<void> {
  const dirty = (await git(project.path, ["status", "--porcelain", "--untracked-files=no"])).trim();
  if (dirty) {
    throw new AppError(
      "conflict",
      `the base branch ${project.baseBranch} has uncommitted changes in ${project.path}; commit or stash them first`,
      { files: dirty.split("\n").slice(0, 20) },
    );
  }
}

/**
 * A session's worktree: reused when a retry finds it in place, checked out again from its branch when
 * retention removed it, cut fresh otherwise. `how` says which: a new directory needs the project's setup,
 * and only a branch cut just now still has the base as its head.
 */
export async function open(
  project: Project,
  sessionId: string,
  root: string,
): Promise<Worktree & { how: "reused" | "checked-out" | "cut" }> {
  const dir = path.join(root, sessionId);
  const branch = branchFor(sessionId);
  const baseOf = async () =>
    (
      await git(project.path, ["merge-base", `refs/heads/${project.baseBranch}`, `refs/heads/${branch}`])
    ).trim();
  if (existsSync(dir)) {
    const head = await git(dir, ["rev-parse", "--abbrev-ref", "HEAD"]).catch(() => "");
    if (head.trim() === branch) return { path: dir, branch, base: await baseOf(), how: "reused" };
  }
  const refs = await branches(project.path, [project.baseBranch, branch]);
  if (refs.has(branch)) {
    // Retention removed the worktree of an ended session that is now retried: check its branch out again.
    await rm(dir, { recursive: true, force: true });
    await git(project.path, ["worktree", "prune"]);
    await mkdir(root, { recursive: true });
    await git(project.path, ["worktree", "add", dir, branch]);
    return { path: dir, branch, base: await baseOf(), how: "checked-out" };
  }
  return { ...(await cut(project, branch, dir, refs.get(project.baseBranch))), how: "cut" };
}

/** Rewind a worktree to `commit`: the branch moves back, later changes and untracked files go. */
export async function reset(dir: string, commit: string): Promise<void> {
  await git(dir, ["reset", "-q", "--hard", commit]);
  // -fd keeps ignored files (installed dependencies, copied secrets); it only drops the agent's leftovers.
  await git(dir, ["clean", "-q", "-fd"]);
}

/** A new session's worktree on a new branch cut from `commit` (a fork of another session). */
export async function createAt(
  project: Project,
  sessionId: string,
  root: string,
  commit: string,
): Promise<Worktree> {
  const branch = branchFor(sessionId);
  const dir = path.join(root, sessionId);
  await mkdir(root, { recursive: true });
  await git(project.path, ["worktree", "add", "-q", "-b", branch, dir, commit]);
  await copyInto(project, dir);
  const base = (await git(project.path, ["merge-base", `refs/heads/${project.baseBranch}`, commit])).trim();
  return { path: dir, branch, base };
}

/** The base branch when none is named: whatever the repository has checked out. */
export async function currentBranch(repo: string): Promise<string> {
  return (await git(repo, ["symbolic-ref", "--quiet", "--short", "HEAD"])).trim();
}

export interface Diff {
  files: { file: string; additions: number; deletions: number }[];
  additions: number;
  deletions: number;
  patch: string;
}

/**
 * Commit everything the agent changed onto the session branch (a checkpoint), and return the commit, or
 * null when nothing changed. Two git calls: `commit` exits 1 when there is nothing to commit, and names
 * the new commit in its summary line (in full, with core.abbrev=no).
 */
export async function commit(wt: Worktree, message: string): Promise<string | null> {
  await git(wt.path, ["add", "-A"]);
  const who = ["-c", "user.name=Industrial Orchestrator", "-c", "user.email=orchestrator@localhost"];
  try {
    const out = await git(wt.path, [...who, "-c", "core.abbrev=no", "commit", "--no-verify", "-m", message]);
    // "[orchestrator/<id> <sha>] subject", or "[<branch> (root-commit) <sha>] …"
    const sha = /^\[[^\]\n]* ([0-9a-f]{40,64})\]/m.exec(out)?.[1];
    return sha ?? (await git(wt.path, ["rev-parse", "HEAD"])).trim();
  } catch (err) {
    if (err instanceof GitError && err.code === 1) return null;
    throw err;
  }
}

/** The session's result: its branch against the commit it was cut from (numstat and patch in one call). */
export async function diff(wt: Pick<Worktree, "path" | "base" | "branch">, patch = true): Promise<Diff> {
  const range = `${wt.base}..${wt.branch}`;
  const out = await git(wt.path, ["diff", "--numstat", ...(patch ? ["--patch"] : []), range]);
  // The numstat lines come first, then a blank line, then the patch.
  const end = out.indexOf("\n\n");
  const numstat = end < 0 ? out.trim() : out.slice(0, end).trim();
  const files = numstat
    ? numstat.split("\n").map((line) => {
        const [a, d, ...name] = line.split("\t");
        return { file: name.join("\t"), additions: Number(a) || 0, deletions: Number(d) || 0 };
      })
    : [];
  return {
    files,
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    patch: end < 0 ? "" : out.slice(end + 2),
  };
}
