// The rig for bench/overhead.ts: one orchestrator server, and a handle on the `opencode serve` its pool runs,
// so the benchmark can drive that very server (and its demo LLM) directly with the OpenCode SDK.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createOpencodeClient } from "@opencode-ai/sdk/v2";
import { type Client, createClient } from "@orchestrator/sdk";
import { type Server, start } from "@orchestrator/server";

/** One OpenCode server of the pool: its URL, Authorization header value and pid. */
export type Handle = Awaited<ReturnType<Server["deps"]["pool"]["acquire"]>>["oc"];

export function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      "git",
      args,
      { cwd, timeout: 60_000, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } },
      (err, out, e) =>
        err ? reject(new Error(`git ${args.join(" ")}: ${e || err.message}`)) : resolve(String(out)),
    ),
  );
}

/** A git repository with one commit on `main` holding `files`. */
export async function gitRepo(dir: string, files: Record<string, string>): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await git(dir, ["init", "-q", "-b", "main"]);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  await git(dir, ["add", "."]);
  await git(dir, ["-c", "user.email=bench@example.com", "-c", "user.name=Bench", "commit", "-qm", "init"]);
  return dir;
}

export interface Rig {
  server: Server;
  client: Client;
  /** The pool's one OpenCode server, the one the orchestrator's sessions run on. */
  oc: Handle;
  stop(): Promise<void>;
}

/**
 * The server as `start()` builds it (in-memory PGlite, default engine), with a pool of exactly one OpenCode
 * server, booted here by taking a lease and handing it straight back: it is the server every session uses.
 */
export async function rig(root: string, repoRoot: string, perServer: number): Promise<Rig> {
  const server = await start({
    memory: true,
    env: {},
    config: {
      port: 0,
      logLevel: "silent",
      dataDir: path.join(root, "data"),
      repoRoots: [repoRoot],
      opencode: { maxServers: 1, sessionsPerServer: perServer },
    },
  });
  try {
    const lease = await server.deps.pool.acquire(AbortSignal.timeout(120_000));
    lease.release();
    return {
      server,
      client: createClient({ url: server.url, key: server.adminKey! }),
      oc: lease.oc,
      stop: () => server.stop(),
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** Reject after `ms`, naming what did not finish; the caller's `abort` is told first. */
export async function within<T>(
  ms: number,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`${what} did not finish in ${ms} ms`);
      ctl.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work(ctl.signal), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Wall-clock ms with sub-ms precision, comparable with OpenCode's `Date.now()` stamps on this machine. */
export const epoch = () => performance.timeOrigin + performance.now();

/** OpenCode's own timestamps for one of its sessions (epoch ms). */
export interface Span {
  /** The session was created. */
  created: number;
  /** The prompt (user message) was taken. */
  prompted: number;
  /** The last assistant message completed. */
  done: number;
}

/**
 * Read through the repository's own instance (booted once, shared by its worktrees as one project): asking
 * through a finished worktree would boot its disposed instance again.
 */
export async function span(oc: Handle, repo: string, sessionID: string): Promise<Span> {
  const client = createOpencodeClient({
    baseUrl: oc.url,
    directory: repo,
    headers: { authorization: oc.auth },
  });
  const s = (await client.session.get({ sessionID })).data;
  const msgs = (await client.session.messages({ sessionID })).data ?? [];
  const user = msgs.find((m) => m.info.role === "user");
  const done = Math.max(
    ...msgs.map((m) => (m.info.role === "assistant" ? (m.info.time.completed ?? NaN) : -Infinity)),
  );
  if (!s || !user || !Number.isFinite(done))
    throw new Error(`no timestamps for opencode session ${sessionID}`);
  return { created: s.time.created, prompted: user.info.time.created, done };
}

/** Times from just before `git worktree add`, as this client received them. */
export interface Direct {
  /** → `session.idle`. */
  total: number;
  /** → the worktree is there. */
  worktree: number;
  /** `epoch()` at the start. */
  start: number;
  sessionID: string;
}

/**
 * The same task without the orchestrator: a fresh worktree of the repository, then the OpenCode SDK as the
 * reference's §5 shows it.
 */
export async function direct(
  oc: Handle,
  repo: string,
  dir: string,
  branch: string,
  prompt: string,
): Promise<Direct> {
  const start = epoch();
  const t0 = performance.now();
  await git(repo, ["worktree", "add", "-q", "-b", branch, dir, "main"]);
  const worktree = performance.now() - t0;
  const sessionID = await ask(oc, dir, prompt);
  return { total: performance.now() - t0, worktree, start, sessionID };
}

/** Subscribe, create a session in `dir`, promptAsync, and return once this session's `session.idle` arrives. */
export function ask(oc: Handle, dir: string, prompt: string): Promise<string> {
  return within(120_000, `the direct OpenCode run in ${dir}`, async (signal) => {
    const client = createOpencodeClient({
      baseUrl: oc.url,
      directory: dir,
      headers: { authorization: oc.auth },
    });
    const events = await client.event.subscribe(undefined, { signal });
    try {
      const s = (await client.session.create({ title: "bench direct" })).data;
      if (!s) throw new Error("opencode did not create a session");
      await client.session.promptAsync({ sessionID: s.id, parts: [{ type: "text", text: prompt }] });
      let failure: string | null = null;
      for await (const e of events.stream) {
        if (e.type === "session.error" && e.properties.sessionID === s.id)
          failure = JSON.stringify(e.properties.error);
        if (e.type === "session.idle" && e.properties.sessionID === s.id) {
          if (failure) throw new Error(`the direct OpenCode session failed: ${failure}`);
          return s.id;
        }
      }
      throw new Error("the opencode event stream ended before the session was idle");
    } finally {
      void events.stream.return?.(undefined);
    }
  });
}

/**
 * Free a direct run's OpenCode instance, as the orchestrator's pool does for a finished session, then let
 * the server finish disposing it (a disposal slows instances booting meanwhile), so that it does not
 * burden the next run. Untimed.
 */
export async function dispose(oc: Handle, dir: string): Promise<void> {
  const client = createOpencodeClient({
    baseUrl: oc.url,
    directory: dir,
    headers: { authorization: oc.auth },
  });
  await client.instance.dispose();
  await new Promise((r) => setTimeout(r, 2000));
}
