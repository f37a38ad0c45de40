import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Client, createClient } from "@orchestrator/sdk";
import { inject } from "vitest";
import { type Options, type Server, start as startServer } from "@orchestrator/server";

export const bin = fileURLToPath(new URL("../bin/orchestrator.js", import.meta.url));

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Resolves once stdout contains `text`. */
  waitFor(text: string | RegExp, ms?: number): Promise<void>;
  /** Standard output so far. */
  output(): string;
  done: Promise<Result>;
}

/** A fresh, empty config home, so no test sees another's (or the developer's) saved profiles. */
export const configHome = () => mkdtempSync(path.join(tmpdir(), "orchestrator-cli-"));

/**
 * The real CLI in a child process, with `env` as its whole environment: nothing of the developer's
 * (ORCHESTRATOR_URL, a saved profile under HOME) can leak into what a test sees.
 */
export function start(args: string[], env: Record<string, string> = {}): Running {
  return watch(spawn(process.execPath, [bin, ...args], { env, stdio: ["ignore", "pipe", "pipe"] }));
}

/** util-linux `script`, which runs a command on a pseudo-terminal (macOS has a different `script`). */
export const hasScript = /util-linux/.test(
  spawnSync("script", ["--version"], { encoding: "utf8" }).stdout ?? "",
);

/**
 * The CLI on a pseudo-terminal, as a person runs it: its standard input is a TTY, and what is written
 * to `child.stdin` is typed at it (end a line with "\r"). Its stdout and stderr arrive merged as
 * stdout, with "\r\n" turned back into "\n".
 */
export function startTty(args: string[], env: Record<string, string> = {}): Running {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, bin, ...args].map(quote).join(" ");
  return watch(
    spawn("script", ["-qfec", command, "/dev/null"], {
      env: { ...env, PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "dumb" },
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
}

function watch(child: ChildProcess): Running {
  let stdout = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    // A terminal ends lines with \r\n (and an echoed Enter adds a \r); a chunk may end between them.
    stdout = (stdout + chunk).replace(/\r+\n/g, "\n");
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<Result>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  const waitFor = (text: string | RegExp, ms = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const seen = () => (typeof text === "string" ? stdout.includes(text) : text.test(stdout));
      const check = () => {
        if (!seen()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${text} in stdout:\n${stdout}\nstderr:\n${stderr}`));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      void done.then(() => {
        if (!seen()) {
          cleanup();
          reject(new Error(`the CLI exited before printing ${text}; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }
      });
      check();
    });
  return { child, waitFor, output: () => stdout, done };
}

export const run = (args: string[], env: Record<string, string> = {}): Promise<Result> =>
  start(args, env).done;

/** The CLI with `input` on its standard input (a pipe, as `echo $TOKEN | orchestrator …` gives it). */
export function runWith(args: string[], env: Record<string, string>, input: string): Promise<Result> {
  const r = watch(spawn(process.execPath, [bin, ...args], { env, stdio: ["pipe", "pipe", "pipe"] }));
  r.child.stdin!.end(input);
  return r.done;
}

// The migrated empty database made once per run (server/test/setup.ts): no initdb per server.
let loaded: Blob | undefined;

/**
 * A real server on in-memory PGlite, a client for it, and the environment that points the CLI at it.
 * `config` adds to the test settings (e.g. `dataDir` and `repoRoots` for workspace sessions).
 */
export async function serve(
  config: Omit<NonNullable<Options["config"]>, "engine"> = {},
): Promise<{ server: Server; client: Client; env: Record<string, string> }> {
  const server = await startServer({
    memory: true,
    template: (loaded ??= new Blob([readFileSync(inject("pgTemplate"))])),
    env: {},
    config: {
      port: 0,
      logLevel: "silent",
      ...config,
      engine: { pollMs: 50, heartbeatMs: 200, leaseMs: 2000, reapMs: 200 },
    },
  });
  const client = createClient({ url: server.url, key: server.adminKey! });
  const env = {
    ORCHESTRATOR_URL: server.url,
    ORCHESTRATOR_API_KEY: server.adminKey!,
    XDG_CONFIG_HOME: configHome(),
  };
  return { server, client, env };
}
