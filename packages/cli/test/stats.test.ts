import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Client, Stats } from "@orchestrator/sdk";
import type { Server } from "@orchestrator/server";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { run, serve } from "./harness.ts";

// `stats` and the sessions table's usage columns, against a real server: a session run by the scripted
// agent, then given the usage a provider would have reported (the agent under test reports none).
const root = mkdtempSync(path.join(tmpdir(), "orchestrator-stats-"));
const repo = path.join(root, "repos", "shop");
let server: Server;
let client: Client;
let env: Record<string, string>;
let ran: string;

beforeAll(async () => {
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { stdio: "ignore" });
  git("init", "-q", "-b", "main");
  writeFileSync(path.join(repo, "README.md"), "shop\n");
  git("add", ".");
  git("-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qm", "init");
  ({ server, client, env } = await serve({
    dataDir: path.join(root, "data"),
    repoRoots: [path.join(root, "repos")],
  }));
  await client.projects.create({ name: "shop", path: repo });
  await client.sessions.create({
    title: "Held",
    prompt: "later",
    project: "shop",
    profile: "demo",
    hold: true,
  });
  ran = (await client.sessions.create({ title: "Ran", prompt: "succeed" })).id;
  for (let i = 0; (await client.sessions.get(ran)).status !== "completed"; i++) {
    if (i > 200) throw new Error("the session did not complete");
    await new Promise((r) => setTimeout(r, 50));
  }
  const usage = JSON.stringify({ input: 12_000, output: 345, reasoning: 0, cost: 0.0042 });
  await server.deps.db.rows(sql`
    update sessions set usage = ${usage}::jsonb,
      ended_at = started_at + interval '185 seconds' where id = ${ran}`);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("stats", { timeout: 60_000 }, () => {
  test("prints the days, projects and agents as tables; --json is the API's answer", async () => {
    const out = await run(["stats", "--days", "3"], env);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const lines = out.stdout.split("\n");
    expect(lines[0]).toMatch(/^Sessions created \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(UTC\): 2$/);
    expect(lines[2]).toMatch(
      /^DAY\s+SESSIONS\s+DONE\s+FAILED\s+CANCELLED\s+ACTIVE\s+TOKENS\s+COST\s+RUN TIME$/,
    );
    // Two quiet days, then today: one completed, one held (active); 12,345 tokens, 3m 05s of run time.
    expect(lines[3]).toMatch(/^\d{4}-\d\d-\d\d\s+0\s+0\s+0\s+0\s+0\s+0\s+\$0\s+0s$/);
    expect(lines[5]).toMatch(/^\d{4}-\d\d-\d\d\s+2\s+1\s+0\s+0\s+1\s+12k\s+\$0\.0042\s+3m 05s$/);
    expect(lines[6]).toMatch(/^total\s+2\s+1\s+0\s+0\s+1\s+12k\s+\$0\.0042\s+3m 05s$/);
    expect(out.stdout).toMatch(/^PROJECT\s+SESSIONS/m);
    expect(out.stdout).toMatch(/^\(no project\)\s+1\s+1\s+0\s+0\s+0\s+12k\s+\$0\.0042\s+3m 05s$/m);
    expect(out.stdout).toMatch(/^shop\s+1\s+0\s+0\s+0\s+1\s+0\s+\$0\s+0s$/m);
    expect(out.stdout).toMatch(/^scripted\s+1\s+1\s+/m);
    expect(out.stdout).toMatch(/^\(not claimed yet\)\s+1\s+0\s+0\s+0\s+1\s+/m);

    const json = await run(["--json", "stats", "--days", "3"], env);
    expect(Stats.parse(JSON.parse(json.stdout)).days.map((d) => d.sessions)).toEqual([0, 0, 2]);
  });

  test("a window the server refuses is a usage error naming --days' field", async () => {
    const out = await run(["stats", "--days", "91"], env);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("days");
    expect((await run(["stats", "--days", "two"], env)).code).toBe(2);
  });

  test("sessions ls shows each session's project, run time, tokens and cost", async () => {
    const out = await run(["sessions", "ls"], env);
    const lines = out.stdout.split("\n");
    expect(lines[0]).toMatch(/^STATUS\s+TITLE\s+ID\s+PROJECT\s+AGE\s+DURATION\s+ATTEMPT\s+TOKENS\s+COST$/);
    expect(out.stdout).toMatch(
      new RegExp(`completed\\s+Ran\\s+${ran}\\s+-\\s+\\d+s\\s+3m 05s\\s+1/3\\s+12k\\s+\\$0\\.0042`),
    );
    expect(out.stdout).toMatch(/pending\s+Held\s+\S+\s+shop\s+\d+s\s+-\s+0\/3\s+0\s+\$0$/m);
  });
});
