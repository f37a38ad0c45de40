import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git } from "../src/workspace/git.ts";
import { type TestServer, create, events, gitRepo, serve, settle, until } from "./harness.ts";

// People's messages to a real OpenCode (demo model) in a session's worktree: while it runs and after.
const root = mkdtempSync(path.join(tmpdir(), "io-talk-"));
const repo = path.join(root, "repos", "app");
let s: TestServer;

beforeAll(async () => {
  await gitRepo(repo, { "notes.md": "one\n" });
  s = await serve({ config: { dataDir: path.join(root, "data"), repoRoots: [path.join(root, "repos")] } });
}, 120_000);
afterAll(async () => {
  await s?.stop();
  rmSync(root, { recursive: true, force: true });
});

const script = (steps: unknown[]) => `FAKE_SCRIPT: ${JSON.stringify(steps)}`;
const send = (id: string, json: unknown) =>
  s.api(`/api/v1/sessions/${id}/messages`, { method: "POST", json });

test("a message while it runs reaches the agent at its next turn, in the same round", async () => {
  const first = [
    { tool: "bash", args: { command: "sleep 3 && echo slow > slow.txt", description: "slow step" } },
    { text: "never said: the message comes first" },
  ];
  const { id } = await create(s, { prompt: `Write slow.txt.\n${script(first)}`, workspace: { repo } });
  await until(
    async () =>
      (await events(s, id)).find(
        (e) => e.type === "agent.tool" && e.data.tool === "bash" && e.data.status === "running",
      ),
    120_000,
    "the slow step to run",
  );
  const late = [
    { tool: "write", args: { filePath: "late.txt", content: "late\n" } },
    { text: "Done: slow.txt, then late.txt." },
  ];
  const text = `Also write late.txt.\n${script(late)}`;
  const sent = await send(id, { text });
  expect(sent.status, JSON.stringify(sent.body)).toBe(202);
  expect(sent.body.session.status).toBe("running"); // no new round: the agent reads it as it goes
  expect(sent.body.message).toMatchObject({ text, steer: false, round: 0 });

  const done = await settle(s, id, ["completed", "failed"], 120_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  expect(done).toMatchObject({ attempt: 1, retries: 0 });
  expect(done.result.text).toBe("Done: slow.txt, then late.txt.");
  expect((await git(repo, ["show", `orchestrator/${id}:slow.txt`])).trim()).toBe("slow");
  expect((await git(repo, ["show", `orchestrator/${id}:late.txt`])).trim()).toBe("late");
  const log = await events(s, id);
  const handed = log.find((e) => e.type === "agent.log" && /handed a message/.test(e.data.text));
  expect(handed.data.text).toContain("read at its next turn");
  // The person's words are theirs, not the agent's: never logged as an agent message.
  expect(log.some((e) => e.type === "agent.message" && e.data.text.includes("Also write late.txt"))).toBe(
    false,
  );
  expect(log.filter((e) => e.type === "session.status" && e.data.to === "completed")).toHaveLength(1);
  const [m] = (await s.api(`/api/v1/sessions/${id}/messages`)).body.items;
  expect(m.deliveredAt).not.toBeNull();
}, 300_000);

test("steering stops the agent's current turn and makes the message its next prompt", async () => {
  const stuck = [{ delayMs: 60_000, text: "too late: steered away long before" }];
  const { id } = await create(s, { prompt: `Think hard.\n${script(stuck)}`, workspace: { repo } });
  // Its first prompt is on its way (the run checkpoints where it starts, then prompts): steering stops it.
  await until(async () => (await events(s, id)).find((e) => e.type === "session.checkpoint"), 60_000);
  const started = Date.now();
  const sent = await send(id, {
    text: `Stop thinking; answer now.\n${script([{ text: "Steered." }])}`,
    steer: true,
  });
  expect(sent.status, JSON.stringify(sent.body)).toBe(202);
  expect(sent.body.message.steer).toBe(true);

  const done = await settle(s, id, ["completed", "failed"], 50_000);
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  expect(done.result.text).toBe("Steered.");
  expect(Date.now() - started).toBeLessThan(50_000); // not after the stuck turn's minute
  const log = await events(s, id);
  expect(log.find((e) => e.type === "session.message").data.steer).toBe(true);
  expect(log.some((e) => e.type === "agent.log" && /stopped the agent's turn/.test(e.data.text))).toBe(true);
  // Our own abort is not reported as the agent's error.
  expect(log.some((e) => e.type === "agent.log" && e.data.level === "error")).toBe(false);
}, 300_000);

test("a follow-up to a completed session continues the same conversation on the same branch", async () => {
  const first = [
    { tool: "write", args: { filePath: "one.txt", content: "one\n" } },
    { text: "Done: wrote one.txt." },
  ];
  const { id } = await create(s, {
    title: "Two rounds",
    prompt: `Write one.txt.\nFAKE_SCRIPT: ${JSON.stringify(first)}`,
    workspace: { repo },
  });
  const round1 = await settle(s, id, ["completed", "failed"], 120_000);
  expect(round1.status, JSON.stringify(round1.error)).toBe("completed");

  // Refused in words: an empty message, an unknown session.
  const empty = await s.api(`/api/v1/sessions/${id}/messages`, { method: "POST", json: { text: " " } });
  expect(empty.status).toBe(422);
  expect(empty.body.error.message).toContain("body.text");
  const nobody = await s.api(`/api/v1/sessions/${crypto.randomUUID()}/messages`, {
    method: "POST",
    json: { text: "hi" },
  });
  expect(nobody.status).toBe(404);

  const second = [
    { tool: "write", args: { filePath: "two.txt", content: "two\n" } },
    { text: "Done: wrote two.txt too." },
  ];
  const text = `Now write two.txt as well.\nFAKE_SCRIPT: ${JSON.stringify(second)}`;
  const sent = await s.api(`/api/v1/sessions/${id}/messages`, { method: "POST", json: { text } });
  expect(sent.status, JSON.stringify(sent.body)).toBe(202);
  expect(sent.body.session.status).toBe("queued");
  expect(sent.body.message).toMatchObject({ text, deliveredAt: null });
  expect(sent.body.message.author).toMatch(/^key:/);

  const round2 = await settle(s, id, ["completed", "failed"], 120_000);
  expect(round2.status, JSON.stringify(round2.error)).toBe("completed");
  expect(round2.result).toMatchObject({
    text: "Done: wrote two.txt too.",
    branch: round1.result.branch,
    opencodeSession: round1.result.opencodeSession,
  });
  // Both rounds' work is on the one branch.
  expect((await git(repo, ["show", `orchestrator/${id}:one.txt`])).trim()).toBe("one");
  expect((await git(repo, ["show", `orchestrator/${id}:two.txt`])).trim()).toBe("two");
  const log = await events(s, id);
  const said = log.find((e) => e.type === "session.message");
  expect(said.data).toMatchObject({ text, author: sent.body.message.author });
  const follow = log.find((e) => e.type === "session.status" && e.data.event === "follow");
  expect(follow.data).toMatchObject({ from: "completed", to: "queued" });
  const messages = (await s.api(`/api/v1/sessions/${id}/messages`)).body.items;
  expect(messages[0]).toMatchObject({ id: sent.body.message.id, round: 1 });
  expect(messages[0].deliveredAt).not.toBeNull();

  // Request changes: comments on lines of the diff go as one message, each with its file, line and hunk.
  const off = await send(id, { comments: [{ file: "README.md", line: 1, text: "?" }] });
  expect(off.status).toBe(422);
  expect(off.body.error.message).toContain("body.comments.0.file");
  const third = [
    { tool: "write", args: { filePath: "two.txt", content: "TWO\n" } },
    { text: "Done: two.txt shouts now." },
  ];
  const review = await send(id, {
    text: `Nearly.\n${script(third)}`,
    comments: [{ file: "two.txt", line: 1, text: "Make it upper case." }],
  });
  expect(review.status, JSON.stringify(review.body)).toBe(202);
  expect(review.body.message.comments).toEqual([
    { file: "two.txt", line: 1, side: "new", text: "Make it upper case." },
  ]);
  expect(review.body.message.text).toContain("1. two.txt, line 1: Make it upper case.");
  expect(review.body.message.text).toContain("```diff\n@@ -0,0 +1 @@\n+two\n```");
  expect((await s.api(`/api/v1/sessions/${id}/messages`)).body.items).toHaveLength(2); // the 422 left none
  const round3 = await settle(s, id, ["completed", "failed"], 120_000);
  expect(round3.result.text).toBe("Done: two.txt shouts now.");
  expect((await git(repo, ["show", `orchestrator/${id}:two.txt`])).trim()).toBe("TWO");
  const noted = (await events(s, id)).filter((e) => e.type === "session.message").at(-1);
  expect(noted.data.comments).toBe(1);

  // Each round is its own diff: what it changed, from where the last one ended.
  const rounds = (await s.api(`/api/v1/sessions/${id}/rounds`)).body.items;
  expect(rounds.map((r: any) => [r.round, r.status, r.files, r.additions, r.deletions])).toEqual([
    [1, "completed", 1, 1, 0],
    [2, "completed", 1, 1, 0],
    [3, "completed", 1, 1, 1],
  ]);
  expect(rounds[0].from).toBe(round1.result.base);
  expect(rounds[1].from).toBe(rounds[0].to);
  expect(rounds[2].to).toBe((await git(repo, ["rev-parse", `orchestrator/${id}`])).trim());
  expect(rounds[0].openedBy).toBeNull();
  expect(rounds[1].openedBy).toMatchObject({ text, comments: 0 });
  expect(rounds[2].openedBy).toMatchObject({ comments: 1 });
  const third3 = (await s.api(`/api/v1/sessions/${id}/diff?round=3`)).body;
  expect(third3.files).toEqual([{ file: "two.txt", additions: 1, deletions: 1 }]);
  expect(third3.patch).toContain("-two\n+TWO");
  const whole = (await s.api(`/api/v1/sessions/${id}/diff`)).body;
  expect(whole.files.map((f: any) => f.file)).toEqual(["one.txt", "two.txt"]);
  const beyond = await s.api(`/api/v1/sessions/${id}/diff?round=4`);
  expect(beyond.status).toBe(422);
  expect(beyond.body.error.details.issues[0].path).toBe("query.round");
}, 300_000);
