import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createOpencodeClient } from "@opencode-ai/sdk/v2";
import { afterAll, beforeAll, expect, test } from "vitest";
import * as Demo from "../src/agent/opencode/demo-llm.ts";
import { demoConfig } from "../src/agent/opencode/config.ts";
import { type Opencode, start } from "../src/agent/opencode/process.ts";
import { git } from "../src/workspace/git.ts";
import { create, inspect } from "../src/workspace/worktree.ts";
import { gitRepo } from "./harness.ts";

// The real opencode binary from the pinned npm package, the demo model on loopback, real git.
const root = mkdtempSync(path.join(tmpdir(), "io-oc-"));
const repo = path.join(root, "repos", "app");
let llm: Demo.DemoLlm;
let oc: Opencode;

beforeAll(async () => {
  await gitRepo(repo, { "README.md": "# app\n" });
  llm = await Demo.start();
  oc = await start({ home: path.join(root, "oc-home"), config: demoConfig(llm.url), cwd: root });
}, 120_000);

afterAll(async () => {
  await oc?.stop();
  await llm?.close();
  rmSync(root, { recursive: true, force: true });
});

test("a real OpenCode, driven by the demo model, writes a file in a session's worktree and nowhere else", async () => {
  const project = {
    path: (await inspect(repo, "main", [path.join(root, "repos")])).path,
    baseBranch: "main",
    copyFiles: [],
  };
  const wt = await create(project, "oc-1", path.join(root, "worktrees"));
  const client = createOpencodeClient({
    baseUrl: oc.url,
    directory: wt.path,
    headers: { authorization: oc.auth },
  });
  const events = await client.event.subscribe();
  const session = (await client.session.create({ title: "write hello" })).data!;
  const script = [
    {
      tool: "write",
      args: { filePath: path.join(wt.path, "hello.txt"), content: "hello from the demo model\n" },
    },
    { text: "I created hello.txt." },
  ];
  await client.session.promptAsync({
    sessionID: session.id,
    parts: [{ type: "text", text: `Create hello.txt.\nFAKE_SCRIPT: ${JSON.stringify(script)}` }],
  });
  const tools: string[] = [];
  const deadline = Date.now() + 90_000;
  for await (const e of events.stream) {
    const props = (
      e as {
        properties?: {
          sessionID?: string;
          part?: { type: string; tool?: string; state?: { status: string } };
        };
      }
    ).properties;
    if (props?.sessionID !== session.id) continue;
    if (e.type === "message.part.updated" && props.part?.type === "tool")
      tools.push(`${props.part.tool}:${props.part.state?.status}`);
    if (e.type === "session.idle") break;
    if (Date.now() > deadline) throw new Error("no session.idle within 90 s");
  }
  expect(tools).toContain("write:completed");
  expect(readFileSync(path.join(wt.path, "hello.txt"), "utf8")).toBe("hello from the demo model\n");
  expect((await git(wt.path, ["status", "--porcelain"])).trim()).toBe("?? hello.txt");
  expect((await git(repo, ["status", "--porcelain"])).trim()).toBe("");
  const messages = (await client.session.messages({ sessionID: session.id })).data!;
  const last = messages.at(-1)!;
  expect(last.parts.some((p) => p.type === "text" && p.text.includes("I created hello.txt."))).toBe(true);
  expect(llm.requests.some((r) => r.step.tool === "write")).toBe(true);
}, 120_000);

test("the server refuses requests without its password, and stops on SIGTERM", async () => {
  const res = await fetch(`${oc.url}/global/health`, { signal: AbortSignal.timeout(5000) });
  expect(res.status).toBe(401);
  await oc.stop();
  await oc.exited;
  expect(() => process.kill(oc.pid, 0)).toThrow(/ESRCH/);
}, 60_000);
