import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { GitError, git } from "./git.ts";

const root = mkdtempSync(path.join(tmpdir(), "io-git-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("worktree commands on one repository take turns: a dozen at once all land, and a failed one does not block the rest", async () => {
  const repo = path.join(root, "r");
  await git(root, ["init", "-q", "-b", "main", repo]);
  await git(repo, ["-c", "user.email=t@e", "-c", "user.name=T", "commit", "-q", "--allow-empty", "-m", "x"]);
  const adds = Array.from({ length: 12 }, (_, i) =>
    git(repo, ["worktree", "add", "-q", "-b", `b${i}`, path.join(root, `w${i}`), "HEAD"]),
  );
  const bad = git(repo, ["worktree", "add", "-q", "-b", "b0", path.join(root, "dup"), "HEAD"]);
  const after = git(repo, ["worktree", "add", "-q", "-b", "late", path.join(root, "late"), "HEAD"]);
  await Promise.all(adds);
  await expect(bad).rejects.toBeInstanceOf(GitError);
  await after;
  for (let i = 0; i < 12; i++) expect(existsSync(path.join(root, `w${i}`, ".git"))).toBe(true);
  const list = await git(repo, ["worktree", "list", "--porcelain"]);
  expect(list.match(/^worktree /gm)).toHaveLength(14);
});
