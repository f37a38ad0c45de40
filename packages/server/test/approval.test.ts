import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git, ok } from "../src/workspace/git.ts";
import { type TestServer, create, events, gitRepo, registered, serve, settle, until } from "./harness.ts";

// Human approvals with a real OpenCode: the `demo-supervised` profile asks before every shell command.
const root = mkdtempSync(path.join(tmpdir(), "io-appr-"));
const repo = path.join(root, "repos", "app");
let s: TestServer;

beforeAll(async () => {
  await gitRepo(repo, { "notes.md": "one\n" });
  s = await serve({
    config: {
      dataDir: path.join(root, "data"),
      repoRoots: [path.join(root, "repos")],
      opencode: {
        profiles: [
          { name: "impatient", model: "demo/demo-model", permission: "supervised", approvalTimeoutSec: 2 },
          {
            name: "strict",
            model: "demo/demo-model",
            permission: "supervised",
            approvalTimeoutSec: 2,
            onTimeout: "fail",
          },
        ],
      },
    },
  });
}, 120_000);
afterAll(async () => {
  await s?.stop();
  rmSync(root, { recursive: true, force: true });
});

const bash = (command: string) => ({ tool: "bash", args: { command, description: "run it" } });
const prompt = (steps: unknown[]) => `Do it.\nFAKE_SCRIPT: ${JSON.stringify(steps)}`;

/** The session's one pending approval, once it is waiting. */
async function pending(id: string): Promise<any> {
  await settle(s, id, ["waiting"], 90_000);
  const r = await s.api(`/api/v1/sessions/${id}/approvals?status=pending`);
  expect(r.body.items).toHaveLength(1);
  return r.body.items[0];
}

const answer = (approval: string, json: unknown) =>
  s.api(`/api/v1/approvals/${approval}`, { method: "POST", json });

test("approve once: the session waits for a person, then the command runs", async () => {
  const { id } = await create(s, {
    profile: "demo-supervised",
    workspace: { repo },
    prompt: prompt([bash("echo once > once.txt"), { text: "ran it" }]),
  });
  const a = await pending(id);
  expect(a).toMatchObject({ kind: "permission", status: "pending", request: { permission: "bash" } });
  expect(a.request.patterns).toContain("echo once > once.txt");
  // The inbox shows it too, and a waiting session still holds its lease.
  expect((await s.api("/api/v1/approvals?status=pending")).body.items.map((x: any) => x.id)).toContain(a.id);
  expect((await s.api(`/api/v1/sessions/${id}`)).body.lease).not.toBeNull();

  // Wrong shapes are refused by field, and nothing changes.
  const bad = await answer(a.id, { answers: [["yes"]] });
  expect(bad.status).toBe(422);
  expect(bad.body.error.message).toContain("body.reply");
  expect((await answer(a.id, { reply: "maybe" })).status).toBe(422);
  expect((await answer(a.id, { reply: "once", message: "hm" })).body.error.message).toContain("body.message");

  const r = await answer(a.id, { reply: "once" });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ status: "answered", answer: { reply: "once" } });
  expect((await answer(a.id, { reply: "reject" })).status).toBe(409); // the first answer is the only one

  const done = await settle(s, id, ["completed", "failed"], 90_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  expect((await git(repo, ["show", `orchestrator/${id}:once.txt`])).trim()).toBe("once");
  const types = (await events(s, id)).map((e) => (e.type === "session.status" ? `→${e.data.to}` : e.type));
  const i = types.indexOf("approval.requested");
  expect(types.slice(i - 1, i + 3)).toEqual([
    "→waiting",
    "approval.requested",
    "approval.answered",
    "→running",
  ]);
}, 180_000);

test("reject with a message: the command does not run, the agent reads why and carries on", async () => {
  const { id } = await create(s, {
    profile: "demo-supervised",
    workspace: { repo },
    prompt: prompt([bash("echo no > rejected.txt"), { text: "understood, skipped it" }]),
  });
  const a = await pending(id);
  await answer(a.id, { reply: "reject", message: "not on this repo" });
  const done = await settle(s, id, ["completed", "failed"], 90_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  expect(done.result.text).toBe("understood, skipped it");
  expect(await ok(repo, ["cat-file", "-e", `orchestrator/${id}:rejected.txt`])).toBe(false);
  const tool = (await events(s, id)).find((e) => e.type === "agent.tool" && e.data.status === "error");
  expect(tool.data.error).toContain("not on this repo");
}, 180_000);

test("approve always: a later command matching the same pattern is not asked again", async () => {
  const { id } = await create(s, {
    profile: "demo-supervised",
    workspace: { repo },
    prompt: prompt([bash("echo one > one.txt"), bash("echo two > two.txt"), { text: "both" }]),
  });
  const a = await pending(id);
  expect(a.request.always.length).toBeGreaterThan(0);
  await answer(a.id, { reply: "always" });
  const done = await settle(s, id, ["completed", "failed"], 90_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  const all = (await s.api(`/api/v1/sessions/${id}/approvals`)).body.items;
  expect(all).toHaveLength(1);
  expect(done.result.diff.files.map((f: any) => f.file).sort()).toEqual(["one.txt", "two.txt"]);
}, 180_000);

test("no one answers: the timeout policy rejects (or fails the session, per profile)", async () => {
  const { id } = await create(s, {
    profile: "impatient",
    workspace: { repo },
    prompt: prompt([bash("echo late > late.txt"), { text: "gave up on it" }]),
  });
  const done = await settle(s, id, ["completed", "failed"], 90_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  const all = (await s.api(`/api/v1/sessions/${id}/approvals`)).body.items;
  expect(all[0]).toMatchObject({ status: "expired", answeredBy: "policy", answer: { reply: "reject" } });
  expect((await events(s, id)).some((e) => e.type === "approval.expired")).toBe(true);

  const strict = await create(s, {
    profile: "strict",
    workspace: { repo },
    prompt: prompt([bash("echo late > late.txt"), { text: "never" }]),
    maxAttempts: 1,
  });
  const failed = await settle(s, strict.id, ["completed", "failed"], 90_000);
  expect(failed).toMatchObject({ status: "failed", error: { code: "approval_timeout" } });
}, 180_000);

test("cancel while waiting withdraws the request", async () => {
  const { id } = await create(s, {
    profile: "demo-supervised",
    workspace: { repo },
    prompt: prompt([bash("echo x > x.txt"), { text: "x" }]),
  });
  const a = await pending(id);
  await s.api(`/api/v1/sessions/${id}/cancel`, { method: "POST" });
  const gone = await until(async () => {
    const r = await s.api(`/api/v1/approvals/${a.id}`);
    return r.body.status === "withdrawn" ? r.body : null;
  }, 10_000);
  expect(gone.status).toBe("withdrawn");
  expect((await answer(a.id, { reply: "once" })).status).toBe(409);
  expect((await s.api(`/api/v1/approvals/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
}, 180_000);

test("the OpenCode server dies while a person is asked: the request is withdrawn at once and the session retries", async () => {
  const { id } = await create(s, {
    profile: "demo-supervised",
    workspace: { repo },
    prompt: prompt([bash("echo late > late.txt"), { text: "ran it" }]),
  });
  const a = await pending(id);
  const server = s.deps.pool.servers().find((x) => x.busy > 0);
  process.kill(server!.pid, "SIGKILL");
  // Not left waiting for a person on a dead server until the approval times out (30 min for this profile).
  const gone = await until(async () => {
    const r = await s.api(`/api/v1/approvals/${a.id}`);
    return r.body.status === "withdrawn" ? r.body : null;
  }, 20_000);
  expect(gone.status).toBe("withdrawn");
  expect((await answer(a.id, { reply: "once" })).status).toBe(409);
  const done = await settle(s, id, ["completed", "failed"], 150_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  expect(done.attempt).toBe(2);
  const log = await events(s, id);
  expect(log.some((e) => e.type === "approval.withdrawn" && e.data.approvalId === a.id)).toBe(true);
}, 240_000);

test("every entry these runs logged (tools, deltas, approvals) is in the event registry", async () => {
  const { types, bad } = await registered(s);
  expect(bad).toEqual([]);
  expect([...types]).toEqual(
    expect.arrayContaining([
      "agent.tool",
      "agent.usage",
      "approval.requested",
      "approval.answered",
      "approval.expired",
      "approval.withdrawn",
    ]),
  );
});
