import type { Config } from "../config.ts";
import type { Db, Q } from "../db/db.ts";
import type { Clock } from "../clock.ts";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { type Answer, type Approval, storable } from "@orchestrator/sdk";
import { type Agent, type Ask, Fatal, type Registry, RetryAfter } from "../agent/agent.ts";
import * as Approvals from "../approval/store.ts";
import * as Projects from "../project/store.ts";
import { AppError } from "../error.ts";
import * as Store from "../session/store.ts";
import type { Event } from "../session/machine.ts";
import type { Row } from "../session/row.ts";
import * as Queue from "./queue.ts";
import { record } from "../session/record.ts";
import * as Routing from "../routing/route.ts";
import * as Opencode from "../agent/opencode/name.ts";
import * as Input from "../agent/input.ts";

export interface Deps {
  db: Db;
  clock: Clock;
  log: Log;
  /** Adapters this node runs, by agent kind (opencode, scripted, a2a). */
  agents: Registry;
  config: Config;
  metrics: Metrics;
  /** The OpenCode profile of sessions pinned to "opencode" without one. */
  defaultProfile: string;
  /** Called with sessions just assigned to external agents (to push them, or wake their long-polls). */
  handOff?: (rows: Row[]) => void;
}

type Why = "lost" | "control" | "timeout" | "shutdown" | "stalled";

/** How long a wake-up waits for others to join it (a few ms against create → start latency). */
const coalesceMs = 2;

interface Run {
  row: Row;
  fence: number;
  abort: AbortController;
  why: Why | null;
  done: Promise<void>;
  /** When the agent last said anything (ms): a run silent for `stallMs` is stopped and retried. */
  lastEvent: number;
  /** Approvals the run waits on: a person's time is not a stall. */
  waiting: number;
}

export interface Engine {
  /** Sessions this node runs now. */
  running(): number;
  /** When the claim loop last completed a pass: readiness reads it. */
  lastTick(): number;
  /** Claim now instead of waiting for the next poll. */
  poke(): void;
  /** Stop claiming, let runs finish for up to the grace period, then hand the rest back. */
  stop(): Promise<void>;
}

export async function start(deps: Deps): Promise<Engine> {
  const { db, clock, log, config, metrics } = deps;
  const cfg = config.engine;
  const ctx: Store.Ctx = { db, now: () => clock.now(), policy: cfg };
  const runs = new Map<string, Run>();
  /** Runs waiting on an approval, by approval id: called when its answer is announced. */
  const waiters = new Map<string, () => Promise<void>>();
  let stopping = false;
  let claiming = false;
  let again = false;
  let tick = Date.now();

  const pump = async (): Promise<void> => {
    if (claiming) return void (again = true);
    claiming = true;
    try {
      do {
        again = false;
        const room = cfg.concurrency - runs.size;
        if (stopping) break;
        const { mine, handed } = await claim(room);
        for (const row of mine) launch(row);
        // A full batch may have left more behind: go again (an empty pass ends the loop).
        if ((mine.length === room && room > 0) || handed) again = true;
      } while (again && !stopping);
      tick = Date.now();
    } catch (err) {
      log.error({ err }, "claim failed");
    } finally {
      claiming = false;
    }
  };

  const reap = async (): Promise<void> => {
    try {
      await sweep(Queue.lockExpired, { type: "expire" }, () => metrics.expiries.inc());
      await sweep(Queue.lockOverdue, { type: "timeout" }, () => metrics.timeouts.inc());
      await Approvals.withdrawStale(db, clock.now());
    } catch (err) {
      log.error({ err }, "reaper pass failed");
    }
  };

  const router = await Routing.router(db, {
    nodeId: config.nodeId,
    leaseMs: cfg.leaseMs,
    ackMs: config.agents.ackMs,
    machine: cfg,
    breaker: { coolDownMs: config.agents.breakerCoolDownMs },
    defaultProfile: deps.defaultProfile,
  });
  await reconcile();

  // Wake-ups are coalesced: a burst of creates becomes one claim pass over a batch, not one pass each.
  let wakeTimer: NodeJS.Timeout | null = null;
  const wake = () => {
    wakeTimer ??= setTimeout(() => {
      wakeTimer = null;
      void pump();
    }, coalesceMs);
  };
  const offQueue = await db.listen(Store.queueChannel, wake);
  const offApproval = await db.listen(Approvals.channel, (id) => {
    void waiters
      .get(id)?.()
      .catch((err) => log.warn({ err, approval: id }, "reading an answer failed"));
  });
  const offControl = await db.listen(Store.controlChannel, (id) => {
    const run = runs.get(id);
    if (run && !run.why) stopRun(run, "control");
  });
  const poll = setInterval(() => void pump(), cfg.pollMs);
  const reaper = setInterval(() => void reap(), cfg.reapMs);
  void pump();

  /** Route and claim: runs for this node come back; assignments of external agents are handed off. */
  async function claim(n: number): Promise<{ mine: Row[]; handed: number }> {
    const out = await router.claim(n, clock.now());
    metrics.claims.inc(out.length);
    const mine = out.filter((r) => r.lease?.owner === config.nodeId);
    const theirs = out.filter((r) => r.lease?.owner !== config.nodeId);
    if (theirs.length) deps.handOff?.(theirs);
    return { mine, handed: theirs.length };
  }

  /** Apply `event` to every row a locking query returns, in one transaction (rows come in tenant order). */
  async function sweep(lock: (tx: Q, now: Date) => Promise<Row[]>, event: Event, count: () => void) {
    const moved = await db.tx(async (tx) => {
      const rows = await lock(tx, clock.now());
      for (const row of rows) await Store.apply(ctx, tx, row, event, {});
      return rows;
    });
    for (const row of moved) {
      count();
      log.warn({ session: row.id, event: event.type, owner: row.lease?.owner }, "reaper moved session");
      const run = runs.get(row.id);
      if (run && !run.why) stopRun(run, event.type === "timeout" ? "timeout" : "lost");
    }
  }

  /**
   * At start-up, leases this node cannot still hold are returned now rather than after they expire:
   * on embedded PGlite the lockfile proves no other process is alive, so every lease is a dead one; on
   * PostgreSQL only leases carrying this node's own id are.
   */
  async function reconcile(): Promise<void> {
    const owners = db.kind === "pglite" ? null : [config.nodeId];
    const rows = await db.tx(async (tx) => {
      const found = await Queue.lockOwned(tx, owners);
      for (const row of found)
        await Store.apply(ctx, tx, row, { type: "expire" }, { reason: "owner restarted" });
      return found;
    });
    if (rows.length)
      log.warn({ sessions: rows.map((r) => r.id) }, "reconciled leases left by a previous process");
    metrics.expiries.inc(rows.length);
    // Leases of other nodes that already expired are returned now, not one reaper interval later.
    await reap();
  }

  function launch(row: Row): void {
    const run: Run = {
      row,
      fence: row.fence,
      abort: new AbortController(),
      why: null,
      done: Promise.resolve(),
      lastEvent: Date.now(),
      waiting: 0,
    };
    runs.set(row.id, run);
    metrics.running.set(runs.size);
    run.done = execute(run).finally(() => {
      runs.delete(row.id);
      metrics.running.set(runs.size);
      if (!stopping) wake();
    });
  }

  function stopRun(run: Run, why: Why): void {
    run.why = why;
    run.abort.abort(new Error(`run stopped: ${why}`));
  }

  async function execute(run: Run): Promise<void> {
    const { row } = run;
    const record = row.agentId ? router.agent(row.agentId) : undefined;
    const agent = record ? deps.agents.get(record.kind) : undefined;
    const heartbeat = setInterval(() => void renew(run), cfg.heartbeatMs);
    const watchdog = setInterval(
      () => !run.waiting && Date.now() - run.lastEvent > cfg.stallMs && !run.why && stopRun(run, "stalled"),
      Math.max(50, Math.min(cfg.stallMs / 4, 10_000)),
    );
    const deadline = row.deadline ? Date.parse(row.deadline) - clock.now().getTime() : Infinity;
    const timer = Number.isFinite(deadline)
      ? setTimeout(() => stopRun(run, "timeout"), Math.max(0, Math.min(deadline, 2 ** 31 - 1)))
      : null;
    try {
      if (!agent)
        throw new Fatal(
          `agent ${record?.name ?? row.agentId} (${record?.kind ?? "unknown kind"}) cannot run on node ${config.nodeId}`,
          "agent_missing",
        );
      await drive(run, agent, Opencode.profileOf(record!, row.profile), record!);
    } catch (err) {
      await conclude(run, err);
    } finally {
      clearInterval(heartbeat);
      clearInterval(watchdog);
      if (timer) clearTimeout(timer);
      if (run.waiting) {
        // The agent gave up while a person was being asked (its OpenCode server died, say): end the wait,
        // and withdraw the request now rather than at the next reap. The session has left `waiting`.
        run.abort.abort(new Error("the run ended while waiting for an answer"));
        await Approvals.withdrawStale(db, clock.now(), row.id).catch((err) =>
          log.warn({ err, session: row.id }, "could not withdraw the approvals of an ended run"),
        );
      }
    }
  }

  async function drive(
    run: Run,
    agent: Agent,
    profile: string | null,
    target: { id: string; name: string; endpoint: string | null; card: unknown },
  ): Promise<void> {
    const { row } = run;
    const project = row.projectId
      ? await Projects.get(db, row.tenantId, row.projectId).catch(() => null)
      : null;
    const input = Input.run(row, {
      project,
      profile,
      target: { id: target.id, name: target.name, endpoint: target.endpoint, card: target.card },
      ask: (q) => ask(run, q),
    });
    for await (const said of agent.run(input, run.abort.signal)) {
      // What an agent produces is stored as it can be: a NUL in a tool's output is no reason to fail a run.
      const ev = storable(said);
      run.lastEvent = Date.now();
      run.abort.signal.throwIfAborted();
      if (ev.type === "alive") continue;
      if (ev.type === "result") {
        await Store.transition(
          ctx,
          row.id,
          { type: "complete", result: ev.result, partial: ev.partial ?? false },
          { fence: run.fence, known: run.row },
        );
        metrics.outcomes.inc({ outcome: ev.partial ? "partially_completed" : "completed" });
        return;
      }
      run.row = await record(ctx, run.row, run.fence, ev);
    }
    throw new Error("the agent stopped without reporting a result");
  }

  /**
   * An agent asks a person. The session waits (`waiting`, lease kept, no stall) until an answer arrives
   * through the approval channel, the run is stopped, or the timeout policy answers.
   */
  async function ask(run: Run, q: Ask): Promise<Answer> {
    const signal = run.abort.signal;
    signal.throwIfAborted();
    const { approval, row } = await Approvals.request(
      ctx,
      run.row,
      run.fence,
      q.kind,
      storable(q.request),
      q.timeoutMs,
    );
    run.row = row;
    run.waiting++;
    try {
      const answered = await new Promise<Approval>((resolve, reject) => {
        const timer = setTimeout(
          () => void expire(),
          Math.max(0, Date.parse(approval.expiresAt) - clock.now().getTime()),
        );
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(approval.id);
          signal.removeEventListener("abort", onAbort);
        };
        const onAbort = () => (cleanup(), reject(signal.reason));
        const expire = async () => {
          const policy: Answer = {
            reply: "reject",
            message: `No one answered within ${Math.round(q.timeoutMs / 1000)} s; rejected by the timeout policy.`,
          };
          try {
            const a = await Approvals.expire(db, row.tenantId, approval.id, policy, clock.now());
            cleanup();
            if (a.status === "expired" && q.onTimeout === "fail")
              reject(new Fatal(`approval ${approval.id} was not answered in time`, "approval_timeout"));
            else resolve(a);
          } catch (err) {
            cleanup();
            reject(err);
          }
        };
        waiters.set(approval.id, async () => {
          const a = await Approvals.get(db, row.tenantId, approval.id);
          if (a.status === "pending") return;
          cleanup();
          resolve(a);
        });
        signal.addEventListener("abort", onAbort, { once: true });
      });
      return answered.answer!;
    } finally {
      run.waiting--;
      run.lastEvent = Date.now();
      if (!run.waiting && run.row.status === "waiting" && !signal.aborted) {
        run.row = await Store.transition(
          ctx,
          run.row.id,
          { type: "answer" },
          { fence: run.fence, known: run.row },
        );
      }
    }
  }

  /** Turn how a run ended into the one transition that tells the truth about it. */
  async function conclude(run: Run, err: unknown): Promise<void> {
    const { row } = run;
    const fenced = { fence: run.fence, known: run.row };
    try {
      if (err instanceof AppError && err.code === "lease_lost")
        return void log.warn({ session: row.id }, "lease lost; run dropped");
      switch (run.why) {
        case "lost":
        case "control":
          return; // someone else already moved the session; our fence is stale
        case "timeout":
          await Store.transition(ctx, row.id, { type: "timeout" }, fenced);
          metrics.timeouts.inc();
          return;
        case "shutdown":
          await Store.transition(ctx, row.id, { type: "release" }, fenced);
          return;
        case "stalled": {
          const message = `no agent event for ${cfg.stallMs} ms; stopped the agent`;
          const after = await Store.transition(
            ctx,
            row.id,
            { type: "fail", code: "stalled", message, retryable: true },
            fenced,
          );
          if (after.status === "queued") metrics.retries.inc();
          metrics.outcomes.inc({ outcome: after.status === "queued" ? "retry" : after.status });
          return;
        }
      }
      const message = err instanceof Error ? err.message : String(err);
      const event: Event =
        err instanceof Fatal
          ? { type: "fail", code: err.code, message, retryable: false }
          : err instanceof RetryAfter
            ? { type: "fail", code: err.code, message, retryable: true, retryAfterMs: err.ms }
            : { type: "fail", code: "agent_error", message, retryable: true };
      const after = await Store.transition(ctx, row.id, event, fenced);
      if (after.status === "queued") metrics.retries.inc();
      metrics.outcomes.inc({ outcome: after.status === "queued" ? "retry" : after.status });
    } catch (e) {
      if (e instanceof AppError && (e.code === "lease_lost" || e.code === "invalid_transition")) {
        // A reaper or the API moved the session while we were ending: its write is the truthful one.
        return void log.warn(
          { session: row.id, code: e.code },
          "session moved by another writer while ending",
        );
      }
      log.error(
        { err: e, session: row.id },
        "could not record how a run ended; its lease will expire and be reaped",
      );
    }
  }

  async function renew(run: Run): Promise<void> {
    try {
      const ok = await Queue.renew(db, run.row.id, run.fence, new Date(clock.now().getTime() + cfg.leaseMs));
      if (!ok && !run.why) stopRun(run, "lost");
    } catch (err) {
      // A failed renewal is not yet a lost lease: the next heartbeat may succeed before it expires, and
      // if none does the reaper returns the session to the queue.
      log.warn({ err, session: run.row.id }, "heartbeat failed");
    }
  }

  return {
    running: () => runs.size,
    lastTick: () => tick,
    poke: () => void pump(),
    stop: async () => {
      stopping = true;
      clearInterval(poll);
      clearInterval(reaper);
      if (wakeTimer) clearTimeout(wakeTimer);
      await offQueue();
      await offControl();
      await offApproval();
      await router.stop();
      const all = [...runs.values()];
      const grace = new Promise<void>((r) => setTimeout(r, cfg.shutdownGraceMs).unref());
      await Promise.race([Promise.all(all.map((r) => r.done)), grace]);
      for (const run of runs.values()) if (!run.why) stopRun(run, "shutdown");
      // An agent that ignores its abort signal must not hold shutdown hostage: its lease simply expires
      // and a reaper returns the session to the queue.
      const abandon = new Promise<void>((r) => setTimeout(r, 5_000).unref());
      await Promise.race([Promise.all([...runs.values()].map((r) => r.done)), abandon]);
      while (claiming) await new Promise((r) => setTimeout(r, 5));
    },
  };
}
