import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git } from "../src/workspace/git.ts";
import { forge } from "./forge.ts";
import { gitHttp } from "./git-http.ts";
import { type TestServer, events, gitRepo, serve, until } from "./harness.ts";

// Plans on a real repository: real OpenCode (demo model) in worktrees, real git merges into the plan's
// integration branch, and the user's checkout left as it was.
const root = mkdtempSync(path.join(tmpdir(), "io-plangit-"));
const repos = path.join(root, "repos");
const repo = path.join(repos, "app");
const token = "tok-81c5e0d2aa";
let remote: Awaited<ReturnType<typeof gitHttp>>;
let github: Awaited<ReturnType<typeof forge>>;
let s: TestServer;
let head: string;
/** The diamond's plan, finished with changes on its integration branch: the last test lands it. */
let diamond: string;

beforeAll(async () => {
  await gitRepo(repo, { "notes.md": "one\n", "todo.md": "todo\n" });
  head = (await git(repo, ["rev-parse", "HEAD"])).trim();
  mkdirSync(path.join(root, "remotes", "acme"), { recursive: true });
  await git(path.join(root, "remotes", "acme"), ["init", "-q", "--bare", "-b", "main", "app.git"]);
  [remote, github] = await Promise.all([gitHttp(path.join(root, "remotes"), token), forge(token)]);
  s = await serve({
    config: {
      dataDir: path.join(root, "data"),
      repoRoots: [repos],
      llmMaxRetries: 1,
      // The landing test's remote and forge listen on loopback.
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
const write = (file: string, content: string) => ({ tool: "write", args: { filePath: file, content } });
const read = (file: string) => ({ tool: "read", args: { filePath: file } });

async function make(body: Record<string, unknown>) {
  const r = await s.api("/api/v1/plans", { method: "POST", json: { start: true, ...body } });
  if (r.status !== 201) throw new Error(`plan create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
async function finish(id: string, ms = 240_000) {
  const ended = ["succeeded", "failed", "partially_succeeded", "cancelled"];
  return until(
    async () => {
      const r = await s.api(`/api/v1/plans/${id}`);
      return ended.includes(r.body.status) ? r.body : null;
    },
    ms,
    `plan ${id} to end`,
  );
}
const byKey = (plan: any) => Object.fromEntries(plan.tasks.map((t: any) => [t.key, t]));
const session = async (id: string) => (await s.api(`/api/v1/sessions/${id}`)).body;
const rev = async (ref: string) => (await git(repo, ["rev-parse", ref])).trim();
const show = async (ref: string, file: string) => git(repo, ["show", `${ref}:${file}`]);

/** The user's checkout: still on main, at the commit it had, with nothing changed or added. */
async function untouched() {
  expect((await git(repo, ["symbolic-ref", "--short", "HEAD"])).trim()).toBe("main");
  expect(await rev("main")).toBe(head);
  expect((await git(repo, ["status", "--porcelain", "--untracked-files=all"])).trim()).toBe("");
}

test("a diamond on a project: C starts from A's and B's merged work; the integration branch holds all three", async () => {
  const project = await s.api("/api/v1/projects", { method: "POST", json: { name: "app", path: repo } });
  expect(project.status).toBe(201);
  const p = await make({
    title: "Diamond",
    project: "app",
    tasks: [
      {
        key: "a",
        title: "Write a",
        prompt: script("Write a.txt.", [write("a.txt", "A\n"), { text: "wrote a.txt" }]),
      },
      {
        key: "b",
        title: "Write b",
        prompt: script("Write b.txt.", [write("b.txt", "B\n"), { text: "wrote b.txt" }]),
      },
      {
        key: "c",
        title: "Write c",
        // C reads what A and B wrote before writing its own: a read of a missing file is a tool error.
        prompt: script("Write c.txt.", [
          { tools: [read("a.txt"), read("b.txt")] },
          write("c.txt", "C\n"),
          { text: "wrote c.txt" },
        ]),
      },
    ],
    edges: [
      { from: "a", to: "c" },
      { from: "b", to: "c" },
    ],
  });
  expect(p.status).toBe("running");
  diamond = p.id;
  const branch = `orchestrator/plan/${p.id}`;
  expect(p).toMatchObject({ integrationBranch: branch, baseCommit: head });

  const done = await finish(p.id);
  const t = byKey(done);
  expect(done.status, JSON.stringify(done.tasks.map((x: any) => [x.key, x.status, x.reason]))).toBe(
    "succeeded",
  );
  expect(done).toMatchObject({ integrationBranch: branch, baseCommit: head });
  for (const k of ["a", "b", "c"]) expect(t[k]).toMatchObject({ status: "succeeded", attempt: 1 });

  // A and B ran in parallel from the base; whichever merged second made the tip C was cut from.
  const [sa, sb, sc] = await Promise.all([t.a, t.b, t.c].map((x: any) => session(x.sessionId)));
  expect(sa.result.base).toBe(head);
  expect(sb.result.base).toBe(head);
  const second = Date.parse(t.a.endedAt) > Date.parse(t.b.endedAt) ? t.a : t.b;
  expect(sc.result.base).toBe(second.mergedCommit);
  expect((await show(sc.result.base, "a.txt")).trim()).toBe("A");
  expect((await show(sc.result.base, "b.txt")).trim()).toBe("B");
  // C's agent found both files in its worktree when it ran, and its branch holds them with its own.
  const reads = (await events(s, sc.id))
    .filter((e) => e.type === "agent.tool" && e.data.tool === "read")
    .map((e) => e.data.status)
    .filter((st) => st !== "pending" && st !== "running");
  expect(reads).toEqual(["completed", "completed"]);
  expect(readFileSync(path.join(sc.result.worktree, "a.txt"), "utf8")).toBe("A\n");
  expect((await show(sc.result.branch, "b.txt")).trim()).toBe("B");
  expect(sc.result.diff.files.map((f: any) => f.file)).toEqual(["c.txt"]);
  expect(sc.prompt).toContain("wrote a.txt");
  expect(sc.prompt).toContain("wrote b.txt");

  // The integration branch: all three changes on the base; C's merge was a fast-forward to C's branch.
  expect(await rev(branch)).toBe(t.c.mergedCommit);
  expect(t.c.mergedCommit).toBe(await rev(sc.result.branch));
  const changed = (await git(repo, ["diff", "--name-only", `${head}..${branch}`])).trim().split("\n");
  expect(changed.sort()).toEqual(["a.txt", "b.txt", "c.txt"]);
  for (const k of ["a", "b"]) await git(repo, ["merge-base", "--is-ancestor", t[k].mergedCommit, branch]);
  // One merge commit joins A's and B's branches, named after the task merged second.
  const merges = (await git(repo, ["log", "--merges", "--format=%s", `${head}..${branch}`])).trim();
  expect(merges).toBe(second.title);
  await untouched();
}, 300_000);

test("a conflict: two tasks rewrite one line; one is conflicted and waits in the attention queue", async () => {
  const mine = (who: string) =>
    script(`Rewrite notes.md as ${who}.`, [
      read("notes.md"),
      write("notes.md", `${who}\n`),
      { text: `rewrote notes.md as ${who}` },
    ]);
  const p = await make({
    title: "Conflict",
    workspace: { repo },
    // Both run at once, each cut from the base; onConflict is left to its default.
    policy: { maxParallel: 2 },
    tasks: [
      { key: "x", title: "Rewrite as x", prompt: mine("x") },
      { key: "y", title: "Rewrite as y", prompt: mine("y") },
    ],
    edges: [],
  });
  expect(p.policy.onConflict).toBe("attention");
  const branch = `orchestrator/plan/${p.id}`;
  const done = await finish(p.id);
  expect(done.status).toBe("partially_succeeded");
  const statuses = done.tasks.map((x: any) => x.status).sort();
  expect(statuses).toEqual(["conflicted", "succeeded"]);
  const won = done.tasks.find((x: any) => x.status === "succeeded");
  const lost = done.tasks.find((x: any) => x.status === "conflicted");
  expect(lost.reason.conflict).toEqual(["notes.md"]);
  expect(lost.mergedCommit).toBeNull();
  // The winner's change is on the integration branch; the loser's is only on its own branch.
  expect(await rev(branch)).toBe(won.mergedCommit);
  expect((await show(branch, "notes.md")).trim()).toBe(won.key);
  const lostSession = await session(lost.sessionId);
  expect((await show(lostSession.result.branch, "notes.md")).trim()).toBe(lost.key);

  // The attention queue names the plan, the task and the path; its session is not also "to review".
  const q = (await s.api("/api/v1/attention")).body;
  const item = q.items.find((i: any) => i.kind === "conflict");
  expect(item).toMatchObject({
    sessionId: lost.sessionId,
    title: lost.title,
    link: `/plans/${p.id}?task=${lost.key}`,
    plan: { id: p.id, title: "Conflict", task: lost.key, paths: ["notes.md"] },
  });
  expect(item.detail).toContain("notes.md");
  expect(q.items.filter((i: any) => i.sessionId === lost.sessionId)).toHaveLength(1);

  // A person retries or skips it (plan.test.ts); under the `resolve` policy its agent does (below).
  expect(done.tasks.find((x: any) => x.key === lost.key).attempt).toBe(1);
  await untouched();
}, 300_000);

test("the resolve policy: the conflicted task runs again from the integration branch, told where its work is, and merges", async () => {
  const mine = (who: string) =>
    script(`Rewrite todo.md as ${who}.`, [
      read("todo.md"),
      write("todo.md", `${who}\n`),
      { text: `rewrote todo.md as ${who}` },
    ]);
  const p = await make({
    title: "Resolve",
    workspace: { repo },
    policy: { maxParallel: 2, onConflict: "resolve" },
    tasks: [
      { key: "x", title: "Rewrite todo as x", prompt: mine("x") },
      { key: "y", title: "Rewrite todo as y", prompt: mine("y") },
    ],
    edges: [],
  });
  const branch = `orchestrator/plan/${p.id}`;
  const done = await finish(p.id);
  expect(done.status).toBe("succeeded");
  const log = (await s.api(`/api/v1/plans/${p.id}/events`)).body.items;
  // The loser of the race did not wait for a person: its next attempt was launched in the merge's step.
  const resolving = log.find((e: any) => e.type === "task.status" && e.data.reason?.resolving);
  expect(resolving.data).toMatchObject({ from: "running", to: "running", attempt: 2 });
  expect(resolving.data.reason.resolving.conflict).toEqual(["todo.md"]);
  const t = byKey(done)[resolving.data.key];
  const first = done.tasks.find((x: any) => x.key !== t.key);
  expect(t).toMatchObject({ status: "succeeded", attempt: 2, sessionId: resolving.data.sessionId });
  // Its second session started from the integration branch holding the winner's work, and was told
  // which paths conflicted and which branch holds its earlier work.
  const s2 = await session(t.sessionId);
  expect(s2.result.base).toBe(first.mergedCommit);
  expect(s2.prompt).toContain("conflicted in todo.md");
  expect(s2.prompt).toContain(resolving.data.reason.resolving.branch);
  // Both merged, the resolver's last: the integration branch ends with its content.
  expect(await rev(branch)).toBe(t.mergedCommit);
  expect((await show(branch, "todo.md")).trim()).toBe(t.key);
  const q = (await s.api("/api/v1/attention")).body;
  expect(q.items.filter((i: any) => i.plan?.id === p.id)).toEqual([]);
  await untouched();
}, 300_000);

test("landing the diamond: merged into the base only when safe, pushed, a PR opened; each outcome in the plan's log", async () => {
  const url = `${remote.url}/acme/app.git`;
  const set = await s.api("/api/v1/projects/app", {
    method: "PATCH",
    json: { remote: { url, token, forge: "github", api: github.url } },
  });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
  const post = (p: string) => s.api(p, { method: "POST" });
  const id = diamond;
  const branch = `orchestrator/plan/${id}`;
  // A draft has nothing to land yet; a task's session lands with its plan, not alone.
  const draft = await s.api("/api/v1/plans", {
    method: "POST",
    json: { title: "Later", project: "app", tasks: [{ key: "x", title: "x", prompt: "x" }] },
  });
  const early = await post(`/api/v1/plans/${draft.body.id}/merge`);
  expect(early.status).toBe(409);
  expect(early.body.error.message).toContain("is draft: land it once it has finished");
  const done = (await s.api(`/api/v1/plans/${id}`)).body;
  const task = await post(`/api/v1/sessions/${byKey(done).a.sessionId}/merge`);
  expect(task.status).toBe(409);
  expect(task.body.error.message).toContain("lands with the plan's integration branch");

  // The base moved into a conflict: refused, nothing changed, and no agent to ask for a rebase.
  const who = ["-c", "user.email=t@example.com", "-c", "user.name=T"];
  writeFileSync(path.join(repo, "a.txt"), "mine\n");
  await git(repo, ["add", "a.txt"]);
  await git(repo, [...who, "commit", "-qm", "my own a.txt"]);
  const moved = await rev("main");
  const conflict = await post(`/api/v1/plans/${id}/merge`);
  expect(conflict.status, JSON.stringify(conflict.body)).toBe(409);
  expect(conflict.body.error.details).toMatchObject({ reason: "merge_conflict", paths: ["a.txt"] });
  expect(conflict.body.error.details.followUp).toBeUndefined();
  expect(conflict.body.error.message).toContain("moved since the plan started");
  expect(await rev("main")).toBe(moved);
  await git(repo, ["reset", "-q", "--hard", "HEAD~1"]);

  // The base is checked out with uncommitted changes: refused with the command; the user's file untouched.
  writeFileSync(path.join(repo, "todo.md"), "todo, edited\n");
  const dirty = await post(`/api/v1/plans/${id}/merge`);
  expect(dirty.status).toBe(409);
  expect(dirty.body.error.details).toMatchObject({
    reason: "base_dirty",
    command: `git -C ${repo} merge ${branch}`,
  });
  expect(readFileSync(path.join(repo, "todo.md"), "utf8")).toBe("todo, edited\n");
  await git(repo, ["checkout", "--", "todo.md"]);

  const merged = await post(`/api/v1/plans/${id}/merge`);
  expect(merged.status, JSON.stringify(merged.body)).toBe(200);
  expect(merged.body).toMatchObject({
    outcome: "merged",
    branch,
    base: "main",
    fastForward: true,
    checkout: repo,
  });
  expect(readFileSync(path.join(repo, "c.txt"), "utf8")).toBe("C\n");
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
  expect(sent.title).toBe("Diamond");
  expect(sent.body).toContain("### Goal\n\n> Diamond");
  expect(sent.body).toContain("- `c` Write c: succeeded");
  expect(sent.body).toContain("3 files changed, +3 −0");
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
}, 120_000);
