// Orchestrator overhead over OpenCode, on one `opencode serve` and one demo LLM: the same coding task as an
// orchestrator session (POST → completed) and driven directly with the OpenCode SDK (worktree → idle), in
// alternating turns after a warm-up; create → first agent event with a warm pool; and the OpenCode
// server's memory idle and with 4 sessions at once. Always in-memory PGlite (--db is ignored).
// Run alone: npx tsx bench/overhead.ts [--runs=8] [--warmup=2] [--step-ms=200] [--busy=4] [--busy-step-ms=1000]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Event, endsSession } from "@orchestrator/sdk";
import {
  type Direct,
  type Rig,
  type Span,
  ask,
  direct,
  dispose,
  epoch,
  git,
  gitRepo,
  rig,
  span,
  within,
} from "./lib/opencode.ts";
import { type Rss, mib, rss, sampler } from "./lib/rss.ts";
import { median, ms, pct, table, verdict } from "./lib/stats.ts";
import { type Targets, alone } from "./lib/target.ts";

export interface Options {
  runs: number;
  warmup: number;
  /** Demo-LLM delay per model call in the measured task. */
  stepMs: number;
  busy: number;
  /** Longer steps for the concurrent sessions, so that they overlap. */
  busyStepMs: number;
}

export const defaults: Options = { runs: 8, warmup: 2, stepMs: 200, busy: 4, busyStepMs: 1000 };

/**
 * One orchestrator session. Times from just before the POST, as this client received the events (the SDK's
 * SSE follow); `claim` from the server's clock.
 */
export interface Orchestrated {
  /** → `session.status` completed. */
  total: number;
  /** → the first `agent.*` event (the adapter's "worktree … on branch …" log, before it asks OpenCode). */
  firstAgent: number;
  /** → the first `agent.tool` (OpenCode's first tool call). */
  firstTool: number;
  /** → the final `agent.message`. */
  text: number;
  /** `session.created` → `running`, server clock (queue and claim). */
  claim: number;
  phases: Phases;
}

/** A run cut at OpenCode's own timestamps (one machine, one clock), from the client's start to its end. */
export interface Phases {
  /** Start → OpenCode created the session (orchestrator: API, claim, worktree, pool; direct: worktree). */
  toSession: number;
  /** → OpenCode took the prompt. */
  toPrompt: number;
  /** → OpenCode's last assistant message completed: OpenCode and the demo LLM at work. */
  opencode: number;
  /** → the client heard the end (completed | session.idle). */
  after: number;
}

const phases = (start: number, total: number, s: Span): Phases => ({
  toSession: s.created - start,
  toPrompt: s.prompted - s.created,
  opencode: s.done - s.prompted,
  after: start + total - s.done,
});

export type DirectRun = Direct & { phases: Phases; dir: string };

export interface Result {
  db: string;
  sameServer: boolean;
  how: string;
  stepMs: number;
  warmup: { orchestrator: number[]; direct: number[] };
  orchestrator: Orchestrated[];
  direct: DirectRun[];
  /** Context: after each direct run, a second direct session in the same worktree (instance booted). */
  again: number[];
  ratio: number;
  memory: {
    pid: number;
    started: Rss;
    idle: Rss;
    /** Sessions, and worktrees (OpenCode instances), OpenCode had served before `idle` was read. */
    served: number;
    worktrees: number;
    /** The sample with the highest total (the process and its descendants). */
    peak: Rss;
    /** The highest RSS of the server process alone, and the highest PSS total. */
    peakOwn: number;
    peakPss: number;
    maxProcesses: number;
    samples: number;
    after: Rss;
    busy: number;
    busyStepMs: number;
    wall: number;
    each: number[];
  };
}

/** Write a file, read and edit another, answer: four model calls, each `delayMs` long. */
const task = (delayMs: number, tag: string, [from, to] = ["one", "two"]) =>
  `Write hello.txt and change "one" to "two" in notes.md.\nFAKE_SCRIPT: ${JSON.stringify([
    { tool: "write", args: { filePath: "hello.txt", content: `hello ${tag}\n` }, delayMs },
    { tool: "read", args: { filePath: "notes.md" }, delayMs },
    { tool: "edit", args: { filePath: "notes.md", oldString: from, newString: to }, delayMs },
    { text: "Done: wrote hello.txt and edited notes.md.", delayMs },
  ])}`;

const changed = ["hello.txt", "notes.md"];

async function orchestrated(r: Rig, repo: string, prompt: string): Promise<Orchestrated> {
  return within(180_000, "an orchestrator session", async (signal) => {
    const start = epoch();
    const t0 = performance.now();
    const s = await r.client.sessions.create({ title: "bench overhead", prompt, workspace: { repo } });
    const seen: { e: Event; t: number }[] = [];
    await r.client.events.follow(s.id, {
      signal,
      onEvent: (e) => void seen.push({ e, t: performance.now() - t0 }),
      until: endsSession,
    });
    const last = seen.at(-1);
    const done = await r.client.sessions.get(s.id);
    if (!last || !endsSession(last.e) || last.e.data.to !== "completed" || done.status !== "completed")
      throw new Error(`session ${s.id} ended ${done.status}: ${JSON.stringify(done.error)}`);
    const result = done.result as any;
    const files = (result?.diff?.files ?? []).map((f: { file: string }) => f.file).sort();
    if (files.join() !== changed.join()) throw new Error(`session ${s.id} changed ${files.join(", ")}`);
    const oc = await span(r.oc, repo, result.opencodeSession);
    const find = (p: (e: Event) => boolean) => seen.find((x) => p(x.e));
    const running = find((e) => e.type === "session.status" && e.data.to === "running");
    return {
      total: last.t,
      firstAgent: find((e) => e.type.startsWith("agent."))?.t ?? NaN,
      firstTool: find((e) => e.type === "agent.tool")?.t ?? NaN,
      text: seen.filter((x) => x.e.type === "agent.message").at(-1)?.t ?? NaN,
      claim: running ? Date.parse(running.e.at) - Date.parse(seen[0]!.e.at) : NaN,
      phases: phases(start, last.t, oc),
    };
  });
}

async function directly(r: Rig, repo: string, root: string, n: number, prompt: string): Promise<DirectRun> {
  const dir = path.join(root, "direct", String(n));
  const out = await direct(r.oc, repo, dir, `bench/direct-${n}`, prompt);
  const status = await git(dir, ["status", "--porcelain"]);
  for (const f of changed)
    if (!status.includes(f)) throw new Error(`the direct run in ${dir} did not change ${f}:\n${status}`);
  return { ...out, dir, phases: phases(out.start, out.total, await span(r.oc, repo, out.sessionID)) };
}

export async function run(o: Options = defaults): Promise<Result> {
  const root = mkdtempSync(path.join(tmpdir(), "io-bench-overhead-"));
  let r: Rig | null = null;
  // Ctrl-C: stop OpenCode and remove the temp dir before going.
  const onSignal = () => void (r?.stop() ?? Promise.resolve()).finally(() => cleanup(130));
  const cleanup = (code: number) => {
    rmSync(root, { recursive: true, force: true });
    process.exit(code);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const repoRoot = path.join(root, "repos");
    const repo = await gitRepo(path.join(repoRoot, "app"), { "notes.md": "one\n", "README.md": "bench\n" });
    r = await rig(root, repoRoot, Math.max(4, o.busy));
    const rg = r;
    const started = rss(rg.oc.pid);
    let n = 0;
    const once = {
      orchestrator: () => orchestrated(rg, repo, task(o.stepMs, `o${n++}`)),
      direct: () => {
        const k = n++;
        return directly(rg, repo, root, k, task(o.stepMs, `d${k}`));
      },
    };

    const warmup: Result["warmup"] = { orchestrator: [], direct: [] };
    for (let i = 0; i < o.warmup; i++) {
      warmup.orchestrator.push((await once.orchestrator()).total);
      const d = await once.direct();
      warmup.direct.push(d.total);
      await dispose(rg.oc, d.dir);
    }
    // Alternate, and swap which goes first every round, so drift on a shared machine hits both alike.
    const orch: Orchestrated[] = [];
    const dir: DirectRun[] = [];
    const again: number[] = [];
    const directAndAgain = async () => {
      const d = await once.direct();
      dir.push(d);
      const t = performance.now();
      await ask(rg.oc, d.dir, task(o.stepMs, `again${n++}`, ["two", "three"]));
      again.push(performance.now() - t);
      await dispose(rg.oc, d.dir);
    };
    for (let i = 0; i < o.runs; i++) {
      if (i % 2 === 0) {
        orch.push(await once.orchestrator());
        await directAndAgain();
      } else {
        await directAndAgain();
        orch.push(await once.orchestrator());
      }
    }

    await new Promise((res) => setTimeout(res, 1000));
    const idle = rss(rg.oc.pid);
    const served = n;
    const sample = sampler(rg.oc.pid, 100);
    const t0 = performance.now();
    const each = await Promise.all(
      Array.from({ length: o.busy }, () => orchestrated(rg, repo, task(o.busyStepMs, `b${n++}`))),
    );
    const wall = performance.now() - t0;
    const busy = sample.stop();
    // Same server throughout: the pool still has exactly the one server we drove directly.
    const servers = rg.server.deps.pool.servers();
    const same = servers.length === 1 && servers[0]!.pid === rg.oc.pid;
    return {
      db: "PGlite, in memory",
      sameServer: same,
      how: same
        ? `the pool's only opencode serve (pid ${rg.oc.pid}, from server.deps.pool, maxServers 1)`
        : `the pool ran ${servers.map((x) => x.pid).join(", ")}; the direct path used ${rg.oc.pid}`,
      stepMs: o.stepMs,
      warmup,
      orchestrator: orch,
      direct: dir,
      again,
      ratio: median(orch.map((x) => x.total)) / median(dir.map((x) => x.total)),
      memory: {
        pid: rg.oc.pid,
        started,
        idle,
        served,
        worktrees: 2 * (o.warmup + o.runs),
        peak: busy.peak,
        peakOwn: busy.own,
        peakPss: busy.pss,
        maxProcesses: busy.maxProcesses,
        samples: busy.samples,
        after: rss(rg.oc.pid),
        busy: o.busy,
        busyStepMs: o.busyStepMs,
        wall,
        each: each.map((x) => x.total),
      },
    };
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await r?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

const line = (xs: number[]) =>
  `median ${ms(median(xs), 0)}, p90 ${ms(pct(xs, 90), 0)} (runs: ${xs.map((x) => x.toFixed(0)).join(", ")} ms)`;
const med = (xs: number[]) => ms(median(xs), 0);
const procs = (n: number) => `${n} process${n === 1 ? "" : "es"}`;

/** "the server + opencode 410 MiB, git ×3 (12 MiB)" */
function children(r: Rss): string {
  const by = new Map<string, { n: number; bytes: number }>();
  for (const c of r.children) {
    const x = by.get(c.name) ?? { n: 0, bytes: 0 };
    by.set(c.name, { n: x.n + 1, bytes: x.bytes + c.bytes });
  }
  const list = [...by].map(([name, x]) => `${name}${x.n > 1 ? ` ×${x.n}` : ""} ${mib(x.bytes)}`);
  return list.length ? `the server ${mib(r.own)} + ${list.join(", ")}` : "the server alone";
}

export function report(r: Result): string {
  const o = r.orchestrator;
  const d = r.direct;
  const m = r.memory;
  const phase = (name: string, orch: number[], dir: number[]) => [
    `  ${name}`,
    med(orch),
    med(dir),
    ms(median(orch) - median(dir), 0),
  ];
  return [
    `overhead — ${r.db}; ${r.sameServer ? "one OpenCode server for both paths" : "SEPARATE OpenCode servers"}: ${r.how}`,
    `  task: write hello.txt, read + edit notes.md, final text = 4 demo-LLM calls of ${r.stepMs} ms; every run in a fresh worktree`,
    `  warm-up (ms): orchestrator ${r.warmup.orchestrator.map((x) => x.toFixed(0)).join(", ")}; direct ${r.warmup.direct.map((x) => x.toFixed(0)).join(", ")}`,
    `  orchestrator, POST → completed received:  ${line(o.map((x) => x.total))}`,
    `  direct SDK, worktree add → session.idle:  ${line(d.map((x) => x.total))}`,
    `  ratio of medians orchestrator ÷ direct: ${r.ratio.toFixed(3)}× — target ≤ 1.10×: ${verdict(r.ratio, 1.1)}`,
    table([
      [
        "  where the time goes (medians; cut at OpenCode's own timestamps)",
        "orchestrator",
        "direct",
        "difference",
      ],
      phase(
        "start → OpenCode session created",
        o.map((x) => x.phases.toSession),
        d.map((x) => x.phases.toSession),
      ),
      phase(
        "→ OpenCode took the prompt",
        o.map((x) => x.phases.toPrompt),
        d.map((x) => x.phases.toPrompt),
      ),
      phase(
        "→ last assistant message completed (OpenCode at work)",
        o.map((x) => x.phases.opencode),
        d.map((x) => x.phases.opencode),
      ),
      phase(
        "→ the client heard the end",
        o.map((x) => x.phases.after),
        d.map((x) => x.phases.after),
      ),
    ]),
    `  context: direct SDK, a second session in the same worktree (its OpenCode instance already booted): ${line(r.again)}`,
    `  orchestrator created → running (server clock): median ${med(o.map((x) => x.claim))}`,
    `create → first agent.* event received, warm pool: ${line(o.map((x) => x.firstAgent))}`,
    `create → first agent.tool received (OpenCode's first tool call): ${line(o.map((x) => x.firstTool))}`,
    `opencode serve memory (pid ${m.pid} and its descendants, /proc every 100 ms):`,
    `  RSS after start, no session: ${mib(m.started.bytes)}`,
    `  RSS idle after ${m.served} sessions in ${m.worktrees} worktrees: ${mib(m.idle.bytes)} (${procs(m.idle.processes)}; PSS ${mib(m.idle.pss)})`,
    `  peak with ${m.busy} concurrent sessions (${m.busyStepMs} ms steps), ${m.samples} samples: RSS ${mib(m.peak.bytes)} summed (${children(m.peak)}); PSS ${mib(m.peakPss)}; the server alone ${mib(m.peakOwn)}; up to ${procs(m.maxProcesses)}`,
    `  RSS after: ${mib(m.after.bytes)} (${procs(m.after.processes)})`,
    `  the ${m.busy} sessions took ${m.each.map((x) => x.toFixed(0)).join(", ")} ms, ${ms(m.wall, 0)} wall together`,
  ].join("\n");
}

/** One run whatever `--db` says: the orchestrator side is in-memory PGlite, and OpenCode is the subject. */
export async function main(_t: Targets, o: Options): Promise<Result[]> {
  const r = await run(o);
  console.log(report(r) + "\n");
  return [r];
}

await alone(import.meta.url, (t, f) =>
  main(t, {
    runs: f.num("runs", defaults.runs),
    warmup: f.num("warmup", defaults.warmup),
    stepMs: f.num("step-ms", defaults.stepMs),
    busy: f.num("busy", defaults.busy),
    busyStepMs: f.num("busy-step-ms", defaults.busyStepMs),
  }),
);
