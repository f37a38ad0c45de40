import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Plan } from "@orchestrator/sdk";
import type { Server } from "@orchestrator/server";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hasScript, run, serve, start, startTty } from "./harness.ts";

// `plan …` from the terminal against a real server; tasks run on the scripted agent, so no model is needed.
const root = mkdtempSync(path.join(tmpdir(), "orchestrator-plan-"));
const repo = path.join(root, "repos", "app");
let server: Server;
let env: Record<string, string>;
let url: string;

beforeAll(async () => {
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { stdio: "ignore" });
  git("init", "-q", "-b", "main");
  writeFileSync(path.join(repo, "notes.md"), "one\n");
  git("add", ".");
  git("-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qm", "init");
  ({ server, env } = await serve({
    dataDir: path.join(root, "data"),
    repoRoots: [path.join(root, "repos")],
  }));
  url = server.url;
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A plan file in the test's folder. */
function file(name: string, text: string): string {
  const f = path.join(root, name);
  writeFileSync(f, text);
  return f;
}

const diamond = `
title: Diamond
tasks:
  - key: schema
    title: Database schema
    agent: scripted
    prompt: "sleep 200\\nsucceed schema done"
    estimate: { optimistic: 10, likely: 20, pessimistic: 60 }
  - { key: api, title: API handlers, agent: scripted, prompt: "succeed done" }
  - { key: ui, title: UI pages, agent: scripted, prompt: "succeed done",
      estimate: { optimistic: 1, likely: 2, pessimistic: 3 } }
  - { key: e2e, title: End-to-end tests, agent: scripted, prompt: "succeed done" }
edges:
  - { from: schema, to: api }
  - { from: schema, to: ui }
  - { from: api, to: e2e }
  - { from: ui, to: e2e }
`;

const api = async (p: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await fetch(url + p, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${env.ORCHESTRATOR_API_KEY}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return res.json() as Promise<any>;
};
const planId = (stdout: string) => /▶ .* {2}([0-9a-f-]{36}) {2}/.exec(stdout)![1]!;
/** The tree's line for a task: `*` (critical) or space, then the key indented by its depth. */
const rowOf = (stdout: string, key: string) =>
  stdout.split("\n").findLast((l) => new RegExp(`^[* ]  +${key.replace(".", "\\.")} `).test(l))!;

describe("plan run", { timeout: 60_000 }, () => {
  test("runs a diamond from YAML: a line per task change, the final tree all succeeded, exit 0", async () => {
    const r = await run(["plan", "run", "-f", file("diamond.yaml", diamond)], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const id = planId(r.stdout);
    const lines = r.stdout.split("\n");
    // Not a terminal: one line per change from the plan's log, in the order the tasks could run. Every
    // change is there, however quick: the plan started, then each task ran in its session and succeeded.
    const changes = lines.filter((l) => /^\d\d:\d\d:\d\d {2}/.test(l)).map((l) => l.slice(10));
    expect(changes[0]).toBe("plan running");
    const at = (re: RegExp) => changes.findIndex((l) => re.test(l));
    for (const key of ["schema", "api", "ui", "e2e"]) {
      const running = new RegExp(`^${key} +running {2}session [0-9a-f]{8}$`);
      const succeeded = new RegExp(`^${key} +succeeded {2}after \\d+s$`);
      expect(changes.filter((l) => running.test(l))).toHaveLength(1);
      expect(changes.filter((l) => succeeded.test(l))).toHaveLength(1);
      expect(at(running)).toBeLessThan(at(succeeded));
    }
    expect(at(/^schema +succeeded/)).toBeLessThan(at(/^api +running/));
    expect(at(/^api +succeeded/)).toBeLessThan(at(/^e2e +running/));
    expect(at(/^ui +succeeded/)).toBeLessThan(at(/^e2e +running/));
    expect(changes.at(-1)).toBe("plan succeeded");
    expect(changes).toHaveLength(10);
    for (const key of ["schema", "api", "ui", "e2e"])
      expect(rowOf(r.stdout, key)).toMatch(new RegExp(` {2}succeeded {2}[0-9a-f]{8} {2}`));
    // The join is indented under both its prerequisites; `*` marks what the plan's forecast calls critical
    // (recomputed with what the run taught, so read back from the API rather than assumed).
    expect(rowOf(r.stdout, "ui")).toMatch(/^[* ] {4}ui /);
    expect(rowOf(r.stdout, "e2e")).toMatch(/^[* ] {6}e2e .*← api, ui$/);
    const v = await api(`/api/v1/plans/${id}`);
    for (const t of v.tasks) expect(rowOf(r.stdout, t.key)[0]).toBe(t.forecast.critical ? "*" : " ");
    expect(r.stdout).toContain(`* critical path  ${v.forecast.criticalPath.join(" → ")}  (`);
    expect(r.stdout).toContain(`\nsucceeded  Diamond  ${id}\ntasks     4 succeeded\n`);
    expect(v.status).toBe("succeeded");
  });

  test("a failing plan exits 7, names the failed task and why, and how to retry it", async () => {
    const f = file(
      "fail.json",
      JSON.stringify({
        title: "Breaks",
        tasks: [
          { key: "a", title: "Break", agent: "scripted", prompt: "fatal broken" },
          { key: "b", title: "After", agent: "scripted", prompt: "succeed" },
        ],
        edges: [{ from: "a", to: "b" }],
      }),
    );
    const r = await run(["plan", "run", "-f", f], env);
    expect(r.code).toBe(7);
    const id = planId(r.stdout);
    expect(r.stdout).toMatch(/\n\d\d:\d\d:\d\d {2}a {2}failed {2}after \d+s: agent_fatal: broken\n/);
    expect(r.stdout).toContain(`\nfailed  Breaks  ${id}\ntasks     1 failed, 1 upstream_failed\n`);
    expect(r.stdout).toContain("  a  failed: agent_fatal: broken\n");
    expect(r.stdout).toContain(`retry a task with: orchestrator plan retry ${id} a`);
  });

  test("--json prints each change as a JSON line, then the final plan", async () => {
    const r = await run(["--json", "plan", "run", "-f", path.join(root, "diamond.yaml")], env);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    // The plan's own log, from its first entry: created, then started, then its tasks' changes.
    expect(lines[0]).toMatchObject({ type: "plan.created", seq: 1, data: { title: "Diamond", tasks: 4 } });
    expect(lines[1]).toMatchObject({ type: "plan.status", seq: 2, data: { from: "draft", to: "running" } });
    expect(lines.slice(0, -1).map((l) => l.seq)).toEqual(lines.slice(0, -1).map((_, i) => i + 1));
    const final = Plan.View.parse(lines.at(-1));
    expect(final.status).toBe("succeeded");
    const changes = lines.filter((l) => l.type === "task.status").map((l) => `${l.data.key}:${l.data.to}`);
    for (const key of ["schema", "api", "ui", "e2e"]) expect(changes).toContain(`${key}:succeeded`);
    expect(lines.at(-2)).toMatchObject({ type: "plan.status", data: { to: "succeeded" } });
  });

  test("a cycle is refused with its path, by field, exit 2, and nothing is created", async () => {
    const before = (await api("/api/v1/plans?limit=200")).items.length;
    const f = file(
      "cycle.yaml",
      `title: Loop
tasks:
  - { key: a, title: A, prompt: succeed }
  - { key: b, title: B, prompt: succeed }
  - { key: c, title: C, prompt: succeed }
edges: [{ from: a, to: b }, { from: b, to: c }, { from: c, to: a }]
`,
    );
    const r = await run(["plan", "run", "-f", f], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`error: ${f} is not a valid plan:\n`);
    expect(r.stderr).toContain("\n  edges: the edges form a cycle: a → b → c → a\n");
    expect((await api("/api/v1/plans?limit=200")).items.length).toBe(before);
  });

  test("a missing file and bad YAML are usage errors that say where", async () => {
    const missing = await run(["plan", "run", "-f", path.join(root, "nope.yaml")], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `error: cannot read plan file ${path.join(root, "nope.yaml")}: no such file\n`,
    );
    const f = file("bad.yaml", "title: x\ntasks:\n  - key: a\n   title: b\n");
    const bad = await run(["plan", "run", "-f", f], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`^error: ${f}:4:\\d+: not valid YAML: `));
  });

  test("Ctrl-C detaches and leaves the plan running; watch picks it up; cancel stops it", async () => {
    const f = file(
      "hang.yaml",
      "title: Hangs\ntasks:\n  - { key: h, title: Hang, agent: scripted, prompt: hang }\n",
    );
    const cli = start(["plan", "run", "-f", f], env);
    await cli.waitFor(/h +running/);
    cli.child.kill("SIGINT");
    const r = await cli.done;
    expect(r.code).toBe(130);
    const id = planId(r.stdout);
    expect(r.stderr).toContain(`detached; plan ${id} keeps running. Watch it again with:\n`);
    expect(r.stderr).toContain(`  orchestrator plan watch ${id}\n`);
    expect((await api(`/api/v1/plans/${id}`)).status).toBe("running");
    const watching = start(["plan", "watch", id], env);
    await watching.waitFor(`▶ Hangs  ${id}  running`);
    const cancelled = await run(["plan", "cancel", id], env);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(`▶ Hangs  ${id}  cancelled`);
    const w = await watching.done;
    expect(w.code).toBe(7);
    expect(w.stdout).toContain(`\ncancelled  Hangs  ${id}\n`);
  });

  test.runIf(hasScript)("on a terminal the tree is redrawn in place, coloured", async () => {
    const cli = startTty(["plan", "run", "-f", path.join(root, "diamond.yaml")], env);
    const r = await cli.done;
    expect(r.code).toBe(0);
    // Each redraw moves up over the last frame (its 8 lines) and clears down.
    expect(r.stdout).toContain("\x1b[8F\x1b[J▶ Diamond");
    expect(r.stdout).toContain("\x1b[32msucceeded\x1b[0m");
    expect(r.stdout).not.toMatch(/^\d\d:\d\d:\d\d {2}/m);
  });

  test("--repo, --max-parallel, --no-fail-fast and --on-conflict reach the plan; --detach prints its id", async () => {
    // The scripted agent takes no repository (the OpenCode path is the server's tests'): detach, look, cancel.
    const f = file("repo.yaml", "title: On a repo\ntasks:\n  - { key: a, title: A, prompt: succeed }\n");
    const r = await run(
      [
        ...["plan", "run", "-f", f, "--repo", repo, "--max-parallel", "1", "--no-fail-fast"],
        ...["--on-conflict", "resolve", "--detach"],
      ],
      env,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    const v = await api(`/api/v1/plans/${id}`);
    expect(v).toMatchObject({
      status: "running",
      workspace: { repo },
      policy: { maxParallel: 1, failFast: false, onConflict: "resolve" },
      integrationBranch: `orchestrator/plan/${id}`,
    });
    const shown = await run(["plan", "show", id], env);
    expect(shown.stdout).toContain(
      `\nbranch    orchestrator/plan/${id} (from ${v.baseCommit.slice(0, 7)})\n`,
    );
    await api(`/api/v1/plans/${id}/cancel`, { method: "POST" });
    const both = await run(["plan", "run", "-f", f, "--repo", repo, "--project", "p"], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("cannot be used with option '--project");
  });
});

describe("plan decompose, show, ls and actions", { timeout: 60_000 }, () => {
  test("decompose --dry-run -o writes a YAML that plan run -f accepts, and shows why", async () => {
    const out = path.join(root, "draft.yaml");
    const goal = "Build a REST API service with authentication";
    const r = await run(["plan", "decompose", goal, "--dry-run", "-o", out], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^band {10}\w+ \(score [\d.]+, about /);
    expect(r.stdout).toContain('\nmatched       web_service_implementation (template, on "rest api")\n');
    expect(r.stdout).toContain('              security (rule, on "authentication")\n');
    expect(r.stdout).toMatch(/\n {3}web\.requirements +~\S+ +Requirements Analysis\n/);
    expect(r.stdout).toMatch(/\n {5}web\.design +~\S+ +System Design +← web\.requirements\n/);
    expect(r.stdout).toContain(`wrote ${out}; run it with: orchestrator plan run -f ${out}`);
    expect((await api("/api/v1/plans?limit=200")).items.some((p: any) => p.title === goal)).toBe(false);

    // As written, the server takes it.
    const detached = await run(["plan", "run", "-f", out, "--detach"], env);
    expect(detached.code).toBe(0);
    const made = await api(`/api/v1/plans/${detached.stdout.trim()}`);
    expect(made.tasks.map((t: any) => t.key)).toEqual(
      parse(readFileSync(out, "utf8")).tasks.map((t: any) => t.key),
    );
    await api(`/api/v1/plans/${made.id}/cancel`, { method: "POST" });

    // Edited as a person would (here: every task on the scripted agent), it runs to the end.
    const draft = parse(readFileSync(out, "utf8"));
    for (const t of draft.tasks) Object.assign(t, { agent: "scripted", prompt: "succeed", capabilities: [] });
    writeFileSync(out, stringify(draft));
    const ran = await run(["plan", "run", "-f", out, "--max-parallel", "8"], env);
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain(`tasks     ${draft.tasks.length} succeeded\n`);
  });

  test("decompose without --dry-run creates a draft and says how to start it", async () => {
    const r = await run(["plan", "decompose", "Fix a typo in the README"], env);
    expect(r.code).toBe(0);
    const id = planId(r.stdout);
    expect(r.stdout).toContain("matched       single (default: no template or rule matched)\n");
    expect(r.stdout).toContain(`\ncreated draft plan ${id}; start it with: orchestrator plan start ${id}\n`);
    expect((await api(`/api/v1/plans/${id}`)).status).toBe("draft");
  });

  test("show marks the critical path, and compares estimates with times taken", async () => {
    const r = await run(["plan", "ls", "--status", "succeeded", "--json"], env);
    const id = JSON.parse(r.stdout).items.find((p: any) => p.title === "Diamond").id;
    const shown = await run(["plan", "show", id], env);
    expect(shown.code).toBe(0);
    const v = await api(`/api/v1/plans/${id}`);
    expect(shown.stdout.split("\n")[1]).toMatch(/^ {3}TASK +STATUS +SESSION +TIME +EST +TITLE$/);
    for (const t of v.tasks) {
      const row = rowOf(shown.stdout, t.key);
      expect(row.startsWith(t.forecast.critical ? "*" : " ")).toBe(true);
      expect(row).toContain(`succeeded  ${t.sessionId.slice(0, 8)}`);
    }
    expect(v.tasks.filter((t: any) => t.forecast.critical).length).toBeGreaterThan(0);
    expect(shown.stdout).toContain(`* critical path  ${v.forecast.criticalPath.join(" → ")}  (~`);
    expect(shown.stdout).toMatch(/\nforecast {2}p50 ~\S+ · p90 ~\S+ {2}\(started \d\d:\d\d:\d\d\)\n/);
    const json = await run(["--json", "plan", "show", id], env);
    expect(Plan.View.parse(JSON.parse(json.stdout)).id).toBe(id);
  });

  test("ls lists plans; start and skip act and say so; a refused action exits 4, an unknown plan or task 3", async () => {
    const ls = await run(["plan", "ls"], env);
    expect(ls.stdout.split("\n")[0]).toMatch(/^STATUS +TITLE +ID +SUCCEEDED +AGE$/);
    expect(ls.stdout).toMatch(/\nsucceeded +Diamond +[0-9a-f-]{36} +4\/4 +\d+[smh]\n/);

    const f = file(
      "steps.yaml",
      "title: Steps\ntasks:\n  - { key: a, title: A, agent: scripted, prompt: fatal no }\n" +
        "  - { key: b, title: B, agent: scripted, prompt: succeed }\nedges: [{ from: a, to: b }]\n",
    );
    const id = await created(f);
    expect((await run(["plan", "pause", id], env)).code).toBe(4);
    const started = await run(["plan", "start", id], env);
    expect(started.stdout).toContain(`▶ Steps  ${id}  running`);
    const watched = await run(["plan", "watch", id], env);
    expect(watched.code).toBe(7);
    const skipped = await run(["plan", "skip", id, "a"], env);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout.split("\n")[0]).toBe("a  skipped");
    expect((await run(["plan", "retry", id, "nope"], env)).code).toBe(3);
    expect((await run(["plan", "show", crypto.randomUUID()], env)).code).toBe(3);
  });

  test("ask: an agent plans the goal and the draft is shown; answers that hold no graph exit 7", async () => {
    const graph = JSON.stringify({
      tasks: [
        { key: "x", title: "First", prompt: "succeed", agent: "scripted" },
        { key: "y", title: "Second", prompt: "succeed", agent: "scripted" },
      ],
      edges: [{ from: "x", to: "y" }],
    });
    const r = await run(["plan", "ask", `succeed ${graph}`, "--title", "Asked", "--agent", "scripted"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/planning [0-9a-f-]{36} \(session [0-9a-f-]{36}\)/);
    expect(r.stdout).toMatch(/\n[* ] +x +blocked/);
    expect(r.stdout).toContain("draft plan ");
    const bad = await run(["plan", "ask", "succeed no graph", "--title", "Bad", "--agent", "scripted"], env);
    expect(bad.code).toBe(7);
    expect(bad.stdout).toContain("the planner's answers were refused");
  });
});

/** A draft plan made from a file through the API, as another client would. */
async function created(f: string): Promise<string> {
  const body = parse(readFileSync(f, "utf8"));
  return (await api("/api/v1/plans", { method: "POST", body })).id;
}
