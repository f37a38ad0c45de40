import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { git } from "../workspace/git.ts";
import { branchOf, cut, merge } from "./integrate.ts";

const who = ["-c", "user.name=t", "-c", "user.email=t@t"];
let repo: string;

async function commitOn(branch: string, from: string, files: Record<string, string>) {
  // A scratch worktree per commit: the repository's own checkout stays on main, untouched.
  const dir = await mkdtemp(path.join(tmpdir(), "wt-"));
  await git(repo, ["worktree", "add", "-q", "-b", branch, dir, from]);
  for (const [f, text] of Object.entries(files)) await writeFile(path.join(dir, f), text);
  await git(dir, ["add", "-A"]);
  await git(dir, [...who, "commit", "-qm", branch]);
  await git(repo, ["worktree", "remove", "--force", dir]);
}

beforeEach(async () => {
  repo = await mkdtemp(path.join(tmpdir(), "integrate-"));
  await git(repo, ["init", "-q", "-b", "main"]);
  await writeFile(path.join(repo, "a.txt"), "one\ntwo\nthree\n");
  await git(repo, ["add", "-A"]);
  await git(repo, [...who, "commit", "-qm", "base"]);
});
afterEach(() => rm(repo, { recursive: true, force: true }));

const show = (ref: string, file: string) => git(repo, ["show", `${ref}:${file}`]);

describe("integration branch", () => {
  it("fast-forwards the first task, merges the second without a checkout, and is idempotent", async () => {
    const branch = await cut(repo, "p1", "main");
    expect(branch).toBe(branchOf("p1"));
    await commitOn("t1", branch, { "b.txt": "from t1\n" });
    await commitOn("t2", branch, { "c.txt": "from t2\n" });
    const first = await merge(repo, "p1", "t1", "merge t1");
    expect(first).toMatchObject({ outcome: "merged", fastForward: true });
    const second = await merge(repo, "p1", "t2", "merge t2");
    expect(second).toMatchObject({ outcome: "merged", fastForward: false });
    expect(await show(branch, "b.txt")).toBe("from t1\n");
    expect(await show(branch, "c.txt")).toBe("from t2\n");
    expect(await merge(repo, "p1", "t2", "again")).toEqual({
      outcome: "already",
      commit: (second as { commit: string }).commit,
    });
    // The user's checkout is untouched: still main, clean, without the tasks' files.
    expect((await git(repo, ["status", "--porcelain"])).trim()).toBe("");
    expect((await git(repo, ["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe("main");
    await expect(readFile(path.join(repo, "b.txt"))).rejects.toThrow();
  });

  it("names the conflicting paths and leaves the branch where it was", async () => {
    const branch = await cut(repo, "p2", "main");
    await commitOn("x", branch, { "a.txt": "one\nTWO from x\nthree\n" });
    await commitOn("y", branch, { "a.txt": "one\nTWO from y\nthree\n", "d.txt": "d\n" });
    expect((await merge(repo, "p2", "x", "merge x")).outcome).toBe("merged");
    const tip = (await git(repo, ["rev-parse", branch])).trim();
    expect(await merge(repo, "p2", "y", "merge y")).toEqual({ outcome: "conflict", paths: ["a.txt"], tip });
    expect((await git(repo, ["rev-parse", branch])).trim()).toBe(tip);
  });

  it("cutting again keeps the existing branch", async () => {
    await cut(repo, "p3", "main");
    await commitOn("z", branchOf("p3"), { "z.txt": "z\n" });
    await merge(repo, "p3", "z", "merge z");
    const tip = (await git(repo, ["rev-parse", branchOf("p3")])).trim();
    await cut(repo, "p3", "main");
    expect((await git(repo, ["rev-parse", branchOf("p3")])).trim()).toBe(tip);
  });
});
