import { storable } from "@orchestrator/sdk";
import { type Agent, type AgentEvent, Fatal } from "../agent/agent.ts";
import * as Input from "../agent/input.ts";
import * as Opencode from "../agent/opencode/name.ts";
import * as Approvals from "../approval/store.ts";
import { AppError } from "../error.ts";
import * as Projects from "../project/store.ts";
import type { Router } from "../routing/route.ts";
import { record } from "../session/record.ts";
import type { Row } from "../session/row.ts";
import * as Store from "../session/store.ts";
import type { Deps } from "./engine.ts";
import { type Why, ending } from "./end.ts";
import * as Queue from "./queue.ts";
import { type Waiters, ask } from "./wait.ts";
import * as Credential from "../work/credential.ts";
import * as Talk from "../conversation/store.ts";
import type { Answer } from "@orchestrator/sdk";
import type { Ask, Said } from "../agent/agent.ts";

/** One session running on this node: its agent driven, its lease renewed, its end recorded. */
export interface Run {
  row: Row;
  fence: number;
  abort: AbortController;
  why: Why | null;
  done: Promise<void>;
  /** When the agent last said anything (ms): a run silent for `stallMs` is stopped and retried. */
  lastEvent: number;
  /** Approvals the run waits on: a person's time is not a stall. */
  waiting: number;
  /** This attempt's credential, once its agent asked for one. */
  credential?: Promise<string>;
  /** The OpenCode profile it runs with (null: the default, or not OpenCode), once known. */
  profile?: string | null;
  /** Messages heard of while it runs (the `talk` topic); `news` settles at the next one. */
  told: number;
  news: Signal;
}

interface Signal {
  promise: Promise<void>;
  resolve: () => void;
}

function signal(): Signal {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A person sent this run's session a message: wake whatever waits for one. */
export function heard(run: Run): void {
  run.told++;
  const was = run.news;
  run.news = signal();
  was.resolve();
}

/** What an agent asks of its own run from outside its adapter: through MCP, while it runs here. */
export interface Local {
  /** The OpenCode profile the run uses (null: the default): its approval timeout holds for MCP's questions. */
  profile: string | null;
  ask(q: Ask): Promise<Answer>;
  record(ev: Exclude<AgentEvent, { type: "result" | "alive" }>): Promise<void>;
}

export function local(ctx: Ctx, run: Run): Local {
  const { deps, store } = ctx;
  return {
    profile: run.profile ?? null,
    ask: (q) => ask({ store, clock: deps.clock, waiters: ctx.waiters }, run, q),
    record: async (ev) => {
      run.lastEvent = deps.clock.now().getTime();
      run.row = await record(store, run.row, run.fence, ev);
    },
  };
}

export interface Ctx {
  deps: Deps;
  store: Store.Ctx;
  router: Router;
  waiters: Waiters;
}

export function create(row: Row, now: Date): Run {
  return {
    row,
    fence: row.fence,
    abort: new AbortController(),
    why: null,
    done: Promise.resolve(),
    lastEvent: now.getTime(),
    waiting: 0,
    told: 0,
    news: signal(),
  };
}

export function stop(run: Run, why: Why): void {
  run.why = why;
  run.abort.abort(new Error(`run stopped: ${why}`));
}

/** Run the session's agent to its end under heartbeat, stall watchdog and deadline, then record how it ended. */
export async function execute(ctx: Ctx, run: Run): Promise<void> {
  const { deps, router } = ctx;
  const { clock, config, log } = deps;
  const cfg = config.engine;
  const { row } = run;
  const target = row.agentId ? router.agent(row.agentId) : undefined;
  const agent = target ? deps.agents.get(target.kind) : undefined;
  const heartbeat = setInterval(() => void renew(ctx, run), cfg.heartbeatMs);
  const watchdog = setInterval(
    () =>
      !run.waiting && clock.now().getTime() - run.lastEvent > cfg.stallMs && !run.why && stop(run, "stalled"),
    Math.max(50, Math.min(cfg.stallMs / 4, 10_000)),
  );
  const deadline = row.deadline ? Date.parse(row.deadline) - clock.now().getTime() : Infinity;
  const timer = Number.isFinite(deadline)
    ? setTimeout(() => stop(run, "timeout"), Math.max(0, Math.min(deadline, 2 ** 31 - 1)))
    : null;
  try {
    if (!agent)
      throw new Fatal(
        `agent ${target?.name ?? row.agentId} (${target?.kind ?? "unknown kind"}) cannot run on node ${config.nodeId}`,
        "agent_missing",
      );
    await drive(ctx, run, agent, Opencode.profileOf(target!, row.profile), target!);
  } catch (err) {
    await conclude(ctx, run, err);
  } finally {
    // Messages that came as the run ended were never handed over: they open the next round.
    await Talk.reopen(ctx.store, row.id).catch((err) =>
      log.warn(
        { err, session: row.id },
        "could not open a new round for messages that came as the run ended",
      ),
    );
    clearInterval(heartbeat);
    clearInterval(watchdog);
    if (timer) clearTimeout(timer);
    if (run.waiting) {
      // The agent gave up while a person was being asked (its OpenCode server died, say): end the wait,
      // and withdraw the request now rather than at the next reap. The session has left `waiting`.
      run.abort.abort(new Error("the run ended while waiting for an answer"));
      await Approvals.withdrawStale(deps.db, clock.now(), row.id).catch((err) =>
        log.warn({ err, session: row.id }, "could not withdraw the approvals of an ended run"),
      );
    }
  }
}

const said = (m: Talk.Message): Said => ({ id: m.id, author: m.author, text: m.text, steer: m.steer });

async function drive(
  ctx: Ctx,
  run: Run,
  agent: Agent,
  profile: string | null,
  target: { id: string; name: string; endpoint: string | null; card: unknown },
): Promise<void> {
  const { deps, store } = ctx;
  const { row } = run;
  run.profile = profile;
  // At the next message, or at once when one came since the last call settled: none is missed between.
  let seen = run.told;
  const arrived = async () => {
    if (run.told === seen) await run.news.promise;
    seen = run.told;
  };
  const registered = row.projectId
    ? await Projects.get(deps.db, row.tenantId, row.projectId).catch(() => null)
    : null;
  // The session's own ref is its base: a plan's task is cut from the plan's integration branch, not from
  // the project's base branch (for other sessions the two are the same).
  const project =
    registered && row.workspace?.ref ? { ...registered, baseBranch: row.workspace.ref } : registered;
  const input = Input.run(row, {
    project,
    profile,
    target: { id: target.id, name: target.name, endpoint: target.endpoint, card: target.card },
    ask: (q) => ask({ store, clock: deps.clock, waiters: ctx.waiters }, run, q),
    credential: () =>
      (run.credential ??= Credential.mint(deps.db, { ...row, fence: run.fence }, deps.clock.now())),
    talk: {
      waiting: (await Talk.pending(deps.db, row.id)).map(said),
      last: await Talk.last(deps.db, row.id).then((m) => m && said(m)),
      pending: async () => (await Talk.pending(deps.db, row.id)).map(said),
      arrived,
      delivered: (ids) => Talk.delivered(deps.db, row.id, run.fence, ids, deps.clock.now()),
    },
  });
  for await (const said of agent.run(input, run.abort.signal)) {
    // What an agent produces is stored as it can be: a NUL in a tool's output is no reason to fail a run.
    const ev = storable(said);
    run.lastEvent = deps.clock.now().getTime();
    run.abort.signal.throwIfAborted();
    if (ev.type === "alive") continue;
    if (ev.type === "result") {
      await Store.transition(
        store,
        row.id,
        { type: "complete", result: ev.result, partial: ev.partial ?? false },
        { fence: run.fence, known: run.row },
      );
      deps.metrics.outcomes.inc({ outcome: ev.partial ? "partially_completed" : "completed" });
      return;
    }
    run.row = await record(store, run.row, run.fence, ev);
  }
  throw new Error("the agent stopped without reporting a result");
}

/** Record how a run ended (see `ending`), unless another writer already did. */
async function conclude(ctx: Ctx, run: Run, err: unknown): Promise<void> {
  const { log, metrics, config } = ctx.deps;
  const { row } = run;
  try {
    if (err instanceof AppError && err.code === "lease_lost")
      return void log.warn({ session: row.id }, "lease lost; run dropped");
    const event = ending(run.why, err, config.engine.stallMs);
    if (!event) return; // someone else already moved the session; our fence is stale
    const after = await Store.transition(ctx.store, row.id, event, { fence: run.fence, known: run.row });
    if (event.type === "timeout") metrics.timeouts.inc();
    if (event.type !== "fail") return;
    if (after.status === "queued") metrics.retries.inc();
    metrics.outcomes.inc({ outcome: after.status === "queued" ? "retry" : after.status });
  } catch (e) {
    if (e instanceof AppError && (e.code === "lease_lost" || e.code === "invalid_transition")) {
      // A reaper or the API moved the session while we were ending: its write is the truthful one.
      return void log.warn({ session: row.id, code: e.code }, "session moved by another writer while ending");
    }
    log.error(
      { err: e, session: row.id },
      "could not record how a run ended; its lease will expire and be reaped",
    );
  }
}

async function renew(ctx: Ctx, run: Run): Promise<void> {
  const { db, clock, config, log } = ctx.deps;
  try {
    const ok = await Queue.renew(
      db,
      run.row.id,
      run.fence,
      new Date(clock.now().getTime() + config.engine.leaseMs),
    );
    if (!ok && !run.why) stop(run, "lost");
  } catch (err) {
    // A failed renewal is not yet a lost lease: the next heartbeat may succeed before it expires, and
    // if none does the reaper returns the session to the queue.
    log.warn({ err, session: run.row.id }, "heartbeat failed");
  }
}
