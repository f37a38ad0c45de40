import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppError } from "../src/error.ts";
import { mergeInto } from "../src/land/merge.ts";
import { git } from "../src/workspace/git.ts";
import { type TestServer, create, events, gitRepo, serve, settle } from "./harness.ts";

// Landing a session's branch in the user's repository with real git, then through the API with a real
// OpenCode (demo model).
const root = mkdtempSync(path.join(tmpdir(), "io-land-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const commit = (dir: string, message: string) =>
  git(dir, ["-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qam", message]);

/** A repository on main with a session's branch that adds `file`, cut from main's tip now. */
async function withBranch(name: string, file = "feature.txt", text = "feature\n") {
  const repo = await gitRepo(path.join(root, name), { "README.md": "readme\n", "shared.txt": "one\n" });
  const branch = `orchestrator/${name}`;
  await git(repo, ["checkout", "-q", "-b", branch]);
  writeFileSync(path.join(repo, file), text);
  await git(repo, ["add", file]);
  await commit(repo, "the agent's work");
  await git(repo, ["checkout", "-q", "main"]);
  return { repo, branch };
}

const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError & { details: Record<string, any> };
};

describe("merging into the base branch", () => {
  test("checked out and clean: a fast-forward there, so the user's files follow", async () => {
    const { repo, branch } = await withBranch("ff");
    const tip = (await git(repo, ["rev-parse", branch])).trim();
    const m = await mergeInto(repo, "main", branch, "merge");
    expect(m).toMatchObject({
      outcome: "merged",
      base: "main",
      commit: tip,
      fastForward: true,
      checkout: repo,
    });
    expect(readFileSync(path.join(repo, "feature.txt"), "utf8")).toBe("feature\n");
    expect((await git(repo, ["status", "--porcelain"])).trim()).toBe("");
    expect(await mergeInto(repo, "main", branch, "merge")).toMatchObject({ outcome: "already", commit: tip });
  });

  test("checked out with uncommitted changes: refused with the command to run, and nothing touched", async () => {
    const { repo, branch } = await withBranch("dirty");
    writeFileSync(path.join(repo, "README.md"), "my unsaved edit\n");
    const before = (await git(repo, ["rev-parse", "main"])).trim();
    const err = await refusal(mergeInto(repo, "main", branch, "merge"));
    expect(err.code).toBe("conflict");
    expect(err.details).toMatchObject({ reason: "base_dirty", command: `git -C ${repo} merge ${branch}` });
    expect(err.message).toContain("uncommitted changes");
    expect(err.message).toContain(`git -C ${repo} merge ${branch}`);
    expect((await git(repo, ["rev-parse", "main"])).trim()).toBe(before);
    expect(readFileSync(path.join(repo, "README.md"), "utf8")).toBe("my unsaved edit\n");
  });

  test("not checked out, the base moved: a merge commit made without a checkout", async () => {
    const { repo, branch } = await withBranch("moved");
    writeFileSync(path.join(repo, "README.md"), "readme, edited on main\n");
    await commit(repo, "main moves on");
    await git(repo, ["checkout", "-q", "-b", "elsewhere"]);
    writeFileSync(path.join(repo, "shared.txt"), "work in progress on another branch\n");
    const m = await mergeInto(repo, "main", branch, "Merge the session");
    expect(m).toMatchObject({ outcome: "merged", fastForward: false, checkout: null });
    const parents = (await git(repo, ["rev-list", "--parents", "-n", "1", "main"])).trim().split(" ");
    expect(parents).toHaveLength(3);
    expect((await git(repo, ["show", "main:feature.txt"])).trim()).toBe("feature");
    expect((await git(repo, ["show", "main:README.md"])).trim()).toBe("readme, edited on main");
    // The checkout the user is on is untouched, uncommitted work included.
    expect((await git(repo, ["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe("elsewhere");
    expect(readFileSync(path.join(repo, "shared.txt"), "utf8")).toBe("work in progress on another branch\n");
  });

  test("a conflict changes nothing, names the paths, and offers the agent a follow-up to rebase", async () => {
    const { repo, branch } = await withBranch("clash", "shared.txt", "the agent's line\n");
    writeFileSync(path.join(repo, "shared.txt"), "someone else's line\n");
    await commit(repo, "main changes the same line");
    const before = (await git(repo, ["rev-parse", "main"])).trim();
    const err = await refusal(mergeInto(repo, "main", branch, "merge"));
    expect(err.details).toMatchObject({ reason: "merge_conflict", paths: ["shared.txt"] });
    expect(err.details.followUp).toContain("Rebase your work onto the current main");
    expect(err.message).toContain("conflicts in shared.txt");
    expect((await git(repo, ["rev-parse", "main"])).trim()).toBe(before);
    expect(readFileSync(path.join(repo, "shared.txt"), "utf8")).toBe("someone else's line\n");
  });
});

describe("the merge action", () => {
  let s: TestServer;
  const repos = path.join(root, "served");
  beforeAll(async () => {
    s = await serve({ config: { dataDir: path.join(root, "data"), repoRoots: [repos] } });
  }, 60_000);
  afterAll(() => s?.stop());

  test("a finished OpenCode session's branch lands in the base; the outcome is in its log", async () => {
    const repo = await gitRepo(path.join(repos, "app"), { "README.md": "app\n" });
    const script = [
      { tool: "write", args: { filePath: "hello.txt", content: "hello\n" } },
      { text: "Done." },
    ];
    const { id } = await create(s, {
      prompt: `Write hello.txt.\nFAKE_SCRIPT: ${JSON.stringify(script)}`,
      workspace: { repo },
    });
    const done = await settle(s, id, ["completed", "failed"], 120_000);
    expect(done.status, JSON.stringify(done.error)).toBe("completed");

    writeFileSync(path.join(repo, "README.md"), "unsaved\n");
    const dirty = await s.api(`/api/v1/sessions/${id}/merge`, { method: "POST" });
    expect(dirty.status).toBe(409);
    expect(dirty.body.error.details.command).toBe(`git -C ${repo} merge orchestrator/${id}`);
    await git(repo, ["checkout", "--", "README.md"]);

    const r = await s.api(`/api/v1/sessions/${id}/merge`, { method: "POST" });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      outcome: "merged",
      branch: `orchestrator/${id}`,
      base: "main",
      fastForward: true,
    });
    expect(readFileSync(path.join(repo, "hello.txt"), "utf8")).toBe("hello\n");
    const landing = (await events(s, id)).filter((e) => e.type === "session.landing").map((e) => e.data);
    expect(landing).toMatchObject([
      { how: "merge", outcome: "refused", reason: "base_dirty" },
      { how: "merge", outcome: "merged", commit: r.body.commit, base: "main" },
    ]);
    expect(landing[1].by).toMatch(/^key:/);

    // A session that left no branch, and one that has not finished, are refused in words.
    const plain = await create(s, { prompt: "nothing to land", agent: "scripted" });
    await settle(s, plain.id, ["completed"]);
    const none = await s.api(`/api/v1/sessions/${plain.id}/merge`, { method: "POST" });
    expect(none.status).toBe(409);
    expect(none.body.error.message).toContain("left no branch");
  }, 180_000);
});
