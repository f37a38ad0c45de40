import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Client, Project } from "@orchestrator/sdk";
import type { Server } from "@orchestrator/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { run, serve } from "./harness.ts";

// Projects and profiles from the terminal, against a real server and real git (no agent runs here).
const root = mkdtempSync(path.join(tmpdir(), "orchestrator-projects-"));
const repos = path.join(root, "repos");
const repo = path.join(repos, "app");
let server: Server;
let client: Client;
let env: Record<string, string>;

beforeAll(async () => {
  mkdirSync(repo, { recursive: true });
  mkdirSync(path.join(repos, "plain"));
  const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { stdio: "ignore" });
  git("init", "-q", "-b", "main");
  writeFileSync(path.join(repo, "README.md"), "app\n");
  git("add", ".");
  git("-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qm", "init");
  ({ server, client, env } = await serve({ dataDir: path.join(root, "data"), repoRoots: [repos] }));
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("projects", { timeout: 60_000 }, () => {
  test("add, ls and show a project; show lists its sessions' worktrees; rm waits for them to end", async () => {
    const added = await run(
      ["projects", "add", "app", path.relative(process.cwd(), repo), "--setup", "true", "--copy", ".env"],
      env,
    );
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    expect(added.stdout).toBe(`added app  ${repo}  (base main)\n`);

    const ls = await run(["projects", "ls"], env);
    expect(ls.stdout.split("\n").slice(0, 2)).toEqual([
      "NAME  BASE  RETENTION  PATH",
      `app   main  72h        ${repo}`,
    ]);
    expect(ls.stdout.split("\n").at(-2)).toBe(`repositories may live under ${repos}`);
    const json = await run(["--json", "projects", "ls"], env);
    expect(JSON.parse(json.stdout).items.map((p: unknown) => Project.parse(p).name)).toEqual(["app"]);
    expect(JSON.parse(json.stdout).repoRoots).toEqual([repos]);

    const created = await run(
      ["sessions", "create", "--title", "Later", "--prompt", "p", "--project", "app", "--hold"],
      env,
    );
    expect(created.code).toBe(0);
    const id = /created ([0-9a-f-]{36})/.exec(created.stdout)![1]!;
    const shown = await run(["projects", "show", "app"], env);
    expect(shown.code).toBe(0);
    const lines = shown.stdout.split("\n");
    expect(lines.slice(0, 7)).toEqual([
      "name:      app",
      `path:      ${repo}`,
      "base:      main",
      "setup:     true",
      "copy:      .env",
      "retention: 72h after a session ends",
      "remote:    (none)",
    ]);
    expect(lines.slice(8, 11)).toEqual([
      "worktrees:",
      "  SESSION                               STATUS   BRANCH                                             PATH",
      `  ${id}  pending  orchestrator/${id}  (not on disk)`,
    ]);
    const showJson = JSON.parse((await run(["--json", "projects", "show", "app"], env)).stdout);
    expect(showJson).toMatchObject({ name: "app", worktrees: [{ sessionId: id, exists: false }] });

    const refused = await run(["projects", "rm", "app"], env);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain("not ended");
    await client.sessions.cancel(id);
    const removed = await run(["projects", "rm", "app"], env);
    expect(removed).toMatchObject({ code: 0, stdout: "removed app\n" });
    const gone = await run(["projects", "show", "app"], env);
    expect(gone.code).toBe(3);
  });

  test("a bad registration exits 2 naming the field; a taken name exits 4", async () => {
    const missing = await run(["projects", "add", "x", path.join(repos, "nope")], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: body\.path: /);
    const plain = await run(["projects", "add", "x", path.join(repos, "plain")], env);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("not a git repository");
    const name = await run(["projects", "add", "Bad Name", repo], env);
    expect(name.code).toBe(2);
    expect(name.stderr).toMatch(/^error: body\.name: /);
    const hours = await run(["projects", "add", "x", repo, "--retention-hours", "soon"], env);
    expect(hours.code).toBe(2);

    expect((await run(["projects", "add", "twice", repo], env)).code).toBe(0);
    const again = await run(["--json", "projects", "add", "twice", repo], env);
    expect(again.code).toBe(4);
    expect(JSON.parse(again.stderr).error).toMatchObject({ code: "conflict", status: 409 });
    await client.projects.remove("twice");
  });
});

test("profiles ls shows each profile's model, whether it asks first, and whether it can run", async () => {
  const r = await run(["profiles", "ls"], env);
  expect(r.code).toBe(0);
  const lines = r.stdout.split("\n");
  expect(lines[0]).toMatch(/^ +NAME +MODEL +MODE +AVAILABLE +LABEL$/);
  expect(lines.find((l) => /^\* +demo +/.test(l))).toMatch(/demo\/demo-model +autonomous +yes +Demo/);
  expect(lines.find((l) => / demo-supervised /.test(l))).toMatch(/demo\/demo-model +asks +yes +Demo/);
});
