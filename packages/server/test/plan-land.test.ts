import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git } from "../src/workspace/git.ts";
import { forge } from "./forge.ts";
import { gitHttp } from "./git-http.ts";
import { type TestServer, gitRepo, serve, until } from "./harness.ts";

// Landing a plan: its integration branch merged into the base in the user's repository (refused when the
// base moved into a conflict or its checkout is dirty), pushed to a real bare repository behind
// `git http-backend`, and proposed as a pull request through the real Octokit against a scripted GitHub.
const root = mkdtempSync(path.join(tmpdir(), "io-planland-"));
const repos = path.join(root, "repos");
const repo = path.join(repos, "app");
const token = "tok-81c5e0d2aa";
const who = ["-c", "user.email=t@example.com", "-c", "user.name=T"];
let s: TestServer;
let remote: Awaited<ReturnType<typeof gitHttp>>;
let github: Awaited<ReturnType<typeof forge>>;

beforeAll(async () => {
  mkdirSync(path.join(root, "remotes", "acme"), { recursive: true });
  await git(path.join(root, "remotes", "acme"), ["init", "-q", "--bare", "-b", "main", "app.git"]);
  [remote, github] = await Promise.all([gitHttp(path.join(root, "remotes"), token), forge(token)]);
  await gitRepo(repo, { "README.md": "app\n" });
  s = await serve({
    config: {
      dataDir: path.join(root, "data"),
      repoRoots: [repos],
      agents: { allowHosts: ["127.0.0.1"] } as never,
    },
  });
}, 120_000);
afterAll(async () => {
  await s?.stop();
  await remote?.close();
  await github?.close();
  rmSync(root, { recursive: true, force: true });
});

const script = (what: string, steps: unknown[]) => `${what}\nFAKE_SCRIPT: ${JSON.stringify(steps)}`;
const post = (p: string) => s.api(p, { method: "POST" });
const rev = async (ref: string) => (await git(repo, ["rev-parse", ref])).trim();

test("a finished plan's integration branch merges (only when safe), pushes and opens a PR; each outcome is in its log", async () => {
  const url = `${remote.url}/acme/app.git`;
  const made = await s.api("/api/v1/projects", {
    method: "POST",
    json: { name: "app", path: repo, remote: { url, token, forge: "github", api: github.url } },
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const plan = {
    title: "Ship the feature",
    goal: "Add feature.txt to the app.",
    project: "app",
    tasks: [
      {
        key: "feat",
        title: "Write the feature",
        prompt: script("Write feature.txt.", [
          { tool: "write", args: { filePath: "feature.txt", content: "feature\n" } },
          { text: "wrote feature.txt" },
        ]),
      },
    ],
  };
  // A draft has nothing to land yet.
  const draft = await s.api("/api/v1/plans", { method: "POST", json: plan });
  expect(draft.status).toBe(201);
  const early = await post(`/api/v1/plans/${draft.body.id}/merge`);
  expect(early.status).toBe(409);
  expect(early.body.error.message).toContain("is draft: land it once it has finished");

  const started = await s.api("/api/v1/plans", { method: "POST", json: { ...plan, start: true } });
  const id = started.body.id as string;
  const branch = `orchestrator/plan/${id}`;
  const done = await until(
    async () => {
      const r = await s.api(`/api/v1/plans/${id}`);
      return ["succeeded", "failed", "partially_succeeded", "cancelled"].includes(r.body.status)
        ? r.body
        : null;
    },
    240_000,
    "the plan to end",
  );
  expect(done.status, JSON.stringify(done.tasks)).toBe("succeeded");
  // Its task's session lands with the plan, not alone.
  const task = await post(`/api/v1/sessions/${done.tasks[0].sessionId}/merge`);
  expect(task.status).toBe(409);
  expect(task.body.error.message).toContain("lands with the plan's integration branch");

  // The base moved into a conflict: refused, nothing changed, and no agent to ask for a rebase.
  writeFileSync(path.join(repo, "feature.txt"), "mine\n");
  await git(repo, ["add", "feature.txt"]);
  await git(repo, [...who, "commit", "-qm", "my own feature"]);
  const moved = await rev("main");
  const conflict = await post(`/api/v1/plans/${id}/merge`);
  expect(conflict.status, JSON.stringify(conflict.body)).toBe(409);
  expect(conflict.body.error.details).toMatchObject({ reason: "merge_conflict", paths: ["feature.txt"] });
  expect(conflict.body.error.details.followUp).toBeUndefined();
  expect(conflict.body.error.message).toContain("moved since the plan started");
  expect(await rev("main")).toBe(moved);
  await git(repo, ["reset", "-q", "--hard", "HEAD~1"]);

  // The base is checked out with uncommitted changes: refused with the command; the user's file untouched.
  writeFileSync(path.join(repo, "README.md"), "app, edited\n");
  const dirty = await post(`/api/v1/plans/${id}/merge`);
  expect(dirty.status).toBe(409);
  expect(dirty.body.error.details).toMatchObject({
    reason: "base_dirty",
    command: `git -C ${repo} merge ${branch}`,
  });
  expect(readFileSync(path.join(repo, "README.md"), "utf8")).toBe("app, edited\n");
  await git(repo, ["checkout", "--", "README.md"]);

  const merged = await post(`/api/v1/plans/${id}/merge`);
  expect(merged.status, JSON.stringify(merged.body)).toBe(200);
  expect(merged.body).toMatchObject({
    outcome: "merged",
    branch,
    base: "main",
    fastForward: true,
    checkout: repo,
  });
  expect(readFileSync(path.join(repo, "feature.txt"), "utf8")).toBe("feature\n");
  expect((await post(`/api/v1/plans/${id}/merge`)).body.outcome).toBe("already");

  const pushed = await post(`/api/v1/plans/${id}/push`);
  expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
  expect(pushed.body).toMatchObject({ outcome: "pushed", branch, remote: url });
  const bare = path.join(root, "remotes", "acme", "app.git");
  expect((await git(bare, ["rev-parse", `refs/heads/${branch}`])).trim()).toBe(pushed.body.commit);

  expect((await s.api(`/api/v1/plans/${id}/pull-request`)).status).toBe(404);
  const pr = await post(`/api/v1/plans/${id}/pull-request`);
  expect(pr.status, JSON.stringify(pr.body)).toBe(200);
  expect(pr.body).toMatchObject({ forge: "github", number: 1, state: "open", head: branch, base: "main" });
  const sent = github.prs[0]!;
  expect(sent.title).toBe("Ship the feature");
  expect(sent.body).toContain("### Goal\n\n> Add feature.txt to the app.");
  expect(sent.body).toContain("- `feat` Write the feature: succeeded");
  expect(sent.body).toContain("`feature.txt` +1 −0");
  expect(sent.body).toMatch(/\d[\d,]* tokens, \$\d+\.\d{4}/);
  expect(sent.body).toContain(`from plan [${id}](`);
  expect(sent.body).toContain(`/plans/${id})`);
  sent.state = "merged";
  expect((await s.api(`/api/v1/plans/${id}/pull-request`)).body).toMatchObject({
    number: 1,
    state: "merged",
  });

  const log = await s.api(`/api/v1/plans/${id}/events?type=plan.landing`);
  expect(log.body.items.every((e: any) => e.type === "plan.landing")).toBe(true);
  const landing = log.body.items.map((e: any) => e.data);
  expect(landing.map((l: any) => `${l.how}:${l.outcome}${l.reason ? `:${l.reason}` : ""}`)).toEqual([
    "merge:refused:merge_conflict",
    "merge:refused:base_dirty",
    "merge:merged",
    "merge:already",
    "push:pushed",
    "push:already",
    "pr:opened",
  ]);
  expect(landing[6]).toMatchObject({ url: pr.body.url, number: 1, base: "main", branch });
  expect(JSON.stringify(log.body)).not.toContain(token);
  const bad = await s.api(`/api/v1/plans/${id}/events?type=plan.bogus`);
  expect(bad.status).toBe(422);
  expect(bad.body.error.details.issues[0].path).toBe("query.type");
}, 300_000);
