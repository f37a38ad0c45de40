import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { childEnv } from "../../config.ts";
import { AppError } from "../../error.ts";
import { resolve } from "./binary.ts";

/** One `opencode serve` process that we started and will stop. */
export interface Opencode {
  url: string;
  /** The Authorization header value: HTTP Basic with this server's random password. */
  auth: string;
  pid: number;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs` (a server once ignored SIGTERM for minutes: reference/opencode.md §10). */
  stop(graceMs?: number): Promise<void>;
  /** Its recent output, for error messages. */
  output(): string;
}

export interface Options {
  /** Holds this server's XDG directories, so it never reads or writes the user's OpenCode state. */
  home: string;
  /** OpenCode configuration (providers, permission rules); passed in the environment, not in a worktree. */
  config: Record<string, unknown>;
  /** The server's working directory; sessions name their own worktree as `directory`. */
  cwd: string;
  readyMs?: number;
  binary?: string;
}

// Homes on which a server has started: its database exists and is migrated.
const settled = new Set<string>();
const first = new Map<string, Promise<Opencode>>();

/**
 * Start `opencode serve` on loopback with a random password and wait until it answers its health check.
 * A cold start takes 3–6 s here, so the default readiness budget is 60 s.
 *
 * The first server on a home creates and migrates OpenCode's database there, and two doing that at once
 * collide: a pool growing on a fresh home once failed in CI with "Failed query: CREATE TABLE `workspace`
 * … Unexpected error". So a start waits while another is the first on its home; after that, any number
 * start side by side.
 */
export async function start(opts: Options): Promise<Opencode> {
  while (!settled.has(opts.home)) {
    const busy = first.get(opts.home);
    if (busy) {
      await busy.catch(() => {}); // it failed: the next in line goes first
      continue;
    }
    const p = launch(opts);
    first.set(opts.home, p);
    try {
      const oc = await p;
      settled.add(opts.home);
      return oc;
    } finally {
      first.delete(opts.home);
    }
  }
  return launch(opts);
}

async function launch(opts: Options): Promise<Opencode> {
  const port = await freePort();
  const password = randomBytes(24).toString("base64url");
  const xdg = (k: string) => {
    const dir = path.join(opts.home, k);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const env = childEnv({
    XDG_DATA_HOME: xdg("data"),
    XDG_CONFIG_HOME: xdg("config"),
    XDG_CACHE_HOME: xdg("cache"),
    XDG_STATE_HOME: xdg("state"),
    OPENCODE_CONFIG_CONTENT: JSON.stringify(opts.config),
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_SERVER_USERNAME: "opencode",
    OPENCODE_SERVER_PASSWORD: password,
  });
  const child = spawn(
    opts.binary ?? resolve(),
    ["serve", "--port", String(port), "--hostname", "127.0.0.1", "--pure"],
    {
      cwd: opts.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  // A binary that cannot be started emits "error" (and maybe no "exit"): without a listener that event
  // is an uncaught exception. It counts as an exit; readiness then reports the output, with the error.
  const exited = new Promise<number | null>((r) => {
    child.once("exit", (code) => r(code));
    child.once("error", (err) => {
      keep(Buffer.from(`\n${err.message}\n`));
      r(null);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const auth = `Basic ${Buffer.from(`opencode:${password}`).toString("base64")}`;
  const handle: Opencode = {
    url,
    auth,
    pid: child.pid ?? -1,
    exited,
    stop: (g) => stop(child, exited, g),
    output: () => out,
  };
  try {
    await ready(handle, opts.readyMs ?? 60_000);
  } catch (err) {
    await handle.stop(1000);
    throw err;
  }
  return handle;
}

/** Poll /global/health with a per-request timeout: one request sent mid-start once hung for minutes. */
async function ready(oc: Opencode, budgetMs: number): Promise<void> {
  const end = performance.now() + budgetMs;
  let dead = false;
  void oc.exited.then(() => (dead = true));
  while (performance.now() < end) {
    if (dead)
      throw new AppError("unavailable", `opencode exited before it was ready:\n${oc.output().slice(-2000)}`);
    try {
      const res = await fetch(`${oc.url}/global/health`, {
        headers: { authorization: oc.auth },
        signal: AbortSignal.timeout(1000),
      });
      if (res.ok && ((await res.json()) as { healthy?: boolean }).healthy) return;
    } catch {
      // not listening yet, or the request timed out: try again
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new AppError(
    "unavailable",
    `opencode was not ready after ${budgetMs} ms:\n${oc.output().slice(-2000)}`,
  );
}

async function stop(child: ChildProcess, exited: Promise<number | null>, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolvePort(port));
    });
  });
}
