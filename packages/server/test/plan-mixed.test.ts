import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git } from "../src/workspace/git.ts";
import { SdkAgent } from "./a2a-agent.ts";
import { type TestServer, events, gitRepo, serve, until } from "./harness.ts";

// One plan across the three kinds of agent: the agent SDK's echo example over EAP (its own process), a
// real OpenCode (demo model) in a worktree, and an A2A agent built with the official SDK.
const top = path.resolve(import.meta.dirname, "../../..");
const root = mkdtempSync(path.join(tmpdir(), "io-planmix-"));
const repo = path.join(root, "repos", "app");
let s: TestServer;
let echo: ChildProcess | null = null;
const a2a = new SdkAgent();

beforeAll(async () => {
  await gitRepo(repo, { "notes.md": "one\n" });
  s = await serve({
    config: {
      dataDir: path.join(root, "data"),
      repoRoots: [path.join(root, "repos")],
      llmMaxRetries: 1,
      agents: { heartbeatIntervalMs: 300, heartbeatTtlMs: 2000, ackMs: 2000, allowHosts: ["127.0.0.1"] },
    },
  });
}, 120_000);
afterAll(async () => {
  if (echo?.exitCode === null) echo.kill("SIGKILL");
  a2a.stop();
  await s?.stop();
  rmSync(root, { recursive: true, force: true });
});

const agentNamed = async (name: string) =>
  (await s.api("/api/v1/agents")).body.items.find((a: any) => a.name === name);

test("a plan mixing EAP, OpenCode and A2A tasks: each runs on its agent and hands its result on", async () => {
  // The echo example as its user would run it, registering itself under the name the plan pins.
  let out = "";
  echo = spawn(process.execPath, ["--import", "tsx", "examples/echo-agent/index.ts"], {
    cwd: top,
    env: { ...process.env, ORCHESTRATOR_URL: s.url, ORCHESTRATOR_API_KEY: s.key, EAP_NAME: "echo-plan" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  echo.stdout!.on("data", (c) => (out += c));
  echo.stderr!.on("data", (c) => (out += c));
  const cardUrl = await a2a.start({ streaming: true, skills: [{ id: "review", tags: ["x-plan-review"] }] });
  const reg = await s.api("/api/v1/agents", {
    method: "POST",
    json: { kind: "a2a", cardUrl, name: "reviewer" },
  });
  expect(reg.status).toBe(201);
  await until(
    async () => (await agentNamed("echo-plan"))?.status === "online",
    30_000,
    `echo online: ${out}`,
  );

  const steps = [
    { tool: "write", args: { filePath: "oc.txt", content: "from opencode\n" } },
    { text: "wrote oc.txt" },
  ];
  const r = await s.api("/api/v1/plans", {
    method: "POST",
    json: {
      title: "Mixed",
      workspace: { repo },
      start: true,
      tasks: [
        // Routed by a pin (a registered agent's name), by the default for a repository, by a capability.
        { key: "eap", title: "Echo the brief", prompt: "brief: ship oc.txt", agent: "echo-plan" },
        {
          key: "oc",
          title: "Write oc.txt",
          prompt: `Write oc.txt.\nFAKE_SCRIPT: ${JSON.stringify(steps)}`,
          agent: "opencode",
        },
        {
          key: "a2a",
          title: "Review",
          prompt: "review what was done",
          capabilities: ["x-plan-review"],
        },
      ],
      edges: [
        { from: "eap", to: "oc" },
        { from: "oc", to: "a2a" },
      ],
    },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const p = r.body;
  const done = await until(
    async () => {
      const v = (await s.api(`/api/v1/plans/${p.id}`)).body;
      return ["succeeded", "failed", "partially_succeeded", "cancelled"].includes(v.status) ? v : null;
    },
    240_000,
    "the plan to end",
  ).catch(async (err) => {
    // Say where it stuck: each task's state, and its session's (a routing reason, an error).
    const v = (await s.api(`/api/v1/plans/${p.id}`)).body;
    const why = await Promise.all(
      v.tasks.map(async (x: any) => {
        const ss = x.sessionId ? (await s.api(`/api/v1/sessions/${x.sessionId}`)).body : null;
        return `${x.key} ${x.status} ${ss ? `${ss.status} ${ss.queueReason ?? ""} ${JSON.stringify(ss.error)}` : ""}`;
      }),
    );
    throw new Error(`${(err as Error).message}\n${why.join("\n")}\n${out}`);
  });
  const t = Object.fromEntries(done.tasks.map((x: any) => [x.key, x]));
  expect(done.status, JSON.stringify(done.tasks.map((x: any) => [x.key, x.status, x.reason]))).toBe(
    "succeeded",
  );
  const [se, so, sa] = await Promise.all(
    ["eap", "oc", "a2a"].map(async (k) => (await s.api(`/api/v1/sessions/${t[k].sessionId}`)).body),
  );
  for (const [k, x] of [
    ["eap", se],
    ["oc", so],
    ["a2a", sa],
  ] as const)
    expect(x, k).toMatchObject({ status: "completed", planId: p.id, taskId: t[k].id });

  // Each ran on the agent it was routed to.
  const claimedBy = async (id: string) =>
    (await events(s, id)).find((e) => e.type === "session.status" && e.data.event === "claim")?.data.agent
      ?.name;
  expect(await claimedBy(se.id)).toBe("echo-plan");
  expect(so.agent).toBe("opencode");
  expect(sa.agentId).toBe(reg.body.id);

  // Each dependent's prompt holds what its prerequisite reported.
  expect(se.result.output).toEqual({ echo: "brief: ship oc.txt" });
  expect(t.eap.result.summary).toBe('{"echo":"brief: ship oc.txt"}');
  expect(so.prompt).toContain(`### eap: Echo the brief\n${t.eap.result.summary}`);
  expect(t.oc.result).toMatchObject({ summary: "wrote oc.txt", files: ["oc.txt"] });
  expect(sa.prompt).toContain("### oc: Write oc.txt\nwrote oc.txt\nFiles changed: oc.txt");
  expect(a2a.seen.at(-1)!.text).toBe(sa.prompt);
  expect(t.a2a.result.summary).toBe(`echo: ${sa.prompt}`);

  // Only the OpenCode task had a branch: it is merged; the external agents' results are their messages.
  const branch = `orchestrator/plan/${p.id}`;
  expect(t.oc.mergedCommit).toBe((await git(repo, ["rev-parse", branch])).trim());
  expect((await git(repo, ["show", `${branch}:oc.txt`])).trim()).toBe("from opencode");
  expect(t.eap.mergedCommit).toBeNull();
  expect(t.a2a.mergedCommit).toBeNull();
}, 300_000);
