// Start-to-ready: spawn the real server process (`orchestrator serve`) and time until /health/ready answers
// 200. Cold = a fresh data dir (PGlite initdb + migrations) or a fresh database (PostgreSQL: migrations);
// warm = the same dir or database again. Run alone: npx tsx bench/start.ts [--db=pglite,postgres] [--runs=3]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { root } from "./lib/child.ts";
import { freePort } from "./lib/net.ts";
import { median, ms, verdict } from "./lib/stats.ts";
import { type Kind, type Targets, alone } from "./lib/target.ts";

export interface Options {
  runs: number;
}

export const defaults: Options = { runs: 3 };

export interface Timing {
  /** spawn → the port accepts a connection (any answer from /health/ready). */
  listening: number;
  /** spawn → /health/ready is 200. */
  ready: number;
  /** SIGTERM → exit. */
  stop: number;
}

export interface Result {
  db: string;
  /** spawn → exit of a process that only imports @orchestrator/server through tsx (bench/lib/imports.ts). */
  baseline: number[];
  cold: Timing[];
  warm: Timing[];
}

const cli = path.join(root, "packages/cli/bin/orchestrator.js");
const baseEnv = () => ({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "warn" });

/** Spawn → ready → SIGTERM → exit, for one data dir / database. */
async function once(env: Record<string, string>): Promise<Timing> {
  const port = await freePort();
  const t0 = performance.now();
  const proc = spawn(process.execPath, [cli, "serve"], {
    cwd: root,
    env: { ...baseEnv(), ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  proc.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  let listening = NaN;
  try {
    for (;;) {
      if (gone) throw new Error(`the server exited before it was ready:\n${err}`);
      if (performance.now() - t0 > 120_000) throw new Error("the server was not ready in 120 s");
      const status = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.status,
        () => 0, // not listening yet
      );
      if (status && Number.isNaN(listening)) listening = performance.now() - t0;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 10));
    }
  } catch (e) {
    proc.kill("SIGKILL");
    throw e;
  }
  const ready = performance.now() - t0;
  const t1 = performance.now();
  proc.kill("SIGTERM");
  const code = await exited;
  if (code !== 0) throw new Error(`the server exited with ${code} after SIGTERM:\n${err}`);
  return { listening, ready, stop: performance.now() - t1 };
}

async function baseline(): Promise<number> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(root, "bench/lib/imports.ts")], {
    cwd: root,
    env: baseEnv(),
    stdio: "ignore",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  await new Promise((r) => proc.once("exit", r));
  clearTimeout(timer);
  return performance.now() - t0;
}

export async function run(t: Targets, kind: Kind, o: Options = defaults): Promise<Result> {
  const out: Result = { db: "", baseline: [], cold: [], warm: [] };
  for (let i = 0; i < o.runs; i++) out.baseline.push(await baseline());
  let env: Record<string, string> = {};
  const dirs: string[] = [];
  try {
    for (let i = 0; i < o.runs; i++) {
      // Every start gets its own data dir: the database lives elsewhere for PostgreSQL, but the lockfile does not.
      const dir = mkdtempSync(path.join(tmpdir(), "io-bench-start-"));
      dirs.push(dir);
      if (kind === "postgres") {
        const c = await t.pg();
        out.db = c.label;
        env = { ORCHESTRATOR_DATA_DIR: dir, DATABASE_URL: await c.scratch("start") };
      } else {
        out.db = "PGlite, on disk";
        env = { ORCHESTRATOR_DATA_DIR: dir };
      }
      out.cold.push(await once(env));
    }
    // Warm: the last cold run's data dir / database, again.
    for (let i = 0; i < o.runs; i++) out.warm.push(await once(env));
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return out;
}

export function report(r: Result): string {
  const line = (name: string, ts: Timing[]) =>
    `  ${name.padEnd(5)} ready median ${ms(median(ts.map((x) => x.ready)), 0)} (runs: ${ts.map((x) => x.ready.toFixed(0)).join(", ")} ms); listening median ${ms(median(ts.map((x) => x.listening)), 0)}; SIGTERM → exit median ${ms(median(ts.map((x) => x.stop)), 0)}`;
  return [
    `start-to-ready — ${r.db}: \`orchestrator serve\` as a new process, polled every 10 ms`,
    `  node + tsx + importing @orchestrator/server, then exit: median ${ms(median(r.baseline), 0)}`,
    line("cold", r.cold),
    line("warm", r.warm),
    `  target warm ≤ 2 s: ${verdict(median(r.warm.map((x) => x.ready)), 2000)}`,
  ].join("\n");
}

export async function main(t: Targets, o: Options): Promise<Result[]> {
  const out: Result[] = [];
  for (const kind of t.kinds) {
    const r = await run(t, kind, o);
    console.log(report(r) + "\n");
    out.push(r);
  }
  return out;
}

await alone(import.meta.url, (t, f) => main(t, { runs: f.num("runs", defaults.runs) }));
