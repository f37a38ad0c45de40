// The rig for bench/dashboard.ts: the Control Room built from its current sources, `orchestrator serve` as a
// newcomer runs it (embedded PGlite on disk) serving that build, and Debian's Chromium driven by Playwright.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { root } from "./child.ts";
import { chromium as flags } from "../../e2e/config.ts";
import { spawnServer } from "../../packages/server/test/proc.ts";

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

/** `orchestrator serve` on a free port with a fresh data dir, as the server's tests start it (spawnServer). */
export async function serve(dir: string, dashboardDir: string): Promise<Served> {
  mkdirSync(path.join(dir, "data"), { recursive: true });
  // spawnServer passes on only PATH and HOME: the bench's own environment (DATABASE_URL, PORT, …) stays out.
  const p = await spawnServer({
    HOST: "127.0.0.1",
    ORCHESTRATOR_DATA_DIR: path.join(dir, "data"),
    ORCHESTRATOR_DASHBOARD_DIR: dashboardDir,
    ORCHESTRATOR_GRPC_PORT: "-1",
    DATABASE_URL: "",
  });
  if (!p.key) throw new Error(`the server printed no admin key:\n${p.output()}`);
  return {
    url: p.url,
    key: p.key,
    stop: async () => {
      p.child.kill("SIGTERM");
      const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
      await p.exited;
      clearTimeout(timer);
    },
  };
}

/** Chromium as the browser tests start it (e2e/config.ts). */
export const launch = (): Promise<Browser> => chromium.launch(flags);
