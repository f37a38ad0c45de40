import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git, ok } from "../src/workspace/git.ts";
import * as Retention from "../src/workspace/retention.ts";
import { type TestServer, create, gitRepo, serve, settle } from "./harness.ts";

// Registering repositories, and sessions that run in worktrees of them (real git, real OpenCode).
const root = mkdtempSync(path.join(tmpdir(), "io-proj-"));
const repos = path.join(root, "repos");
const repo = path.join(repos, "app");
let s: TestServer;

beforeAll(async () => {
  await gitRepo(repo, { "README.md": "app\n", ".gitignore": ".env\ndeps/\n" });
  writeFileSync(path.join(repo, ".env"), "TOKEN=local\n"); // untracked and ignored: only copyFiles brings it
  mkdirSync(path.join(repos, "plain"), { recursive: true });
  s = await serve({ config: { dataDir: path.join(root, "data"), repoRoots: [repos] } });
}, 120_000);
afterAll(async () => {
  await s?.stop();
  rmSync(root, { recursive: true, force: true });
});

const post = (json: unknown) => s.api("/api/v1/projects", { method: "POST", json });

test("bad registrations are refused by field, and nothing is written", async () => {
  const cases: [unknown, number, string][] = [
    [{ name: "x", path: path.join(repos, "nope") }, 422, "body.path: "],
    [{ name: "x", path: tmpdir() }, 422, "outside the allowed roots"],
    [{ name: "x", path: path.join(repos, "plain") }, 422, "not a git repository"],
    [{ name: "x", path: repo, baseBranch: "nope" }, 422, "body.baseBranch: branch nope does not exist"],
    [{ name: "Bad Name", path: repo }, 422, "body.name"],
    [{ name: "x", path: repo, copyFiles: ["../secret"] }, 422, "body.copyFiles.0"],
    [{ name: "x", path: repo, surprise: 1 }, 422, "surprise"],
  ];
  for (const [json, status, text] of cases) {
    const r = await post(json);
    expect(r.status, JSON.stringify(json)).toBe(status);
    expect(r.body.error.message).toContain(text);
  }
  expect((await s.api("/api/v1/projects")).body.items).toEqual([]);
});

test("a project's sessions get their own worktree, with the setup run and the listed files copied", async () => {
  const r = await post({
    name: "app",
    path: repo,
    setup: "mkdir -p deps && echo installed > deps/marker",
    copyFiles: [".env"],
  });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({ name: "app", baseBranch: "main", retentionHours: 72 });
  expect((await post({ name: "app", path: repo })).status).toBe(409);

  const script = [
    { tool: "read", args: { filePath: ".env" } },
    { tool: "write", args: { filePath: "feature.txt", content: "new\n" } },
    { text: "done" },
  ];
  const { id, workspace, projectId } = await create(s, {
    project: "app",
    prompt: `Add a feature.\nFAKE_SCRIPT: ${JSON.stringify(script)}`,
  });
  expect(projectId).toBe(r.body.id);
  expect(workspace).toEqual({ repo: r.body.path, ref: "main" });
  const done = await settle(s, id, ["completed", "failed"], 120_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  const wt = done.result.worktree;
  expect(readFileSync(path.join(wt, ".env"), "utf8")).toBe("TOKEN=local\n");
  expect(readFileSync(path.join(wt, "deps", "marker"), "utf8")).toBe("installed\n");
  // Only the agent's work is on the branch: ignored setup output and copied secrets are not.
  expect(done.result.diff.files.map((f: any) => f.file)).toEqual(["feature.txt"]);

  const trees = (await s.api("/api/v1/projects/app/worktrees")).body.items;
  expect(trees).toEqual([
    { sessionId: id, status: "completed", path: wt, branch: `orchestrator/${id}`, exists: true },
  ]);

  // Retention removes the worktree of an ended session once its time is up; the branch stays.
  expect(await Retention.sweep(s.deps.db, s.deps.log, path.dirname(wt), new Date(), 72)).toEqual([]);
  const later = new Date(Date.now() + 73 * 3600_000);
  expect(await Retention.sweep(s.deps.db, s.deps.log, path.dirname(wt), later, 72)).toEqual([id]);
  expect(existsSync(wt)).toBe(false);
  expect(await ok(repo, ["rev-parse", "--verify", `refs/heads/orchestrator/${id}`])).toBe(true);
  expect((await s.api("/api/v1/projects/app/worktrees")).body.items[0].exists).toBe(false);

  // The kept branch still serves: a fork from the last checkpoint gets a worktree with the work in it.
  const last = (await s.api(`/api/v1/sessions/${id}/checkpoints`)).body.items.at(-1);
  const fork = await s.api(`/api/v1/sessions/${id}/checkpoints/${last.seq}/fork`, {
    method: "POST",
    json: { prompt: 'Look.\nFAKE_SCRIPT: [{"text":"seen"}]' },
  });
  expect(fork.status).toBe(201);
  const child = await settle(s, fork.body.id, ["completed", "failed"], 120_000);
  expect(child.status, JSON.stringify(child.error)).toBe("completed");
  expect(readFileSync(path.join(child.result.worktree, "feature.txt"), "utf8")).toBe("new\n");
  expect(readFileSync(path.join(child.result.worktree, ".env"), "utf8")).toBe("TOKEN=local\n");
}, 300_000);

test("sessions name projects that exist; a project with live sessions cannot be removed", async () => {
  const unknown = await s.api("/api/v1/sessions", {
    method: "POST",
    json: { title: "t", prompt: "p", project: "ghost" },
  });
  expect(unknown.status).toBe(422);
  expect(unknown.body.error.message).toContain("body.project");
  const both = await s.api("/api/v1/sessions", {
    method: "POST",
    json: { title: "t", prompt: "p", project: "app", workspace: { repo } },
  });
  expect(both.status).toBe(422);

  const held = await create(s, { project: "app", prompt: "later", hold: true });
  const del = await s.api("/api/v1/projects/app", { method: "DELETE" });
  expect(del.status).toBe(409);
  expect(del.body.error.message).toContain("not ended");
  await s.api(`/api/v1/sessions/${held.id}/cancel`, { method: "POST" });
  expect((await s.api("/api/v1/projects/app", { method: "DELETE" })).status).toBe(204);
  expect((await s.api("/api/v1/projects/app")).status).toBe(404);
  // Unregistering leaves the user's repository and its session branches alone.
  expect((await git(repo, ["branch", "--list", "orchestrator/*"])).trim()).not.toBe("");
});
