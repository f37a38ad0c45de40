import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Client, Event, Session, terminal } from "@orchestrator/sdk";
import type { Server } from "@orchestrator/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { forge } from "../../server/test/forge.ts";
import { gitHttp } from "../../server/test/git-http.ts";
import { run, runWith, serve, start } from "./harness.ts";

// The whole path from the terminal: the CLI → the API → the engine → a real OpenCode (demo model) working
// in a git worktree of a real repository.
const root = mkdtempSync(path.join(tmpdir(), "orchestrator-run-"));
const repo = path.join(root, "repos", "app");
const outside = path.join(root, "elsewhere", "app");
let server: Server;
let client: Client;
let env: Record<string, string>;

beforeAll(async () => {
  gitRepo(repo, { "notes.md": "one\ntwo\n" });
  gitRepo(outside, { "notes.md": "one\n" });
  ({ server, client, env } = await serve({
    dataDir: path.join(root, "data"),
    repoRoots: [path.join(root, "repos")],
    agents: { allowHosts: ["127.0.0.1"] } as never,
  }));
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A git repository with one commit on `main` holding `files`. */
function gitRepo(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", ["-C", dir, ...args], { stdio: "ignore" });
  git("init", "-q", "-b", "main");
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  git("add", ".");
  git("-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qm", "init");
}

const task = (text: string, script: unknown[]) => `${text}\nFAKE_SCRIPT: ${JSON.stringify(script)}`;
const writeAndEdit = task("Write hello.txt and fix notes.md.", [
  { tool: "write", args: { filePath: "hello.txt", content: "hello\n" } },
  { tool: "edit", args: { filePath: "notes.md", oldString: "two", newString: "deux" } },
  { text: "Done: wrote hello.txt, fixed notes.md." },
]);
const idIn = (stdout: string) => /▶ .* {2}([0-9a-f-]{36})/.exec(stdout)![1]!;

describe("run", { timeout: 150_000 }, () => {
  let id: string;

  test("runs a task in a worktree, shows each tool call live, and ends with the branch and diff", async () => {
    const r = await run(["run", writeAndEdit, "--repo", path.relative(process.cwd(), repo)], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    id = idIn(r.stdout);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(`▶ Write hello.txt and fix notes.md.  ${id}  (agent opencode)`);
    expect(lines[1]).toBe("● running (attempt 1)");
    // One line when a call starts and one when it ends, though OpenCode reports pending, running, completed.
    expect(lines.filter((l) => l.startsWith("  ▸"))).toEqual([
      "  ▸ write …",
      "  ▸ write hello.txt … completed",
      "  ▸ edit …",
      "  ▸ edit notes.md … completed",
    ]);
    expect(lines).toContain("  Done: wrote hello.txt, fixed notes.md.");
    expect(lines).toContain("● completed");
    const end = lines.slice(lines.indexOf(`completed  Write hello.txt and fix notes.md.  ${id}`));
    expect(end[1]).toMatch(/^tokens {4}[\d,]+ in · [\d,]+ out · [\d,]+ reasoning · \$\d+\.\d{4}$/);
    expect(end[2]).toMatch(new RegExp(`^branch {4}orchestrator/${id} \\(from [0-9a-f]{7}\\)$`));
    expect(end[3]).toBe(`worktree  ${path.join(root, "data", "worktrees", id)}`);
    expect(end.slice(4)).toEqual([
      "  hello.txt  +1  −0",
      "  notes.md   +1  −1",
      "  2 files changed, +2 −1",
      "",
    ]);
    // The token line is the session's recorded usage, and the demo model did report some.
    const { usage } = await client.sessions.get(id);
    expect(usage.input).toBeGreaterThan(0);
    expect(usage.output).toBeGreaterThan(0);
    expect(end[1]).toContain(
      `${usage.input.toLocaleString("en-US")} in · ${usage.output.toLocaleString("en-US")} out`,
    );
    // The branch is in the user's repository, with both changes, and the base is untouched.
    const show = (ref: string) => execFileSync("git", ["-C", repo, "show", ref], { encoding: "utf8" });
    expect(show(`orchestrator/${id}:hello.txt`)).toBe("hello\n");
    expect(show(`orchestrator/${id}:notes.md`)).toBe("one\ndeux\n");
    expect(show("main:notes.md")).toBe("one\ntwo\n");
  });

  test("diff prints a finished session's summary, its patch, or its JSON", async () => {
    const stat = await run(["diff", id], env);
    expect(stat.code).toBe(0);
    expect(stat.stdout).toContain("  notes.md   +1  −1\n  2 files changed, +2 −1\n");
    const patch = await run(["diff", id, "--patch"], env);
    expect(patch.stdout).toMatch(/^diff --git a\/hello\.txt b\/hello\.txt\n/);
    expect(patch.stdout).toContain("\n-two\n+deux\n");
    const both = await run(["diff", id, "--stat", "--patch"], env);
    expect(both.stdout).toBe(stat.stdout + patch.stdout);
    const json = await run(["--json", "diff", id], env);
    expect(JSON.parse(json.stdout)).toEqual({
      files: [
        { file: "hello.txt", additions: 1, deletions: 0 },
        { file: "notes.md", additions: 1, deletions: 1 },
      ],
      additions: 2,
      deletions: 1,
      patch: patch.stdout,
    });
  });

  test("send continues a finished session on its branch: --follow streams the new round to its end", async () => {
    const more = task("Also write bye.txt.", [
      { tool: "write", args: { filePath: "bye.txt", content: "bye\n" } },
      { text: "Done: wrote bye.txt." },
    ]);
    const r = await run(["send", id, more, "--follow"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0], r.stdout).toBe(`sent to ${id}: queued for round 2`);
    expect(lines.some((l) => / session\.status {2}queued → running/.test(l))).toBe(true);
    const log = (await run(["events", id], env)).stdout;
    expect(log).toMatch(/ session\.status {2}completed → queued/);
    expect(log).toMatch(/ session\.message {2}key:[0-9a-f-]+: Also write bye\.txt\./);
    expect(lines.some((l) => l.includes("Done: wrote bye.txt."))).toBe(true);
    expect(lines.filter(Boolean).at(-1)).toMatch(/session\.status {2}running → completed/);
    const stat = await run(["diff", id], env);
    expect(stat.stdout).toContain("  bye.txt    +1  −0\n");
    expect(stat.stdout).toContain("3 files changed");
    // Request changes from the terminal: a comment on a line of the diff, as one follow-up.
    const bad = await run(["send", id, "--comment", "bye.txt=no line"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected file:line=text");
    const shout = task("Nearly.", [
      { tool: "write", args: { filePath: "shout.txt", content: "BYE\n" } },
      { text: "Done: shouted in shout.txt." },
    ]);
    const reviewed = await run(
      ["send", id, shout, "--comment", "bye.txt:1=Shout it somewhere", "--follow"],
      env,
    );
    expect(reviewed.code, reviewed.stderr).toBe(0);
    expect((await run(["events", id], env)).stdout).toContain("1. bye.txt, line 1: Shout it somewhere");
    expect(reviewed.stdout).toContain("Done: shouted in shout.txt.");
    // Each round is its own diff: the review's round made shout.txt alone.
    const rounds = (await run(["diff", id, "--rounds"], env)).stdout.trim().split("\n");
    expect(rounds).toHaveLength(3);
    expect(rounds[0]).toMatch(/^round 1 {2}completed {2}2 files \+2 −1 {2}[0-9a-f]{7}\.\.[0-9a-f]{7}$/);
    expect(rounds[1]).toMatch(
      /^round 2 {2}completed {2}1 file \+1 −0 .* opened by key:[0-9a-f-]+: "Also write bye\.txt\."$/,
    );
    expect(rounds[2]).toMatch(/^round 3 {2}completed {2}1 file \+1 −0 /);
    const third = await run(["diff", id, "--round", "3"], env);
    expect(third.stdout).toContain("  shout.txt  +1  −0\n");
    expect(third.stdout).toContain("1 file changed");
    const none = await run(["diff", id, "--round", "9"], env);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("query.round");
    // Every kind of agent takes a message (a scripted one too); steering is OpenCode's alone, refused in words.
    const running = await run(["run", "hang", "--agent", "scripted", "--detach"], env);
    const hung = /[0-9a-f-]{36}/.exec(running.stdout)![0];
    while ((await client.sessions.get(hung)).status !== "running")
      await new Promise((r) => setTimeout(r, 100));
    const other = await run(["send", hung, "hello"], env);
    expect(other.code, other.stderr).toBe(0);
    const steered = await run(["send", hung, "hello", "--steer"], env);
    expect(steered.code).not.toBe(0);
    expect(steered.stderr).toContain("body.steer");
    await client.sessions.cancel(hung);
  });

  test("send --steer stops a running agent's turn: the message is its next prompt, and --follow sees it end", async () => {
    const stuck = await run(
      [
        "run",
        task("Think for a minute.", [{ delayMs: 60_000, text: "too late" }]),
        "--repo",
        repo,
        "--detach",
      ],
      env,
    );
    const sid = /[0-9a-f-]{36}/.exec(stuck.stdout)![0];
    // Its first prompt is on its way once the run has checkpointed where it starts.
    for (let i = 0; !(await client.events.list(sid)).some((e) => e.type === "session.checkpoint"); i++) {
      if (i > 600) throw new Error("the run never started");
      await new Promise((r) => setTimeout(r, 100));
    }
    const started = Date.now();
    const r = await run(
      ["send", sid, task("Answer now.", [{ text: "Steered." }]), "--steer", "--follow"],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(`sent to ${sid} (running): its current turn stops, and this is the next prompt`);
    expect(r.stdout).toMatch(/stopped the agent's turn/);
    expect(r.stdout).toContain("Steered.");
    expect(lines.filter(Boolean).at(-1)).toMatch(/session\.status {2}running → completed/);
    expect(Date.now() - started).toBeLessThan(50_000);
    expect((await run(["events", sid], env)).stdout).toMatch(
      / session\.message {2}key:[0-9a-f-]+ \(steering\): Answer now\./,
    );
  });

  test("--json prints every event as a JSON line, then the final session", async () => {
    const r = await run(["--json", "run", writeAndEdit, "--repo", repo, "--title", "As JSON"], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    const events = lines.slice(0, -1).map((l) => Event.parse(JSON.parse(l)));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ type: "session.created", data: { title: "As JSON" } });
    expect(events.at(-1)!.data).toMatchObject({ to: "completed" });
    const final = Session.parse(JSON.parse(lines.at(-1)!));
    expect(final).toMatchObject({ status: "completed", result: { branch: `orchestrator/${final.id}` } });
  });

  test("a session that fails exits 7 and says why", async () => {
    const refused = task("Give up.", [{ error: 400, errType: "invalid_request_error" }]);
    const r = await run(["run", refused, "--repo", repo, "--title", "Refused"], env);
    expect(r.code).toBe(7);
    expect(r.stdout).toMatch(/\n● failed — opencode_failed: .*demo error 400/);
    expect(r.stdout).toMatch(/\nfailed {2}Refused {2}[0-9a-f-]{36}\nerror {5}opencode_failed: /);
  });

  test("a repository outside the server's roots is refused before anything runs", async () => {
    const r = await run(["run", "Escape the roots", "--repo", outside], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("is outside the allowed roots");
  });

  test("--detach prints the id and returns; --wait with --detach is a usage error", async () => {
    const r = await run(["run", "Detached\nmore detail", "--repo", repo, "--detach"], env);
    expect(r.code).toBe(0);
    const s = await client.sessions.get(r.stdout.trim());
    expect(s).toMatchObject({ title: "Detached", prompt: "Detached\nmore detail", workspace: { repo } });
    await client.sessions.cancel(s.id);
    const both = await run(["run", "x", "--repo", repo, "--detach", "--wait"], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("cannot be used with option '--detach'");
    const neither = await run(["run", "x"], env);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toBe(
      "error: give --repo <path> or --project <name>, or --capability / --agent for a task without one\n",
    );
  });

  test("Ctrl-C detaches without cancelling; diff refuses a session that is still running", async () => {
    const slow = task("Take your time.", [{ delayMs: 60_000, text: "too late" }]);
    const cli = start(["run", slow, "--repo", repo], env);
    await cli.waitFor("· worktree", 60_000);
    cli.child.kill("SIGINT");
    const r = await cli.done;
    expect(r.code).toBe(130);
    const id = idIn(r.stdout);
    expect(r.stderr).toContain(`detached; session ${id} keeps running`);
    expect(r.stderr).toContain(`orchestrator events ${id} --follow`);
    expect(terminal).not.toContain((await client.sessions.get(id)).status);

    const early = await run(["diff", id], env);
    expect(early.code).toBe(4);
    expect(early.stderr).toContain(`session ${id} is running: it has no diff until it ends`);
    await client.sessions.cancel(id);
  });

  test("diff of a session without a workspace exits 3", async () => {
    const s = await client.sessions.create({ title: "No repo", prompt: "succeed" });
    while (!terminal.includes((await client.sessions.get(s.id)).status))
      await new Promise((r) => setTimeout(r, 50));
    const r = await run(["--json", "diff", s.id], env);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stderr).error).toMatchObject({
      code: "not_found",
      message: `session ${s.id} has no diff: it is not a workspace session`,
    });
  });

  test("land merges a finished session into the base: refused in words while the checkout is dirty", async () => {
    const notes = path.join(repo, "notes.md");
    const saved = readFileSync(notes, "utf8");
    writeFileSync(notes, "my unsaved edit\n");
    const refused = await run(["land", id], env);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain("uncommitted changes");
    expect(refused.stderr).toContain(`git -C ${realpathSync(repo)} merge orchestrator/${id}`);
    writeFileSync(notes, saved);
    const r = await run(["land", id, "--merge"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^merged orchestrator/${id} into main \\((fast-forward|merge commit)\\) at [0-9a-f]{10}`),
    );
    expect(readFileSync(path.join(repo, "bye.txt"), "utf8")).toBe("bye\n");
    expect((await run(["land", id], env)).stdout).toBe(
      `main already holds orchestrator/${id}: nothing to merge\n`,
    );
  });
});

describe("land --push and --pr", { timeout: 150_000 }, () => {
  const token = "tok-cli-51c0ffee";
  let remote: Awaited<ReturnType<typeof gitHttp>>;
  let github: Awaited<ReturnType<typeof forge>>;
  beforeAll(async () => {
    mkdirSync(path.join(root, "remotes", "acme"), { recursive: true });
    execFileSync("git", [
      "init",
      "-q",
      "--bare",
      "-b",
      "main",
      path.join(root, "remotes", "acme", "app.git"),
    ]);
    [remote, github] = await Promise.all([gitHttp(path.join(root, "remotes"), token), forge(token)]);
  });
  afterAll(async () => {
    await remote?.close();
    await github?.close();
  });

  test("a project's remote takes its token from stdin; push, then a pull request, then its state", async () => {
    const url = `${remote.url}/acme/app.git`;
    const add = await runWith(
      [
        "projects",
        "add",
        "shop",
        repo,
        "--remote",
        url,
        "--token-stdin",
        "--forge",
        "github",
        "--api",
        github.url,
      ],
      env,
      `${token}\n`,
    );
    expect(add.stderr).toBe("");
    const show = await run(["projects", "show", "shop"], env);
    expect(show.stdout).toContain(`remote:    ${url} (github, token set)`);
    expect(show.stdout).not.toContain(token);

    const made = await run(["run", writeAndEdit, "--project", "shop"], env);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    const sid = idIn(made.stdout);
    const pushed = await run(["land", sid, "--push"], env);
    expect(pushed.stderr).toBe("");
    expect(pushed.stdout).toMatch(new RegExp(`^pushed orchestrator/${sid} to ${url} at [0-9a-f]{10}\n$`));
    const pr = await run(["land", sid, "--pr"], env);
    expect(pr.stderr).toBe("");
    expect(pr.stdout).toContain(`pull request #1 open: ${github.url}/acme/app/pull/1`);
    github.prs[0]!.state = "closed";
    expect((await run(["land", sid, "--status"], env)).stdout).toContain("pull request #1 closed");
    const both = await run(["land", sid, "--push", "--pr"], env);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain("choose one of --merge, --push, --pr, --status");
  });

  test("plan land: a finished plan's integration branch opens a pull request, then lands in the base", async () => {
    // The scripted agent works in no worktree: the branch is the base as the plan found it, which is all
    // the CLI's part needs (the server's tests land real changes, test/plan-git.test.ts).
    const file = path.join(root, "ship.json");
    const ship = { key: "ship", title: "Ship it", prompt: "succeed shipped", agent: "scripted" };
    writeFileSync(file, JSON.stringify({ title: "Ship it", tasks: [ship] }));
    const started = await run(["plan", "run", "-f", file, "--project", "shop", "--detach"], env);
    expect(started.code, started.stderr).toBe(0);
    const pid = started.stdout.trim();
    const watched = await run(["plan", "watch", pid], env);
    expect(watched.code, watched.stdout + watched.stderr).toBe(0);
    const pr = await run(["plan", "land", pid, "--pr"], env);
    expect(pr.stderr).toBe("");
    expect(pr.stdout).toContain(`pull request #2 open: ${github.url}/acme/app/pull/2`);
    expect(pr.stdout).toContain(`orchestrator/plan/${pid} → main`);
    expect(github.prs[1]!.body).toContain("- `ship` Ship it: succeeded");
    const merged = await run(["plan", "land", pid], env);
    expect(merged.stderr).toBe("");
    expect(merged.stdout).toBe(`main already holds orchestrator/plan/${pid}: nothing to merge\n`);
  });
});
