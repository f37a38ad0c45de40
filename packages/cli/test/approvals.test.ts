import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Approval, type Client, type Session, Session as SessionSchema } from "@orchestrator/sdk";
import type { Server } from "@orchestrator/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hasScript, run, serve, start, startTty } from "./harness.ts";

// Approvals and checkpoints from the terminal: the CLI → the API → a real OpenCode (demo model) in
// worktrees of a registered project. `demo-supervised` asks before every shell command.
const root = mkdtempSync(path.join(tmpdir(), "orchestrator-approvals-"));
const repo = path.join(root, "repos", "app");
let server: Server;
let client: Client;
let env: Record<string, string>;

beforeAll(async () => {
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { stdio: "ignore" });
  git("init", "-q", "-b", "main");
  writeFileSync(path.join(repo, "notes.md"), "one\n");
  mkdirSync(path.join(repo, "src"));
  for (const f of ["a.ts", "b.ts"]) writeFileSync(path.join(repo, "src", f), `${f}\n`);
  git("add", ".");
  git("-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qm", "init");
  ({ server, client, env } = await serve({
    dataDir: path.join(root, "data"),
    repoRoots: [path.join(root, "repos")],
  }));
  await client.projects.create({ name: "app", path: repo });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

const script = (text: string, steps: unknown[]) => `${text}\nFAKE_SCRIPT: ${JSON.stringify(steps)}`;
const bash = (command: string) => ({ tool: "bash", args: { command, description: "run it" } });
const write = (filePath: string) => ({ tool: "write", args: { filePath, content: `${filePath}\n` } });
const worktree = (id: string) => path.join(root, "data", "worktrees", id);
const idIn = (stdout: string) => /▶ .* {2}([0-9a-f-]{36})/.exec(stdout)![1]!;

async function until<T>(check: () => Promise<T | null | undefined>, ms = 150_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    const v = await check();
    if (v) return v;
  }
  throw new Error("timed out");
}
const ended = (id: string, status: Session["status"]) =>
  until(async () => {
    const s = await client.sessions.get(id);
    return s.status === status ? s : null;
  });

let approved: string; // a completed session with checkpoints, for the checkpoint tests

describe("approvals", { timeout: 200_000 }, () => {
  test("without a terminal, run says how to approve; approve <session-id> lets the command run", async () => {
    const task = script("Say hi.", [bash("echo hi > hi.txt"), { text: "said hi" }]);
    const cli = start(["run", task, "--project", "app", "--profile", "demo-supervised"], env);
    await cli.waitFor("answer with: orchestrator approve", 150_000);
    const id = idIn(cli.output());
    const [a] = await client.approvals.forSession(id, { status: "pending" });
    const r = await run(["approve", id], env);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`✓ allowed once  bash: echo hi > hi.txt  (session ${id})\n`);

    const { code, stdout, stderr } = await cli.done;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    const waiting = lines.indexOf("● waiting for a person");
    expect(lines.slice(waiting, waiting + 8)).toEqual([
      "● waiting for a person",
      "  ? bash: echo hi > hi.txt",
      "    $ echo hi > hi.txt",
      `    in ${worktree(id)}`,
      "    the agent says: run it",
      `    "always" also allows from now on: echo *`,
      `    answer with: orchestrator approve ${a!.id} [--always | --reject [--message why]]`,
      "  ✓ allowed once",
    ]);
    expect(lines[waiting + 8]).toBe("● running");
    expect(lines).toContain("● completed");
    expect(lines.find((l) => l.startsWith("tokens"))).toMatch(
      /^tokens {4}[\d,]+ in · [\d,]+ out · [\d,]+ reasoning · \$\d+\.\d{4}$/,
    );
    expect(stdout).toContain("\n  hi.txt  +1  −0\n");
    approved = id;
  });

  test("approve --reject --message sends the agent why; approvals ls is the inbox", async () => {
    // The agent reading the message is the server's to test (approval.test.ts); this is the CLI's part.
    const s = await client.sessions.create({
      title: "Reject me",
      prompt: script("Try.", [bash("echo no > no.txt"), { text: "skipped it" }]),
      project: "app",
      profile: "demo-supervised",
    });
    const a = await until(async () => (await client.approvals.forSession(s.id, { status: "pending" }))[0]);

    const inbox = await run(["approvals"], env);
    const lines = inbox.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID +SESSION +KIND +STATUS +AGE +EXPIRES +REQUEST$/);
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toMatch(
      new RegExp(`^${a.id} {2}${s.id} {2}permission {2}pending +\\d+s +in (29|30)m +bash: echo no > no.txt$`),
    );

    const r = await run(["approve", a.id, "--reject", "--message", "not in this repo"], env);
    expect(r.stdout).toBe(`✗ rejected: not in this repo  bash: echo no > no.txt  (session ${s.id})\n`);
    const none = await run(["approve", s.id], env);
    expect(none.code).toBe(3);
    expect(none.stderr).toBe(`error: session ${s.id} has no pending approval\n`);

    const all = await run(["--json", "approvals", "ls", "--all"], env);
    const answered = JSON.parse(all.stdout).items.find((x: Approval) => x.id === a.id);
    expect(answered).toMatchObject({
      status: "answered",
      answer: { reply: "reject", message: "not in this repo" },
    });
    expect((await run(["approvals"], env)).stdout).toBe("no pending approvals\n");
  });
});

describe("a shell command a person is asked about", { timeout: 200_000 }, () => {
  test("is shown verbatim with where it runs: by run, by approvals show, and in the attention queue", async () => {
    // OpenCode splits this into sub-commands (ls -la src / echo … / ls src / wc -l); a person must see it whole.
    const command = "ls -la src && echo TOTAL=$(ls src | wc -l)";
    const task = script("Count.", [bash(command), { text: "counted" }]);
    const cli = start(["run", task, "--project", "app", "--profile", "demo-supervised"], env);
    await cli.waitFor("answer with: orchestrator approve", 150_000);
    const id = idIn(cli.output());
    const block = [`  ? bash: ${command}`, `    $ ${command}`, `    in ${worktree(id)}`];
    expect(cli.output()).toContain(block.join("\n"));

    const shown = await run(["approvals", "show", id], env);
    expect(shown.stderr).toBe("");
    const [a] = await client.approvals.forSession(id, { status: "pending" });
    expect(shown.stdout.split("\n").slice(0, 5)).toEqual([
      `permission ${a!.id}  (session ${id})`,
      expect.stringMatching(/^asked \d+s ago; the timeout policy answers in (29|30)m$/),
      ...block,
    ]);
    expect(a!.request).toMatchObject({ command, cwd: worktree(id), title: `bash: ${command}` });
    const item = (await client.attention()).items.find((i) => i.approvalId === a!.id);
    expect(item?.detail).toBe(`bash: ${command}`);

    expect((await run(["approve", a!.id], env)).stdout).toBe(
      `✓ allowed once  bash: ${command}  (session ${id})\n`,
    );
    const { code } = await cli.done;
    expect(code).toBe(0);
    const events = await client.events.list(id);
    const ran = events.filter((e) => e.type === "agent.tool").find((e) => e.data.status === "completed");
    expect(ran?.data.output).toContain("TOTAL=2");
  });
});

describe("checkpoints", { timeout: 200_000 }, () => {
  test("lists a session's checkpoints; fork --follow runs a new session from one to the end", async () => {
    const r = await run(["checkpoints", approved], env);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ +SEQ +TIME +COMMIT$/);
    expect(lines[1]).toMatch(/^ {3}\d+ +\d\d:\d\d:\d\d {2}[0-9a-f]{7} {2}start$/);
    expect(lines.at(-1)).toMatch(/^\* {2}\d+ +\d\d:\d\d:\d\d {2}[0-9a-f]{7}$/);
    const start = Number(lines[1]!.trim().split(/ +/)[0]);

    const refused = await run(["checkpoints", approved, "restore", String(start)], env);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain("cannot restore a session that is completed");

    const prompt = script("Fork it.", [write("fork.txt"), { text: "forked" }]);
    const fork = await run(
      ["checkpoints", approved, "fork", String(start), "--prompt", prompt, "--follow"],
      env,
    );
    expect(fork.stderr).toBe("");
    expect(fork.code).toBe(0);
    const child = SessionSchema.parse(await client.sessions.get(idIn(fork.stdout)));
    expect(child).toMatchObject({ parentId: approved, status: "completed", title: "Say hi. (fork)" });
    // From the start: the parent's hi.txt is not on the new branch, only what the fork wrote.
    expect(fork.stdout).toContain("\n  fork.txt  +1  −0\n  1 file changed, +1 −0\n");
  });

  test("restore rewinds a failed session to a checkpoint and says how to continue", async () => {
    const s = await client.sessions.create({
      title: "Rewind me",
      prompt: script("Steps.", [
        write("keep.txt"),
        write("drop.txt"),
        { error: 400, errType: "invalid_request_error" },
      ]),
      project: "app",
      maxAttempts: 1,
    });
    await ended(s.id, "failed");
    const items = await client.checkpoints.list(s.id);
    expect(items).toHaveLength(3);
    const r = await run(["checkpoints", s.id, "restore", String(items[1]!.seq)], env);
    expect(r.stdout).toBe(
      `restored ${s.id} to checkpoint #${items[1]!.seq}  (failed)\n` +
        `continue from there with: orchestrator sessions retry ${s.id}\n`,
    );
    const worktree = path.join(root, "data", "worktrees", s.id);
    expect(existsSync(path.join(worktree, "keep.txt"))).toBe(true);
    expect(existsSync(path.join(worktree, "drop.txt"))).toBe(false);
    const list = await run(["checkpoints", s.id], env);
    expect(list.stdout.trim().split("\n")[2]).toMatch(/^\* /);

    const usage = await run(["checkpoints", s.id, "restore"], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("restore needs the checkpoint's seq");
  });
});

describe.skipIf(!hasScript)("on a terminal", { timeout: 200_000 }, () => {
  test("run asks inline, asks again after a typo, and sends once, or reject with a message", async () => {
    const task = script("Two commands.", [bash("echo a > a.txt"), bash("echo b > b.txt"), { text: "done" }]);
    const cli = startTty(["run", task, "--project", "app", "--profile", "demo-supervised"], env);
    const choices = "  > [o]nce, [a]lways, [r]eject: ";
    // What is asked, exactly, then the choices; a typo asks for the choice again, not the whole thing.
    const asked = (command: string) =>
      [
        `  ? bash: ${command}`,
        `    $ ${command}`,
        `    in ${worktree(idIn(cli.output()))}`,
        "    the agent says: run it",
        `    "always" also allows from now on: echo *`,
        choices,
      ].join("\n");
    await cli.waitFor(choices, 150_000);
    expect(cli.output()).toContain(asked("echo a > a.txt"));
    cli.child.stdin!.write("x\r");
    await cli.waitFor("type o (once)");
    cli.child.stdin!.write("o\r");
    await cli.waitFor(asked("echo b > b.txt"), 60_000);
    cli.child.stdin!.write("r not b\r");
    const { code, stdout } = await cli.done;
    expect(code).toBe(0);
    expect(stdout).toContain(
      [
        "● waiting for a person",
        `${asked("echo a > a.txt")}x`,
        `  type o (once), a (always) or r (reject), optionally "r <why>"`,
        `${choices}o`,
        "  ✓ allowed once",
        "● running",
      ].join("\n"),
    );
    expect(stdout).toContain(`${asked("echo b > b.txt")}r not b\n  ✗ rejected: not b\n`);
    expect(stdout).toContain("\n  a.txt  +1  −0\n  1 file changed, +1 −0\n");
  });
});
