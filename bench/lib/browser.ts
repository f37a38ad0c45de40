// The rig for bench/dashboard.ts: the Control Room built from its current sources, `orchestrator serve` as a
// newcomer runs it (embedded PGlite on disk) serving that build, and Debian's Chromium driven by Playwright.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { root } from "./child.ts";
import { chromium as flags } from "../../e2e/config.ts";

/**
 * `vite build` of packages/dashboard into `out`, not into packages/dashboard/dist: someone else may be
 * rebuilding that one (vite empties it first) while the benchmark is loading pages from it.
 */
export async function build(out: string): Promise<void> {
  const vite = path.join(root, "packages/dashboard/node_modules/vite/bin/vite.js");
  const proc = spawn(
    process.execPath,
    [vite, "build", "packages/dashboard", "--outDir", out, "--emptyOutDir", "--logLevel", "warn"],
    { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
  );
  const code = await new Promise<number | null>((r) => proc.once("exit", r));
  if (code !== 0) throw new Error(`vite build exited with ${code}`);
}

export interface Served {
  url: string;
  key: string;
  stop(): Promise<void>;
}

/** `orchestrator serve` on a free port with a fresh data dir; the URL and admin key are read from what it prints. */
export async function serve(dir: string, dashboardDir: string): Promise<Served> {
  mkdirSync(path.join(dir, "data"), { recursive: true });
  const proc: ChildProcess = spawn(process.execPath, ["packages/cli/bin/orchestrator.js", "serve"], {
    cwd: root,
    // Only what the server needs: the bench's own environment (DATABASE_URL, PORT, …) stays out.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      PORT: "0",
      HOST: "127.0.0.1",
      ORCHESTRATOR_DATA_DIR: path.join(dir, "data"),
      ORCHESTRATOR_DASHBOARD_DIR: dashboardDir,
      ORCHESTRATOR_GRPC_PORT: "-1",
      LOG_LEVEL: "warn",
      DATABASE_URL: "",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((r) => proc.once("exit", r));
  let out = "";
  const { url, key } = await new Promise<{ url: string; key: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 120 s:\n${out}`)), 120_000);
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const key = /\n\s+(io_[A-Za-z0-9_-]+)\n/.exec(out)?.[1];
      if (url && key) {
        clearTimeout(timer);
        resolve({ url, key });
      }
    });
    void exited.then(() => reject(new Error(`the server exited:\n${out}`)));
  });
  return {
    url,
    key,
    stop: async () => {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Chromium as the browser tests start it (e2e/config.ts). */
export const launch = (): Promise<Browser> => chromium.launch(flags);
