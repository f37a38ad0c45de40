import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestServer, events, gitRepo, serve, until } from "./harness.ts";

// A real OpenCode session (demo model) calls the orchestrator's MCP tools with the credential its attempt
// was given: it patches its plan's context and adds a task, and both show up in the API, attributed to it.
const root = mkdtempSync(path.join(tmpdir(), "io-mcp-oc-"));
const repos = path.join(root, "repos");
let s: TestServer;

beforeAll(async () => {
  await gitRepo(path.join(repos, "app"), { "notes.md": "one\n" });
  s = await serve({ config: { dataDir: path.join(root, "data"), repoRoots: [repos], llmMaxRetries: 1 } });
}, 120_000);
afterAll(async () => {
  await s?.stop();
  rmSync(root, { recursive: true, force: true });
});

const script = (what: string, steps: unknown[]) => `${what}\nFAKE_SCRIPT: ${JSON.stringify(steps)}`;

test("an OpenCode session patches its plan's context and adds a task through MCP", async () => {
  const r = await s.api("/api/v1/plans", {
    method: "POST",
    json: {
      title: "MCP from OpenCode",
      start: true,
      workspace: { repo: path.join(repos, "app") },
      tasks: [
        {
          key: "design",
          title: "Design",
          prompt: script("Record the decision and plan the docs.", [
            { tool: "orchestrator_context_get", args: {} },
            {
              tool: "orchestrator_context_patch",
              args: { ops: [{ op: "add", path: "decisions", value: { db: "postgres" } }], version: 0 },
            },
            {
              tool: "orchestrator_task_create",
              args: {
                key: "docs",
                title: "Docs",
                prompt: "succeed documented",
                blockedBy: ["design"],
                agent: "scripted",
              },
            },
            { tool: "orchestrator_report_progress", args: { done: 2, total: 2, message: "decided" } },
            { text: "decided on postgres" },
          ]),
        },
      ],
    },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const done = await until(
    async () => {
      const p = (await s.api(`/api/v1/plans/${r.body.id}`)).body;
      return ["succeeded", "failed", "partially_succeeded"].includes(p.status) ? p : null;
    },
    240_000,
    "the plan to end",
  );
  const design = done.tasks.find((t: any) => t.key === "design");
  const log = await events(s, design.sessionId);
  const tools = log.filter(
    (e: any) => e.type === "agent.tool" && e.data.status !== "running" && e.data.status !== "pending",
  );
  expect(
    tools.map((e: any) => [e.data.tool, e.data.status]),
    JSON.stringify(tools.map((e: any) => e.data)),
  ).toEqual([
    ["orchestrator_context_get", "completed"],
    ["orchestrator_context_patch", "completed"],
    ["orchestrator_task_create", "completed"],
    ["orchestrator_report_progress", "completed"],
  ]);
  expect(done.status).toBe("succeeded");
  expect(done.tasks.map((t: any) => [t.key, t.status])).toEqual([
    ["design", "succeeded"],
    ["docs", "succeeded"],
  ]);
  expect(done.edges).toEqual([{ from: "design", to: "docs", type: "finish_to_start" }]);
  // The plan's document holds the decision, changed by the design task's session.
  const docs = (await s.api(`/api/v1/contexts?scope=plan&ownerId=${done.id}`)).body.items;
  expect(docs).toHaveLength(1);
  expect(docs[0].data.decisions).toEqual({ db: "postgres" });
  expect(docs[0].data.tasks.design).toMatchObject({ status: "succeeded", summary: "decided on postgres" });
  expect(docs[0].data.tasks.docs).toMatchObject({ status: "succeeded", summary: "documented" });
  const history = (await s.api(`/api/v1/contexts/${docs[0].id}/history`)).body.items;
  expect(history[0].actor.session).toBe(design.sessionId);
  expect(log.find((e: any) => e.type === "agent.progress")?.data).toEqual({ done: 2, total: 2 });
  // What it saw: the version it read is recorded for its session.
  const reads = (await s.api(`/api/v1/sessions/${design.sessionId}/context-reads`)).body.items;
  expect(reads).toMatchObject([{ contextId: docs[0].id, scope: "plan", name: "main", version: 0 }]);
}, 300_000);
