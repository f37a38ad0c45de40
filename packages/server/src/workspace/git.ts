import { execFile } from "node:child_process";
import path from "node:path";
import { childEnv } from "../config.ts";

export class GitError extends Error {
  readonly args: string[];
  readonly stderr: string;
  /** git's exit code; null when it was killed or never ran. */
  readonly code: number | null;
  /** What git printed before failing: some commands answer on stdout with a non-zero exit (merge-tree). */
  readonly stdout: string;
  constructor(args: string[], stderr: string, code: number | null = null, stdout = "") {
    super(`git ${args.join(" ")} failed: ${stderr.trim() || "no output"}`);
    this.name = "GitError";
    this.args = args;
    this.stderr = stderr;
    this.code = code;
    this.stdout = stdout;
  }
}

/**
 * Run git in `cwd` and return its stdout. Each call forks the server, which costs 20–40 ms once PGlite has
 * grown it to most of a GiB, so callers ask git for several answers at once where they can. No shell is involved, so branch names and paths are never
 * interpreted. Prompts are disabled: a git that wants credentials fails instead of hanging.
 */
export function git(
  cwd: string,
  args: string[],
  timeoutMs = 60_000,
  env: Record<string, string> = {},
): Promise<string> {
  if (args[0] !== "worktree") return run(cwd, args, timeoutMs, env);
  // Two `git worktree` commands at once on one repository race over .git/worktrees: one reads the other's
  // half-made entry ("failed to read .git/worktrees/a/commondir"). They take turns per repository.
  const key = path.resolve(cwd);
  const turn = (queues.get(key) ?? Promise.resolve()).then(() => run(cwd, args, timeoutMs));
  const tail = turn.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return turn;
}

const queues = new Map<string, Promise<void>>();

function run(
  cwd: string,
  args: string[],
  timeoutMs: number,
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      {
        cwd,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: childEnv({ GIT_TERMINAL_PROMPT: "0", ...env }),
      },
      (err, stdout, stderr) =>
        err
          ? reject(
              new GitError(
                args,
                String(stderr || err.message),
                typeof err.code === "number" ? err.code : null,
                String(stdout),
              ),
            )
          : resolve(String(stdout)),
    );
  });
}

/** Like `git`, but a non-zero exit is an answer (false), not an error. */
export async function ok(cwd: string, args: string[]): Promise<boolean> {
  try {
    await git(cwd, args);
    return true;
  } catch (err) {
    if (err instanceof GitError) return false;
    throw err;
  }
}
