import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface Proc {
  child: ChildProcess;
  url: string;
  key: string | null;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * An embedded database not made yet starts as the run's migrated template (setup.ts): its files are the
 * data directory, so unpacking them skips initdb, about 3 s of PGlite's WASM per first start.
 */
function seed(env: Record<string, string>): void {
  const dir = env.ORCHESTRATOR_DATA_DIR;
  if (!dir || env.DATABASE_URL || existsSync(path.join(dir, "pgdata"))) return;
  mkdirSync(path.join(dir, "pgdata"), { recursive: true });
  execFileSync("tar", ["-xf", inject("pgTemplate"), "-C", path.join(dir, "pgdata")], { stdio: "ignore" });
}

/** Start the real server (`orchestrator serve`) as its own process and wait until it listens. */
export async function spawnServer(env: Record<string, string>, waitMs = 120_000): Promise<Proc> {
  seed(env);
  const child = spawn(process.execPath, [path.join(root, "packages/cli/bin/orchestrator.js"), "serve"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      PORT: "0",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in ${waitMs} ms:\n${out}`)),
      waitMs,
    );
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", check);
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
  });
  // The key line follows the banner within the same write; give it a moment anyway.
  await new Promise((r) => setTimeout(r, 50));
  const key = /^\s+(io_[0-9a-f]{12}_\S{43})$/m.exec(out)?.[1] ?? null;
  return { child, url, key, output: () => out, exited };
}

export async function http(
  url: string,
  key: string,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<any> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (init.json !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url + path, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const fastEnv = {
  ORCHESTRATOR_POLL_MS: "50",
  ORCHESTRATOR_HEARTBEAT_MS: "200",
  ORCHESTRATOR_LEASE_MS: "2000",
  ORCHESTRATOR_REAP_MS: "200",
  ORCHESTRATOR_RETRY_BASE_MS: "50",
  ORCHESTRATOR_RETRY_CAP_MS: "500",
};
