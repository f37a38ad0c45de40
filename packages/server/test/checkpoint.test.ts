import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git, ok } from "../src/workspace/git.ts";
import { type TestServer, create, events, gitRepo, registered, serve, settle } from "./harness.ts";

// Checkpoints with a real OpenCode: one commit per step that changed files, restore and fork.
const root = mkdtempSync(path.join(tmpdir(), "io-ckpt-"));
const repo = path.join(root, "repos", "app");
let s: TestServer;

beforeAll(async () => {
  await gitRepo(repo, { "README.md": "app\n" });
  s = await serve({ config: { dataDir: path.join(root, "data"), repoRoots: [path.join(root, "repos")] } });
}, 120_000);
afterAll(async () => {
  await s?.stop();
  rmSync(root, { recursive: true, force: true });
});

const write = (filePath: string) => ({ tool: "write", args: { filePath, content: `${filePath}\n` } });
const script = (steps: unknown[]) => `Steps.\nFAKE_SCRIPT: ${JSON.stringify(steps)}`;
const has = (id: string, file: string) => ok(repo, ["cat-file", "-e", `orchestrator/${id}:${file}`]);

test("each step that changed files is a checkpoint; a fork starts a new branch and conversation from one", async () => {
  const { id } = await create(s, {
    workspace: { repo },
    prompt: script([write("a.txt"), write("b.txt"), { text: "two files" }]),
  });
  const done = await settle(s, id, ["completed", "failed"], 120_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  const items = (await s.api(`/api/v1/sessions/${id}/checkpoints`)).body.items;
  // The start (no step yet), then one per writing step; the final text step changed nothing.
  expect(items.map((c: any) => c.messageId === null)).toEqual([true, false, false]);
  const log = (await git(repo, ["log", "--format=%s", `${done.result.base}..orchestrator/${id}`])).trim();
  expect(log.split("\n")).toHaveLength(2);
  expect(items.at(-1).current).toBe(true);
  expect(done.usage.output).toBeGreaterThan(0);

  const fork = await s.api(`/api/v1/sessions/${id}/checkpoints/${items[1].seq}/fork`, {
    method: "POST",
    json: { prompt: script([write("c.txt"), { text: "forked" }]) },
  });
  expect(fork.status).toBe(201);
  expect(fork.body).toMatchObject({
    parentId: id,
    status: "queued",
    workspace: { repo: done.workspace.repo },
  });
  const child = await settle(s, fork.body.id, ["completed", "failed"], 120_000);
  expect(child.status, JSON.stringify(child.error)).toBe("completed");
  expect(child.result.text).toBe("forked");
  expect(await has(child.id, "a.txt")).toBe(true);
  expect(await has(child.id, "c.txt")).toBe(true);
  expect(await has(child.id, "b.txt")).toBe(false); // written after the checkpoint it forked from
  expect((await events(s, child.id)).some((e) => /forked the conversation/.test(e.data.text ?? ""))).toBe(
    true,
  );
  expect(child.result.diff.files.map((f: any) => f.file).sort()).toEqual(["a.txt", "c.txt"]);

  const missing = await s.api(`/api/v1/sessions/${id}/checkpoints/9999/fork`, { method: "POST", json: {} });
  expect(missing.status).toBe(404);
  const completed = await s.api(`/api/v1/sessions/${id}/checkpoints/${items[1].seq}/restore`, {
    method: "POST",
  });
  expect(completed.status).toBe(409); // a completed session is forked, not rewound
}, 300_000);

test("restore rewinds the worktree and the conversation; retry continues from there", async () => {
  const { id } = await create(s, {
    workspace: { repo },
    prompt: script([write("keep.txt"), write("drop.txt"), { error: 400, errType: "invalid_request_error" }]),
    maxAttempts: 1,
  });
  const failed = await settle(s, id, ["completed", "failed"], 120_000);
  expect(failed.status).toBe("failed");
  const items = (await s.api(`/api/v1/sessions/${id}/checkpoints`)).body.items;
  expect(items).toHaveLength(3);
  const wt = path.join(root, "data", "worktrees", id);
  expect(existsSync(path.join(wt, "drop.txt"))).toBe(true);

  const r = await s.api(`/api/v1/sessions/${id}/checkpoints/${items[1].seq}/restore`, { method: "POST" });
  expect(r.status).toBe(200);
  expect(r.body.checkpoint.data).toMatchObject({ commit: items[1].commit, rewind: true });
  expect(existsSync(path.join(wt, "drop.txt"))).toBe(false);
  expect(existsSync(path.join(wt, "keep.txt"))).toBe(true);
  expect((await git(wt, ["rev-parse", "HEAD"])).trim()).toBe(items[1].commit);

  await s.api(`/api/v1/sessions/${id}/retry`, { method: "POST" });
  const done = await settle(s, id, ["completed", "failed"], 120_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  expect(done.result.text).toMatch(/^echo: The previous attempt/);
  expect(done.result.diff.files.map((f: any) => f.file)).toEqual(["keep.txt"]);
  const texts = (await events(s, id)).map((e) => e.data.text ?? "");
  expect(texts.some((t) => t.startsWith("rewound to checkpoint"))).toBe(true);
}, 300_000);

test("every entry these runs logged (checkpoints, restores) is in the event registry", async () => {
  const { types, bad } = await registered(s);
  expect(bad).toEqual([]);
  expect([...types]).toEqual(expect.arrayContaining(["session.checkpoint", "session.restored"]));
});
