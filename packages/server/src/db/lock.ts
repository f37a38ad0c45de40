import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { AppError } from "../error.ts";

/**
 * PGlite has no inter-process lock: two processes on one data directory corrupt it (reference/deps.md §2).
 * We hold `<dir>/orchestrator.lock` with our pid; a lock whose process is gone is taken over.
 */
export function acquire(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "orchestrator.lock");
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = read(file);
      if (holder && alive(holder)) {
        throw new AppError(
          "conflict",
          `data directory ${dir} is in use by process ${holder.pid} on ${holder.host}; stop it first or set ORCHESTRATOR_DATA_DIR`,
          holder,
        );
      }
      // The holder died without cleaning up (kill -9): the directory is ours to recover.
      rmSync(file, { force: true });
    }
  }
  throw new AppError("conflict", `could not lock data directory ${dir}`);
}

function read(file: string): { pid: number; host: string } | null {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null; // a half-written lock means its writer died mid-write
  }
}

function alive(holder: { pid: number; host: string }): boolean {
  if (holder.host !== hostname()) return true; // another host: we cannot tell, so never steal it
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
