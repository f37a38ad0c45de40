import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { git } from "../src/workspace/git.ts";
import { type TestServer, gitRepo, serve, until } from "./harness.ts";

const root = mkdtempSync(path.join(tmpdir(), "io-plan-"));
let s: TestServer;
beforeAll(async () => {
  s = await serve({ config: { dataDir: path.join(root, "data"), repoRoots: [path.join(root, "repos")] } });
}, 60_000);
afterAll(async () => {
  await s?.stop();
  rmSync(root, { recursive: true, force: true });
});

const task = (key: string, prompt = "succeed done " + key, extra: Record<string, unknown> = {}) => ({
  key,
  title: `Task ${key}`,
  prompt,
  agent: "scripted",
  ...extra,
});

async function make(body: Record<string, unknown>) {
  const r = await s.api("/api/v1/plans", { method: "POST", json: { title: "Plan", ...body } });
  if (r.status !== 201) throw new Error(`plan create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const ended = ["succeeded", "failed", "partially_succeeded", "cancelled"];
async function finish(id: string, ms = 20_000) {
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

/** A started plan whose task `a` hangs (and `b` waits for it), once `a` is running. */
async function hanging() {
  const p = await make({
    start: true,
    tasks: [task("a", "hang"), task("b")],
    edges: [{ from: "a", to: "b" }],
  });
  const running = await until(async () => {
    const r = await s.api(`/api/v1/plans/${p.id}`);
    return byKey(r.body).a.status === "running" ? r.body : null;
  });
  return { p, running };
}

describe("plan graphs are refused by field", () => {
  test("a cycle names its path; self, duplicate and unknown edges name their edge", async () => {
    const cycle = await s.api("/api/v1/plans", {
      method: "POST",
      json: {
        title: "P",
        tasks: [task("a"), task("b"), task("c")],
        edges: [
          { from: "a", to: "b" },
          { from: "b", to: "c" },
          { from: "c", to: "a" },
        ],
      },
    });
    expect(cycle.status).toBe(422);
    expect(cycle.body.error.message).toContain("a → b → c → a");
    expect(cycle.body.error.details.issues[0]).toMatchObject({
      path: "body.edges",
      cycle: ["a", "b", "c", "a"],
    });

    const bad = await s.api("/api/v1/plans", {
      method: "POST",
      json: {
        title: "P",
        tasks: [task("a"), task("b"), task("a")],
        edges: [
          { from: "a", to: "a" },
          { from: "a", to: "b" },
          { from: "a", to: "b" },
          { from: "a", to: "zz" },
        ],
      },
    });
    expect(bad.status).toBe(422);
    const paths = bad.body.error.details.issues.map((i: any) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(["body.tasks.2.key", "body.edges.0", "body.edges.2", "body.edges.3.to"]),
    );
    // Nothing was written.
    expect((await s.api("/api/v1/plans")).body.items).toHaveLength(0);
  });

  test("schema errors, project and workspace together, unknown plans and tasks", async () => {
    const r = await s.api("/api/v1/plans", {
      method: "POST",
      json: { title: "P", tasks: [{ key: "bad key!" }] },
    });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body.error)).toContain("tasks");
    const both = await s.api("/api/v1/plans", {
      method: "POST",
      json: { title: "P", project: "x", workspace: { repo: "/tmp" }, tasks: [task("a")] },
    });
    expect(both.status).toBe(422);
    expect(both.body.error.details.issues[0].path).toBe("body.project");
    expect((await s.api(`/api/v1/plans/${crypto.randomUUID()}`)).status).toBe(404);
    const pin = await s.api("/api/v1/plans", {
      method: "POST",
      json: { title: "P", tasks: [task("a"), task("b", undefined, { agent: "nobody" })] },
    });
    expect(pin.status).toBe(422);
    expect(pin.body.error.details.issues).toEqual([
      { path: "body.tasks.1.agent", message: "no agent named nobody is registered" },
    ]);
    const p = await make({ tasks: [task("a")] });
    expect((await s.api(`/api/v1/plans/${p.id}/tasks/nope/retry`, { method: "POST" })).status).toBe(404);
    expect((await s.api(`/api/v1/plans/${p.id}/pause`, { method: "POST" })).status).toBe(409);
  });
});

describe("plans run their graph", () => {
  test("a diamond: A and B run, then C with both results; the plan succeeds", async () => {
    const p = await make({
      tasks: [task("a", "sleep 150\nsucceed result of A"), task("b", "succeed result of B"), task("c")],
      edges: [
        { from: "a", to: "c" },
        { from: "b", to: "c" },
      ],
    });
    expect(p.status).toBe("draft");
    expect(p.forecast.criticalPath).toEqual(["a", "c"]);
    expect(p.actions).toEqual(["start", "cancel"]);
    const started = await s.api(`/api/v1/plans/${p.id}/start`, { method: "POST" });
    expect(started.status).toBe(200);
    const done = await finish(p.id);
    expect(done.status).toBe("succeeded");
    const t = byKey(done);
    for (const k of ["a", "b", "c"]) expect(t[k]).toMatchObject({ status: "succeeded", attempt: 1 });
    // C started after both of its prerequisites ended, and its prompt holds what they reported.
    expect(Date.parse(t.c.startedAt)).toBeGreaterThanOrEqual(Date.parse(t.a.endedAt));
    expect(Date.parse(t.c.startedAt)).toBeGreaterThanOrEqual(Date.parse(t.b.endedAt));
    const c = (await s.api(`/api/v1/sessions/${t.c.sessionId}`)).body;
    expect(c.prompt).toContain("result of A");
    expect(c.prompt).toContain("result of B");
    expect(c).toMatchObject({ planId: p.id, taskId: t.c.id });
    expect(t.a.result.summary).toBe("result of A");
  });

  test("a failure: all_success dependents are upstream_failed, all_done ones still run; retry re-arms", async () => {
    const p = await make({
      start: true,
      policy: { failFast: false },
      tasks: [
        task("a", "fatal broken"),
        task("b"),
        task("c", undefined, { triggerRule: "all_done" }),
        task("d", undefined, { triggerRule: "one_success" }),
      ],
      edges: [
        { from: "a", to: "b" },
        { from: "a", to: "c" },
        { from: "a", to: "d" },
        { from: "c", to: "d" },
      ],
    });
    const done = await finish(p.id);
    const t = byKey(done);
    expect(t.a.status).toBe("failed");
    expect(t.b).toMatchObject({ status: "upstream_failed", sessionId: null });
    expect(t.c.status).toBe("succeeded");
    expect(t.d.status).toBe("succeeded");
    expect(done.status).toBe("partially_succeeded");

    const retried = await s.api(`/api/v1/plans/${p.id}/tasks/a/retry`, { method: "POST" });
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe("running");
    expect(["blocked", "upstream_failed"]).toContain(byKey(retried.body).b.status);
    const again = await finish(p.id);
    const t2 = byKey(again);
    expect(t2.a).toMatchObject({ status: "failed", attempt: 2 });
    expect(t2.b.status).toBe("upstream_failed");
    // One session per (task, attempt), both kept.
    const sessions = (await s.api(`/api/v1/sessions?limit=200`)).body.items.filter(
      (x: any) => x.taskId === t.a.id,
    );
    expect(sessions).toHaveLength(2);
  });

  test("fail-fast: nothing starts after a failure, running tasks finish, the rest is cancelled", async () => {
    const p = await make({
      start: true,
      policy: { maxParallel: 2 },
      tasks: [task("a", "sleep 100\nfatal broken"), task("b", "sleep 600\nsucceed"), task("c"), task("d")],
    });
    const done = await finish(p.id);
    const t = byKey(done);
    expect(t.a.status).toBe("failed");
    expect(t.b.status).toBe("succeeded");
    expect(t.c).toMatchObject({ status: "cancelled", sessionId: null, reason: { by: "fail_fast" } });
    expect(t.d).toMatchObject({ status: "cancelled", sessionId: null });
    expect(done.status).toBe("partially_succeeded");
  });

  test("maxParallel bounds how many run at once; priority then age orders equal slack", async () => {
    const keys = ["a", "b", "c", "d", "e"];
    const p = await make({
      start: true,
      policy: { maxParallel: 2 },
      tasks: keys.map((k) => task(k, "sleep 120\nsucceed", k === "e" ? { priority: "critical" } : {})),
    });
    const done = await finish(p.id);
    const t = done.tasks;
    for (const x of t) {
      const at = Date.parse(x.startedAt);
      const overlapping = t.filter((y: any) => Date.parse(y.startedAt) <= at && Date.parse(y.endedAt) > at);
      expect(overlapping.length).toBeLessThanOrEqual(2);
    }
    // e is critical: it starts in the first pair.
    const order = [...t]
      .sort((x: any, y: any) => Date.parse(x.startedAt) - Date.parse(y.startedAt))
      .map((x: any) => x.key);
    expect(order.slice(0, 2)).toContain("e");
  });

  test("cancel: running tasks' sessions are cancelled, the rest never starts", async () => {
    const { p, running } = await hanging();
    await s.api(`/api/v1/plans/${p.id}/cancel`, { method: "POST" });
    const done = await finish(p.id);
    expect(done.status).toBe("cancelled");
    const t = byKey(done);
    expect(t.a.status).toBe("cancelled");
    expect(t.b).toMatchObject({ status: "cancelled", sessionId: null });
    const a = (await s.api(`/api/v1/sessions/${byKey(running).a.sessionId}`)).body;
    expect(a.status).toBe("cancelled");
    expect((await s.api(`/api/v1/plans/${p.id}/cancel`, { method: "POST" })).status).toBe(409);
  });

  test("a task's session ended inside another transaction (a delete) still ends its task, after it commits", async () => {
    const { p, running } = await hanging();
    // DELETE cancels a live session in its own transaction: the plan hears of it once that commits.
    expect((await s.api(`/api/v1/sessions/${byKey(running).a.sessionId}`, { method: "DELETE" })).status).toBe(
      204,
    );
    const done = await finish(p.id);
    expect(byKey(done).a.status).toBe("cancelled");
    expect(byKey(done).b.status).toBe("upstream_failed");
    expect(done.status).toBe("failed");
  });

  test("a task's session cannot be retried on its own; the task is", async () => {
    const p = await make({ start: true, tasks: [task("a", "fatal no")] });
    const done = await finish(p.id);
    const r = await s.api(`/api/v1/sessions/${byKey(done).a.sessionId}/retry`, { method: "POST" });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain("retry the task");
  });

  test("a task that cannot start fails saying why and the plan goes on; a long handed-on prompt is cut to fit", async () => {
    const reg = await s.api("/api/v1/agents/external/register", {
      method: "POST",
      json: { name: "soon-gone", capabilities: ["x-gone"] },
    });
    expect(reg.status).toBe(201);
    const long = `succeed ${"x".repeat(99_980)}`;
    const p = await make({
      policy: { failFast: false },
      tasks: [
        task("a", "succeed result of A"),
        task("b", "succeed", { agent: "soon-gone" }),
        task("c", "succeed after b", { triggerRule: "all_done" }),
        task("d", long),
      ],
      edges: [
        { from: "a", to: "b" },
        { from: "b", to: "c" },
        { from: "a", to: "d" },
      ],
    });
    // The agent B is pinned to leaves after the plan was checked, before B starts.
    const gone = await s.api(`/api/v1/agents/${reg.body.agent_id ?? reg.body.id}?graceful=false`, {
      method: "DELETE",
    });
    expect(gone.status).toBe(200);
    await s.api(`/api/v1/plans/${p.id}/start`, { method: "POST" });
    const done = await finish(p.id);
    const t = byKey(done);
    expect(t.b).toMatchObject({ status: "failed", sessionId: null });
    expect(t.b.reason.launch).toMatchObject({ code: "validation_failed" });
    expect(t.b.reason.launch.message).toContain("no agent named soon-gone");
    expect(t.c.status).toBe("succeeded");
    // D's prompt and what A handed on are over a session's 100,000 characters: cut, and D runs.
    expect(t.d.status).toBe("succeeded");
    const d = (await s.api(`/api/v1/sessions/${t.d.sessionId}`)).body;
    expect(d.prompt.length).toBe(100_000);
    expect(d.prompt.endsWith("…")).toBe(true);
    expect(done.status).toBe("partially_succeeded");
  });
});

describe("estimates learn", () => {
  test("what a type of task took calibrates the next plan's estimate for it, and names one with none", async () => {
    const type = `learn-${Date.now()}`;
    const est = { optimistic: 10, likely: 20, pessimistic: 30 };
    const t = (key: string, estimate?: typeof est) =>
      task(key, "succeed", { type, ...(estimate ? { estimate } : {}) });
    const first = await make({ tasks: [t("a", est)] });
    expect(first.tasks[0].forecast).toMatchObject({ expected: 20, source: "given" });
    await s.api(`/api/v1/plans/${first.id}/start`, { method: "POST" });
    expect((await finish(first.id)).status).toBe("succeeded");
    // Took seconds against 20 minutes expected: the next estimate of this type is cut (by at most 10×),
    // and a task of the type without one gets the minutes it took.
    const next = await make({ tasks: [t("b", est), t("c")] });
    const learnt = await until(
      async () => {
        const v = (await s.api(`/api/v1/plans/${next.id}`)).body;
        return v.tasks[0].forecast.expected < 20 ? v : null;
      },
      10_000,
      "the next plan's forecast to learn",
    );
    expect(learnt.tasks[0].forecast.expected).toBeCloseTo(2, 5);
    expect(learnt.tasks[1].forecast).toMatchObject({ source: "learnt" });
    expect(learnt.tasks[1].forecast.expected).toBeLessThan(1);
  });
});

describe("a plan's log", () => {
  test("records its states and its tasks' states in order, pages and streams them, and stays out of sessions' logs", async () => {
    const p = await make({
      start: true,
      tasks: [task("a", "sleep 50\nsucceed"), task("b")],
      edges: [{ from: "a", to: "b" }],
    });
    await finish(p.id);
    const page = (await s.api(`/api/v1/plans/${p.id}/events`)).body.items;
    expect(page.map((e: any) => e.seq)).toEqual(page.map((_: any, i: number) => i + 1));
    const lines = page.map((e: any) =>
      e.type === "task.status" ? `${e.data.key}:${e.data.from}>${e.data.to}` : `${e.type}:${e.data.to ?? ""}`,
    );
    expect(lines).toEqual([
      "plan.created:",
      "plan.status:running",
      "a:blocked>running",
      "a:running>succeeded",
      "b:blocked>running",
      "b:running>succeeded",
      "plan.status:succeeded",
    ]);
    const running = page.find((e: any) => e.type === "task.status" && e.data.to === "running");
    expect(running.data.sessionId).toBe(byKey(await finish(p.id)).a.sessionId);
    // SSE replays after Last-Event-ID (a seq), as a browser resumes.
    const r = await fetch(`${s.url}/api/v1/plans/${p.id}/events`, {
      headers: { authorization: `Bearer ${s.key}`, accept: "text/event-stream", "last-event-id": "5" },
    });
    const reader = r.body!.getReader();
    let text = "";
    while (!text.includes("id: 7")) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).not.toContain("id: 5\n");
    expect(text).toContain("event: task.status");
    // Sessions' logs hold none of it.
    const sid = byKey(await finish(p.id)).a.sessionId;
    const events = (await s.api(`/api/v1/sessions/${sid}/events`)).body.items;
    expect(events.every((e: any) => e.sessionId === sid)).toBe(true);
    expect((await s.api(`/api/v1/plans/${crypto.randomUUID()}/events`)).status).toBe(404);
  });
});

describe("a plan on a repository", () => {
  test("gets an integration branch cut from the base at start, and its diff; a plan without one has none", async () => {
    const repo = await gitRepo(path.join(root, "repos", "app"), { "a.txt": "one\n" });
    const base = (await git(repo, ["rev-parse", "main"])).trim();
    const p = await make({ workspace: { repo }, tasks: [task("a")] });
    expect(p.integrationBranch).toBeNull();
    expect((await s.api(`/api/v1/plans/${p.id}/diff`)).status).toBe(404);
    await s.api(`/api/v1/plans/${p.id}/start`, { method: "POST" });
    const done = await finish(p.id);
    expect(done).toMatchObject({
      status: "succeeded",
      baseCommit: base,
      integrationBranch: `orchestrator/plan/${p.id}`,
    });
    expect((await git(repo, ["rev-parse", done.integrationBranch])).trim()).toBe(base);
    const d = await s.api(`/api/v1/plans/${p.id}/diff`);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ files: [], additions: 0, deletions: 0 });
    // The user's checkout is where it was.
    expect((await git(repo, ["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe("main");
    const bare = await make({ start: true, tasks: [task("b")] });
    expect((await s.api(`/api/v1/plans/${bare.id}/diff`)).status).toBe(404);
  });
});

describe("a planner agent", () => {
  const graph = (edges: unknown[]) =>
    JSON.stringify({
      tasks: [
        { key: "a", title: "A", prompt: "succeed did a", agent: "scripted" },
        { key: "b", title: "B", prompt: "succeed did b", agent: "scripted" },
      ],
      edges,
    });

  test("an invalid graph is sent back once with its errors; the valid answer becomes the draft and starts", async () => {
    const goal = [
      `on plannerAttempt=1 succeed ${graph([{ from: "a", to: "zz" }])}`,
      `succeed ${graph([{ from: "a", to: "b" }])}`,
    ].join("\n");
    const r = await s.api("/api/v1/plans/planner", {
      method: "POST",
      json: { title: "Planned", goal, agent: "scripted", start: true },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: "draft", source: "planner", tasks: [], planner: { attempt: 1 } });
    const done = await finish(r.body.id);
    expect(done.status).toBe("succeeded");
    expect(done.tasks.map((t: any) => t.key)).toEqual(["a", "b"]);
    expect(done.planner.attempt).toBe(2);
    const log = (await s.api(`/api/v1/plans/${r.body.id}/events`)).body.items;
    const refused = log.find((e: any) => e.type === "plan.refused");
    expect(refused.data.errors.join(" ")).toContain("edges.0.to");
    expect(log.find((e: any) => e.type === "plan.planned").data).toMatchObject({ tasks: 2, edges: 1 });
    // The second planning session was told what was wrong with the first answer.
    const second = (await s.api(`/api/v1/sessions/${done.planner.sessionId}`)).body;
    expect(second.prompt).toContain("Your previous answer was refused");
    expect(second.prompt).toContain("edges.0.to");
  });

  test("two invalid answers fail the plan, saying why", async () => {
    const goal = `succeed no graph here`;
    const r = await s.api("/api/v1/plans/planner", {
      method: "POST",
      json: { title: "Bad", goal, agent: "scripted" },
    });
    const done = await finish(r.body.id);
    expect(done).toMatchObject({ status: "failed", tasks: [] });
    const log = (await s.api(`/api/v1/plans/${r.body.id}/events`)).body.items;
    expect(log.filter((e: any) => e.type === "plan.refused").map((e: any) => e.data.errors[0])).toEqual([
      "the answer holds no JSON object",
      "the answer holds no JSON object",
    ]);
    expect((await s.api(`/api/v1/plans/${r.body.id}/start`, { method: "POST" })).status).toBe(409);
  });
});
