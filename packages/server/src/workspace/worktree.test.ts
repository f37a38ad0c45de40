import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { git } from "./git.ts";
import { type Project, branchFor, commit, create, diff, inspect, open, remove } from "./worktree.ts";

const root = mkdtempSync(path.join(tmpdir(), "io-wt-"));
const repo = path.join(root, "repos", "app");
const trees = path.join(root, "data", "worktrees");
let project: Project;

beforeAll(async () => {
  mkdirSync(path.join(root, "data"), { recursive: true });
  await git(root, ["init", "-q", "-b", "main", repo]);
  mkdirSync(path.join(repo, "sub"));
  for (const [k, v] of [
    ["user.email", "t@example.com"],
    ["user.name", "T"],
  ])
    await git(repo, ["config", k!, v!]);
  writeFileSync(path.join(repo, "README.md"), "hello\n");
  writeFileSync(path.join(repo, ".env"), "SECRET=1\n");
  writeFileSync(path.join(repo, ".gitignore"), ".env\n");
  await git(repo, ["add", "README.md", ".gitignore"]);
  await git(repo, ["commit", "-qm", "first"]);
  project = {
    path: (await inspect(repo, "main", [path.join(root, "repos")])).path,
    baseBranch: "main",
    copyFiles: [".env", "missing.txt"],
  };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("registering a repository", () => {
  test("a missing path, a non-repository, a subdirectory, a path outside the roots and an unknown branch are refused by name", async () => {
    const roots = [path.join(root, "repos")];
    await expect(inspect(path.join(root, "repos", "nope"), "main", roots)).rejects.toThrow(
      /path: .* does not exist/,
    );
    await expect(inspect(path.join(root, "data"), "main", [root])).rejects.toThrow(
      /path: .* not a git repository/,
    );
    await expect(inspect(repo, "main", [path.join(root, "data")])).rejects.toThrow(
      /path: .* outside the allowed roots/,
    );
    await expect(inspect(repo, "trunk", roots)).rejects.toThrow(/baseBranch: branch trunk does not exist/);
  });

  test("with no base named, the checked-out branch is the base; a detached HEAD needs one named", async () => {
    const roots = [path.join(root, "repos")];
    expect(await inspect(repo, undefined, roots)).toEqual({
      path: project.path,
      branch: "main",
      base: "main",
    });
    await git(repo, ["checkout", "-q", "--detach"]);
    try {
      await expect(inspect(repo, undefined, roots)).rejects.toThrow(
        /baseBranch: the repository has no branch checked out/,
      );
      expect(await inspect(repo, "main", roots)).toEqual({ path: project.path, branch: "", base: "main" });
    } finally {
      await git(repo, ["checkout", "-q", "main"]);
    }
  });

  test("where comes before whether: outside the roots, a missing path and an existing one answer alike", async () => {
    const roots = [path.join(root, "data")];
    const answer = (p: string) =>
      inspect(p, "main", roots).then(
        () => "accepted",
        (err: Error) => err.message.replace(p, "<path>"),
      );
    const existing = await answer(repo);
    expect(existing).toBe(`path: <path> is outside the allowed roots (${roots[0]})`);
    expect(await answer(path.join(root, "repos", "nope", "deeper"))).toBe(existing);
    expect(await answer("/no/such/dir")).toBe(existing);
    // And a path another tenant holds (as `taken` says) answers the same, whether it exists or not.
    const taken = async (real: string) => real.startsWith(path.join(root, "data", "held"));
    mkdirSync(path.join(root, "data", "held"), { recursive: true });
    for (const p of [path.join(root, "data", "held"), path.join(root, "data", "held", "nope")])
      expect(
        await inspect(p, "main", roots, undefined, taken).catch((e: Error) => e.message.replace(p, "<path>")),
      ).toBe(existing);
  });

  test("a symlink cannot smuggle a repository in from outside the allowed roots", async () => {
    const link = path.join(root, "data", "sneaky");
    symlinkSync(repo, link);
    await expect(inspect(link, "main", [path.join(root, "data")])).rejects.toThrow(
      /outside the allowed roots/,
    );
  });
});

describe("session worktrees", () => {
  test("each session gets its own worktree on a branch named after it, cut from the base, with the listed files copied", async () => {
    const wt = await create(project, "s1", trees);
    expect(wt.branch).toBe(branchFor("s1"));
    expect(readFileSync(path.join(wt.path, "README.md"), "utf8")).toBe("hello\n");
    expect(readFileSync(path.join(wt.path, ".env"), "utf8")).toBe("SECRET=1\n");
    expect((await git(wt.path, ["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe(wt.branch);
    expect(wt.base).toBe((await git(repo, ["rev-parse", "main"])).trim());
  });

  test("three sessions work in parallel without seeing each other's changes", async () => {
    const wts = await Promise.all(["a", "b", "c"].map((id) => create(project, id, trees)));
    await Promise.all(
      wts.map(async (wt, i) => {
        writeFileSync(path.join(wt.path, `only-${i}.txt`), `${i}\n`);
        await git(wt.path, ["add", "."]);
        await git(wt.path, [
          "-c",
          "user.email=t@example.com",
          "-c",
          "user.name=T",
          "commit",
          "-qm",
          `work ${i}`,
        ]);
      }),
    );
    for (const [i, wt] of wts.entries()) {
      const files = (await git(wt.path, ["ls-files"])).trim().split("\n");
      expect(files).toContain(`only-${i}.txt`);
      expect(files.filter((f) => f.startsWith("only-"))).toEqual([`only-${i}.txt`]);
    }
    expect((await git(repo, ["ls-files"])).includes("only-")).toBe(false);
  });

  test("a branch that already exists is refused with a conflict", async () => {
    await git(repo, ["branch", branchFor("taken")]);
    await expect(create(project, "taken", trees)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("already exists"),
    });
  });

  test("a dirty checked-out base is refused rather than silently left out", async () => {
    writeFileSync(path.join(repo, "README.md"), "changed\n");
    await expect(create(project, "dirty", trees)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("uncommitted changes"),
    });
    await git(repo, ["checkout", "--", "README.md"]);
  });

  test("removing a worktree keeps its branch (the session's result) unless asked", async () => {
    const wt = await create(project, "gone", trees);
    await remove(project, wt);
    expect((await git(repo, ["worktree", "list"])).includes(wt.path)).toBe(false);
    expect((await git(repo, ["branch", "--list", wt.branch])).trim()).not.toBe("");
    const again = await create(project, "gone2", trees);
    await remove(project, again, { deleteBranch: true });
    expect((await git(repo, ["branch", "--list", again.branch])).trim()).toBe("");
  });

  test("a checkpoint commit returns the new head, or null when nothing changed; the diff counts and patches", async () => {
    const wt = await open(project, "ck", trees);
    expect(wt.how).toBe("cut");
    expect(await commit(wt, "nothing yet")).toBeNull();
    writeFileSync(path.join(wt.path, "new.txt"), "a\nb\n");
    writeFileSync(path.join(wt.path, "README.md"), "hello\nworld\n");
    const head = await commit(wt, "step 1");
    expect(head).toBe((await git(wt.path, ["rev-parse", "HEAD"])).trim());
    expect(await commit(wt, "step 2")).toBeNull();
    const d = await diff(wt);
    expect(d.files).toEqual([
      { file: "README.md", additions: 1, deletions: 0 },
      { file: "new.txt", additions: 2, deletions: 0 },
    ]);
    expect([d.additions, d.deletions]).toEqual([3, 0]);
    expect(d.patch).toBe(await git(wt.path, ["diff", `${wt.base}..${wt.branch}`]));
    // A retry finds the worktree in place, and its base is still where the branch was cut.
    const again = await open(project, "ck", trees);
    expect(again).toEqual({ ...wt, how: "reused" });
  });
});
