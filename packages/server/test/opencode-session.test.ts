import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git } from "../src/workspace/git.ts";
import { type TestServer, create, events, gitRepo, serve, settle, until } from "./harness.ts";

// The whole path: API → engine → the opencode agent → a real OpenCode (demo model) in a git worktree.
const root = mkdtempSync(path.join(tmpdir(), "io-ocs-"));
const repo = path.join(root, "repos", "app");
let s: TestServer;

beforeAll(async () => {
  await gitRepo(repo, { "notes.md": "one\n" });
  s = await serve({
    config: { dataDir: path.join(root, "data"), repoRoots: [path.join(root, "repos")], llmMaxRetries: 1 },
  });
}, 120_000);
afterAll(async () => {
  await s?.stop();
  rmSync(root, { recursive: true, force: true });
});

test("a session with a workspace runs in its own worktree and ends with its branch and diff", async () => {
  const script = [
    { tool: "write", args: { filePath: "hello.txt", content: "hello\n" } },
    { text: "Done: wrote hello.txt." },
  ];
  const { id, agent } = await create(s, {
    title: "Say hello",
    prompt: `Write hello.txt.\nFAKE_SCRIPT: ${JSON.stringify(script)}`,
    workspace: { repo },
  });
  expect(agent).toBe("opencode");
  const done = await settle(s, id, ["completed", "failed"], 120_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  expect(done.result).toMatchObject({
    text: "Done: wrote hello.txt.",
    branch: `orchestrator/${id}`,
    diff: { files: [{ file: "hello.txt", additions: 1, deletions: 0 }], additions: 1, deletions: 0 },
  });
  expect(done.result.diff.patch).toContain("+hello");
  // The branch is real, in the user's repository, and the base branch is untouched.
  expect((await git(repo, ["show", `orchestrator/${id}:hello.txt`])).trim()).toBe("hello");
  expect((await git(repo, ["status", "--porcelain"])).trim()).toBe("");
  expect(readFileSync(path.join(done.result.worktree, "hello.txt"), "utf8")).toBe("hello\n");
  const tools = (await events(s, id))
    .filter((e) => e.type === "agent.tool")
    .map((e) => `${e.data.tool}:${e.data.status}`);
  expect(tools).toContain("write:completed");
}, 150_000);

test("a workspace outside the allowed roots, or with a dirty base, is refused when submitted", async () => {
  const before = (await s.api("/api/v1/sessions/stats")).body.total;
  const outside = await s.api("/api/v1/sessions", {
    method: "POST",
    json: { title: "Escape", prompt: "anything", workspace: { repo: tmpdir() } },
  });
  expect(outside.status).toBe(422);
  expect(outside.body.error.message).toMatch(/^body\.workspace\.repo: .* is outside the allowed roots/);
  writeFileSync(path.join(repo, "notes.md"), "uncommitted\n");
  try {
    const dirty = await s.api("/api/v1/sessions", {
      method: "POST",
      json: { title: "Dirty", prompt: "anything", workspace: { repo } },
    });
    expect(dirty.status).toBe(409);
    expect(dirty.body.error.message).toContain("uncommitted changes");
  } finally {
    await git(repo, ["checkout", "notes.md"]);
  }
  expect((await s.api("/api/v1/sessions/stats")).body.total).toBe(before);
});

test("an LLM that OpenCode would retry for ever ends in a clear failure", async () => {
  // "server_error" makes OpenCode retry with growing backoff and no end (reference/opencode.md §4).
  const script = [{ error: 400, errType: "server_error" }];
  const { id } = await create(s, {
    title: "Flaky model",
    prompt: `Try.\nFAKE_SCRIPT: ${JSON.stringify(script)}`,
    workspace: { repo },
    maxAttempts: 1,
  });
  const done = await settle(s, id, ["failed", "completed"], 120_000);
  expect(done).toMatchObject({ status: "failed", error: { code: "opencode_failed" } });
  expect(done.error.message).toContain("the model kept failing");
  const evs = await events(s, id);
  expect(evs.some((e) => e.type === "session.status" && e.data.to === "degraded")).toBe(true);
}, 150_000);

test("cancel aborts the running OpenCode session", async () => {
  const script = [{ delayMs: 60_000, text: "too late" }];
  const { id } = await create(s, {
    title: "Slow model",
    prompt: `Wait.\nFAKE_SCRIPT: ${JSON.stringify(script)}`,
    workspace: { repo },
  });
  await settle(s, id, ["running"], 60_000);
  // Let OpenCode take the prompt before cancelling.
  await new Promise((r) => setTimeout(r, 3000));
  const r = await s.api(`/api/v1/sessions/${id}/cancel`, { method: "POST", json: { reason: "not needed" } });
  expect(r.body.status).toBe("cancelled");
  await new Promise((r) => setTimeout(r, 1500));
  const after = (await events(s, id)).filter((e) => e.seq > r.body.lastSeq);
  expect(after).toEqual([]); // the runner stopped: nothing more was written after the cancel
  expect((await s.api(`/api/v1/sessions/${id}`)).body.status).toBe("cancelled");
}, 150_000);

test("cancel mid-tool stops OpenCode's running command: its work never lands", async () => {
  const script = [
    { tool: "bash", args: { command: "sleep 6 && echo late > late.txt", description: "Wait, then write" } },
    { text: "too late" },
  ];
  const { id } = await create(s, {
    title: "Slow tool",
    prompt: `Run it.\nFAKE_SCRIPT: ${JSON.stringify(script)}`,
    workspace: { repo },
  });
  await until(
    async () =>
      (await events(s, id)).some(
        (e) => e.type === "agent.tool" && e.data.tool === "bash" && e.data.status === "running",
      ),
    90_000,
    "the bash tool to be running",
  );
  const r = await s.api(`/api/v1/sessions/${id}/cancel`, { method: "POST", json: { reason: "not needed" } });
  expect(r.body.status).toBe("cancelled");
  // Past the point where the command would have written its file.
  await new Promise((res) => setTimeout(res, 8000));
  expect(existsSync(path.join(root, "data", "worktrees", id, "late.txt"))).toBe(false);
  expect((await events(s, id)).filter((e) => e.seq > r.body.lastSeq)).toEqual([]);
  expect((await s.api(`/api/v1/sessions/${id}`)).body.status).toBe("cancelled");
}, 150_000);

test("three sessions on one repository run side by side in separate worktrees", async () => {
  const ids: string[] = [];
  for (const n of [1, 2, 3]) {
    const script = [
      { tool: "write", args: { filePath: "out.txt", content: `session ${n}\n` } },
      { delayMs: 1500, text: `done ${n}` },
    ];
    ids.push(
      (await create(s, { prompt: `Write.\nFAKE_SCRIPT: ${JSON.stringify(script)}`, workspace: { repo } })).id,
    );
  }
  const done = await Promise.all(ids.map((id) => settle(s, id, ["completed", "failed"], 180_000)));
  for (const [i, d] of done.entries()) {
    expect(d.status, JSON.stringify(d.error)).toBe("completed");
    expect(d.result.text).toBe(`done ${i + 1}`);
    expect(d.result.diff.files).toEqual([{ file: "out.txt", additions: 1, deletions: 0 }]);
    expect((await git(repo, ["show", `orchestrator/${d.id}:out.txt`])).trim()).toBe(`session ${i + 1}`);
  }
  // They overlapped in time, and the user's checkout saw none of it.
  const starts = done.map((d) => Date.parse(d.startedAt));
  const ends = done.map((d) => Date.parse(d.endedAt));
  expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
  expect((await git(repo, ["status", "--porcelain"])).trim()).toBe("");
}, 240_000);

test("a tool's output that PostgreSQL cannot store (a NUL) is kept with U+FFFD, and the run completes", async () => {
  const script = [
    { tool: "bash", args: { command: "printf 'head\\000tail\\n'", description: "Print a NUL" } },
    { text: "Printed it." },
  ];
  const { id } = await create(s, {
    title: "Binary output",
    prompt: `Print a NUL.\nFAKE_SCRIPT: ${JSON.stringify(script)}`,
    workspace: { repo },
  });
  const done = await settle(s, id, ["completed", "failed"], 120_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  expect(done.attempt).toBe(1);
  const bash = (await events(s, id)).find((e) => e.type === "agent.tool" && e.data.status === "completed");
  expect(bash?.data.output).toContain("head\ufffdtail");
}, 150_000);
