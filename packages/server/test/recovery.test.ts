import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { git } from "../src/workspace/git.ts";
import {
  type TestServer,
  create,
  databaseUrl,
  events,
  freshDatabase,
  gitRepo,
  serve,
  settle,
  until,
} from "./harness.ts";
import { type Proc, fastEnv, http, spawnServer } from "./proc.ts";

// Crashes with a real OpenCode: the OpenCode server killed under a session, and the orchestrator itself.
const root = mkdtempSync(path.join(tmpdir(), "io-recover-"));
const repos = path.join(root, "repos");
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  rmSync(root, { recursive: true, force: true });
});

// Step 1 writes a file (a checkpoint), step 2 is slow: the kill lands there.
const script = [
  { tool: "write", args: { filePath: "first.txt", content: "first\n" } },
  { delayMs: 20_000, text: "never seen: the server dies first" },
];
const prompt = `Two steps.\nFAKE_SCRIPT: ${JSON.stringify(script)}`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("kill -9 of the OpenCode server: the pool starts another and the session resumes from its checkpoint", async () => {
  const repo = await gitRepo(path.join(repos, "a"), { "README.md": "a\n" });
  const s: TestServer = await serve({
    config: { dataDir: path.join(root, "data-a"), repoRoots: [repos] },
  });
  cleanup.push(() => s.stop());
  const { id } = await create(s, { prompt, workspace: { repo } });
  // Wait for the checkpoint that holds step 1's file.
  await until(
    async () => (await events(s, id)).find((e) => e.type === "session.checkpoint" && e.data.data.messageId),
    120_000,
    "the first step's checkpoint",
  );
  const [server] = s.deps.pool.servers();
  process.kill(server!.pid, "SIGKILL");

  const done = await settle(s, id, ["completed", "failed"], 120_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  expect(done.attempt).toBe(2);
  // Resumed, not redone: the same OpenCode conversation, and step 1's file is on the branch.
  expect(done.result.text).toMatch(/^echo: The previous attempt at this task was interrupted/);
  expect((await git(repo, ["show", `orchestrator/${id}:first.txt`])).trim()).toBe("first");
  const log = await events(s, id);
  expect(log.some((e) => e.type === "agent.log" && /resuming OpenCode session/.test(e.data.text))).toBe(true);
  const writes = log.filter(
    (e) => e.type === "agent.tool" && e.data.tool === "write" && e.data.status === "completed",
  );
  expect(writes).toHaveLength(1);
  const now = s.deps.pool.servers();
  expect(now.map((x) => x.pid)).not.toContain(server!.pid);
}, 300_000);

test("kill -9 of the orchestrator: after a restart the session resumes from its checkpoint, and no OpenCode is left behind", async () => {
  const repo = await gitRepo(path.join(repos, "b"), { "README.md": "b\n" });
  const env: Record<string, string> = {
    ...fastEnv,
    ORCHESTRATOR_DATA_DIR: path.join(root, "data-b"),
    ORCHESTRATOR_REPO_ROOTS: repos,
  };
  if (databaseUrl) {
    const fresh = await freshDatabase();
    cleanup.push(fresh.drop);
    env.DATABASE_URL = fresh.url;
  }
  const first: Proc = await spawnServer(env);
  cleanup.push(() => first.child.kill("SIGKILL"));
  const key = first.key!;
  const { id } = await http(first.url, key, "/api/v1/sessions", {
    method: "POST",
    json: { title: "Crash me", prompt, workspace: { repo } },
  });
  await until(
    async () =>
      ((await http(first.url, key, `/api/v1/sessions/${id}/events`)).items as any[]).find(
        (e) => e.type === "session.checkpoint" && e.data.data.messageId,
      ),
    120_000,
    "the first step's checkpoint",
  );
  const servers = JSON.parse(
    readFileSync(path.join(env.ORCHESTRATOR_DATA_DIR!, "opencode", "servers.json"), "utf8"),
  );
  expect(servers.length).toBe(1);
  first.child.kill("SIGKILL");
  await first.exited;
  expect(alive(servers[0])).toBe(true); // an orphan now: nobody else would stop it

  const second: Proc = await spawnServer(env);
  cleanup.push(() => second.child.kill("SIGKILL"));
  await until(async () => !alive(servers[0]), 10_000, "the orphaned OpenCode to be stopped");
  const done = await until(async () => {
    const s = await http(second.url, key, `/api/v1/sessions/${id}`);
    return ["completed", "failed"].includes(s.status) ? s : null;
  }, 180_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  expect(done.result.text).toMatch(/^echo: The previous attempt/);
  expect((await git(repo, ["show", `orchestrator/${id}:first.txt`])).trim()).toBe("first");
  second.child.kill("SIGTERM");
  await second.exited;
}, 400_000);

test("a model that goes silent is a stall: the run is stopped and retried, resuming the conversation", async () => {
  const repo = await gitRepo(path.join(repos, "c"), { "README.md": "c\n" });
  const s: TestServer = await serve({
    config: { dataDir: path.join(root, "data-c"), repoRoots: [repos] },
    engine: { stallMs: 8000 },
  });
  cleanup.push(() => s.stop());
  const slow = [{ delayMs: 60_000, text: "too late" }];
  const { id } = await create(s, {
    prompt: `Think.\nFAKE_SCRIPT: ${JSON.stringify(slow)}`,
    workspace: { repo },
    maxAttempts: 5,
  });
  const done = await settle(s, id, ["completed", "failed"], 180_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  expect(done.attempt).toBeGreaterThanOrEqual(2);
  expect(done.result.text).toMatch(/^echo: The previous attempt/);
  const stalls = (await events(s, id)).filter(
    (e) => e.type === "session.status" && e.data.error?.code === "stalled",
  );
  expect(stalls.length).toBeGreaterThanOrEqual(1);
}, 240_000);
