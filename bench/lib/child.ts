import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Child {
  proc: ChildProcess;
  /** The next JSON line the child prints on stdout. */
  next<T>(): Promise<T>;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Run a bench/lib script as its own process (through tsx), talking one JSON object per stdout line. Load
 * generators and servers live in separate processes so neither steals the other's event loop; they still
 * share the machine's cores.
 */
export function child(script: string, args: string[] = [], env: Record<string, string> = {}): Child {
  // BENCH_PROFILE=<dir>: each child writes a V8 CPU profile there (how the evidence in docs/benchmarks.md was taken).
  const profile = process.env.BENCH_PROFILE
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  const proc = spawn(
    process.execPath,
    [...profile, "--import", "tsx", path.join(root, "bench/lib", script), ...args],
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines: string[] = [];
  const waiting: ((line: string | null) => void)[] = [];
  let buf = "";
  let ended = false;
  proc.stdout!.setEncoding("utf8").on("data", (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (!line.startsWith("{")) continue; // not ours (a library's stray output)
      const w = waiting.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<number | null>((r) =>
    proc.once("exit", (code) => {
      ended = true;
      for (const w of waiting.splice(0)) w(null);
      r(code);
    }),
  );
  return {
    proc,
    exited,
    next: <T>() =>
      new Promise<T>((resolve, reject) => {
        const take = (line: string | null) =>
          line === null
            ? reject(new Error(`${script} exited before answering`))
            : resolve(JSON.parse(line) as T);
        const line = lines.shift();
        if (line !== undefined) take(line);
        else if (ended) take(null);
        else waiting.push(take);
      }),
    stop: async () => {
      if (!ended) proc.kill("SIGTERM");
      await exited;
    },
  };
}

/** For the child side: print one JSON line. */
export const reply = (value: unknown) => process.stdout.write(JSON.stringify(value) + "\n");
