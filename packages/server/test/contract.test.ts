import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import { Fatal, type RunInput } from "../src/agent/agent.ts";
import { scripted } from "../src/agent/scripted/scripted.ts";
import * as Opencode from "../src/agent/opencode/agent.ts";
import * as Pool from "../src/agent/opencode/pool.ts";
import { catalog } from "../src/agent/opencode/profile.ts";
import { serverConfig } from "../src/agent/opencode/config.ts";
import { type Subject, contract } from "./contract.ts";
import { gitRepo, silence } from "./harness.ts";

const base = (id: string, prompt: string): RunInput => ({
  sessionId: id,
  title: "contract",
  prompt,
  attempt: 1,
  checkpoint: null,
  workspace: null,
  project: null,
  profile: null,
  metadata: {},
  ask: async () => {
    throw new Fatal("no person in the contract suite", "no_approvals");
  },
  credential: async () => {
    throw new Fatal("no orchestrator here");
  },
  talk: silence,
});

describe("scripted agent", () => {
  contract("scripted", (): Subject => ({
    agent: scripted,
    task: (id, steps, slowMs) => {
      const lines: string[] = [];
      for (let k = 1; k <= steps; k++) {
        if (k === steps && slowMs) lines.push(`sleep ${slowMs}`);
        lines.push(`emit 1 step${k}`, "checkpoint");
      }
      return base(id, [...lines, "succeed"].join("\n"));
    },
    done: (events) =>
      events.flatMap((e) =>
        e.type === "message" && /^step(\d+)/.test(e.text) ? [Number(/^step(\d+)/.exec(e.text)![1])] : [],
      ),
  }));
});

describe("opencode agent", () => {
  const root = mkdtempSync(path.join(tmpdir(), "io-contract-"));
  const repos = path.join(root, "repos");
  const repo = path.join(repos, "app");
  const profiles = catalog([], { anthropic: false, openai: false });
  const pool = Pool.create({
    home: path.join(root, "oc"),
    cwd: root,
    max: 1,
    perServer: 4,
    config: (url) => serverConfig(url),
  });
  const agent = Opencode.create({ pool, profiles, worktrees: path.join(root, "worktrees") });
  beforeAll(() => gitRepo(repo, { "README.md": "contract\n" }), 30_000);
  afterAll(async () => {
    await pool.stop();
    rmSync(root, { recursive: true, force: true });
  });

  contract("opencode", (): Subject => ({
    agent,
    task: (id, steps, slowMs) => {
      const script: unknown[] = [];
      for (let k = 1; k <= steps; k++)
        script.push({
          tool: "write",
          args: { filePath: `step${k}.txt`, content: `${k}\n` },
          ...(k === steps && slowMs ? { delayMs: slowMs } : {}),
        });
      script.push({ text: "all steps done" });
      return { ...base(id, `Do the steps.\nFAKE_SCRIPT: ${JSON.stringify(script)}`), workspace: { repo } };
    },
    done: (events) =>
      events.flatMap((e) =>
        e.type === "tool" && e.tool === "write" && e.status === "completed" && /step(\d+)/.test(e.title ?? "")
          ? [Number(/step(\d+)/.exec(e.title!)![1])]
          : [],
      ),
  }));
});
