import { spawn } from "node:child_process";
import { childEnv } from "../config.ts";

/**
 * Run a project's setup command (`sh -c`) in a new worktree: installs and the like. Resolves with the tail
 * of its output; rejects with that tail when it fails, times out, or the signal aborts.
 */
export function runSetup(
  command: string,
  cwd: string,
  signal: AbortSignal,
  timeoutMs = 15 * 60_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { cwd, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const keep = (d: Buffer) => (out = (out + d.toString()).slice(-4000));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const kill = () => child.kill("SIGKILL");
    const timer = setTimeout(kill, timeoutMs);
    signal.addEventListener("abort", kill, { once: true });
    child.on("error", reject);
    child.on("close", (code, sig) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", kill);
      if (code === 0) return resolve(out.trim());
      const why = sig ? `was killed (${signal.aborted ? "stopped" : "timed out"})` : `exited with ${code}`;
      reject(new Error(`setup command ${why}:\n${out.trim()}`));
    });
  });
}
