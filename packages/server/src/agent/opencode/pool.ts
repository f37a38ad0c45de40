import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createOpencodeClient } from "@opencode-ai/sdk/v2";
import type { Log } from "../../log.ts";
import { AppError } from "../../error.ts";
import * as Demo from "./demo-llm.ts";
import { type Opencode, start } from "./process.ts";

/** A claim on one busy-slot of one server; `release` hands it back (idempotent). */
export interface Lease {
  oc: Opencode;
  /** The session works in `dir`: that directory's OpenCode instance must stay loaded on this server. */
  use(dir: string): void;
  /** Hand the slot back; `spent` names a directory whose instance the session no longer needs. */
  release(spent?: string): void;
}

export interface ServerInfo {
  n: number;
  pid: number;
  url: string;
  busy: number;
  state: "starting" | "ready";
}

/**
 * The OpenCode servers of this node. Sessions take a busy-slot on the least busy ready server; the pool
 * boots another server when all are at `perServer` and there are fewer than `max`, and otherwise queues
 * the request. A server that dies is dropped at once; the sessions it ran fail their attempt and are
 * retried onto a fresh server (see the adapter), which is booted right away when it had work.
 *
 * All servers share one XDG home, so an OpenCode session written by one is readable by any other
 * (reference/opencode.md §9): a retry on another server resumes the same conversation.
 */
export interface Pool {
  acquire(signal?: AbortSignal): Promise<Lease>;
  servers(): ServerInfo[];
  /** The demo model's base URL (started with the first server). */
  demoUrl(): string | null;
  stop(): Promise<void>;
}

export interface Options {
  home: string;
  cwd: string;
  max: number;
  perServer: number;
  /** OpenCode configuration for a server, given the demo model's URL. */
  config: (demoUrl: string) => Record<string, unknown>;
  log?: Log;
  /** Spent instances kept loaded per server at most, even while it is busy (default 16). */
  maxSpent?: number;
  /** An idle server disposes its spent instances after this long without work (default 5 s). */
  idleMs?: number;
}

interface Slot {
  n: number;
  oc: Opencode | null;
  busy: number;
  booting: Promise<void> | null;
  /** Directories of finished sessions whose instances are still loaded, oldest first. */
  spent: string[];
  idle: NodeJS.Timeout | null;
}

interface Waiter {
  resolve(l: Lease): void;
  reject(e: unknown): void;
}

export function create(opts: Options): Pool {
  const slots: Slot[] = [];
  const waiters: Waiter[] = [];
  let llm: Promise<Demo.DemoLlm> | null = null;
  let llmUrl: string | null = null;
  let stopping = false;
  let seq = 0;
  let crashes = 0;
  const pidfile = path.join(opts.home, "servers.json");
  reapLeftovers(pidfile, opts.log);

  const record = () => {
    const pids = slots.map((s) => s.oc?.pid).filter((p): p is number => typeof p === "number");
    try {
      writeFileSync(pidfile, JSON.stringify(pids));
    } catch {
      // the home may not exist before the first boot; the next record writes it
    }
  };

  // OpenCode keeps an instance per directory (about 50 MiB) until it is disposed, and a disposal slows
  // down instances booting on that server meanwhile by about a second. So spent instances go when their
  // server has had nothing to do for `idleMs`, and on a busy server only beyond `maxSpent`.
  const dispose = (slot: Slot, dirs: string[]) => {
    const oc = slot.oc;
    if (!oc) return;
    for (const directory of dirs) {
      const client = createOpencodeClient({
        baseUrl: oc.url,
        directory,
        headers: { authorization: oc.auth },
      });
      void client.instance.dispose().catch(() => {}); // a server that died freed it anyway
    }
  };
  const tidy = (slot: Slot) => {
    dispose(slot, slot.spent.splice(0, Math.max(0, slot.spent.length - (opts.maxSpent ?? 16))));
    if (slot.idle) clearTimeout(slot.idle);
    slot.idle = null;
    if (slot.busy > 0 || !slot.spent.length) return;
    slot.idle = setTimeout(() => {
      slot.idle = null;
      if (slot.busy === 0 && !stopping) dispose(slot, slot.spent.splice(0));
    }, opts.idleMs ?? 5000);
    slot.idle.unref();
  };

  const lease = (slot: Slot): Lease => {
    slot.busy++;
    let done = false;
    return {
      oc: slot.oc!,
      use: (dir) => {
        const i = slot.spent.indexOf(dir);
        if (i >= 0) slot.spent.splice(i, 1);
      },
      release: (spent) => {
        if (done) return;
        done = true;
        slot.busy--;
        if (spent && !slot.spent.includes(spent)) slot.spent.push(spent);
        dispatch();
        tidy(slot);
      },
    };
  };

  const boot = (slot: Slot) => {
    slot.booting = (async () => {
      llm ??= Demo.start();
      const demo = await llm;
      llmUrl = demo.url;
      const oc = await start({ home: opts.home, config: opts.config(demo.url), cwd: opts.cwd });
      if (stopping) return void (await oc.stop());
      slot.oc = oc;
      record();
      opts.log?.info({ server: slot.n, pid: oc.pid, url: oc.url }, "opencode server ready");
      void oc.exited
        .then((code) => crashed(slot, code))
        .catch((err) => opts.log?.error({ err }, "could not replace a crashed opencode server"));
    })()
      .catch((err) => {
        slots.splice(slots.indexOf(slot), 1);
        // Nothing can serve the queue if no server is up: tell the waiters instead of hanging them.
        if (!slots.some((s) => s.oc)) for (const w of waiters.splice(0)) w.reject(err);
      })
      .finally(() => {
        slot.booting = null;
        dispatch();
      });
  };

  const crashed = (slot: Slot, code: number | null) => {
    if (stopping || !slots.includes(slot)) return;
    slots.splice(slots.indexOf(slot), 1);
    record();
    crashes++;
    opts.log?.warn(
      { server: slot.n, code, busy: slot.busy },
      "opencode server exited; its sessions will retry",
    );
    // Its sessions fail their attempt and come back through acquire(); boot the replacement now so it is
    // warm by then, unless servers keep dying (then the next acquire boots one, and a failure surfaces).
    if (slot.busy > 0 && crashes <= 5) {
      const fresh: Slot = { n: ++seq, oc: null, busy: 0, booting: null, spent: [], idle: null };
      slots.push(fresh);
      boot(fresh);
    }
  };

  function dispatch(): void {
    while (waiters.length && !stopping) {
      const ready = slots
        .filter((s) => s.oc && s.busy < opts.perServer)
        .sort((a, b) => a.busy - b.busy || a.n - b.n)[0];
      if (ready) {
        waiters.shift()!.resolve(lease(ready));
        continue;
      }
      const starting = slots.filter((s) => s.booting).length;
      if (slots.length < opts.max && starting < waiters.length) {
        const slot: Slot = { n: ++seq, oc: null, busy: 0, booting: null, spent: [], idle: null };
        slots.push(slot);
        boot(slot);
        continue;
      }
      return;
    }
  }

  return {
    acquire: (signal) =>
      new Promise<Lease>((resolve, reject) => {
        if (stopping) return reject(new AppError("unavailable", "the opencode pool is shutting down"));
        const w: Waiter = {
          resolve: (l) => {
            signal?.removeEventListener("abort", onAbort);
            if (signal?.aborted) return void (l.release(), reject(signal.reason));
            crashes = 0;
            resolve(l);
          },
          reject: (e) => {
            signal?.removeEventListener("abort", onAbort);
            reject(e);
          },
        };
        const onAbort = () => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.push(w);
        dispatch();
      }),
    servers: () =>
      slots.map((s) => ({
        n: s.n,
        pid: s.oc?.pid ?? -1,
        url: s.oc?.url ?? "",
        busy: s.busy,
        state: s.oc ? "ready" : "starting",
      })),
    demoUrl: () => llmUrl,
    stop: async () => {
      stopping = true;
      for (const s of slots) if (s.idle) clearTimeout(s.idle);
      for (const w of waiters.splice(0))
        w.reject(new AppError("unavailable", "the opencode pool is shutting down"));
      await Promise.all(slots.map((s) => s.booting));
      await Promise.all(slots.map((s) => s.oc?.stop()));
      slots.length = 0;
      record();
      if (llm) await (await llm.catch(() => null))?.close();
    },
  };
}

/**
 * Servers a previous process of ours left behind (it was killed with -9, so it could not stop them):
 * they hold memory and ports. Only pids whose command line is still `opencode serve` are killed.
 */
function reapLeftovers(pidfile: string, log?: Log): void {
  let pids: number[];
  try {
    pids = JSON.parse(readFileSync(pidfile, "utf8"));
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.includes("opencode") || !cmd.includes("serve")) continue;
      process.kill(pid, "SIGKILL");
      log?.warn({ pid }, "stopped an opencode server left by a previous process");
    } catch {
      // gone already, or not on Linux
    }
  }
}
