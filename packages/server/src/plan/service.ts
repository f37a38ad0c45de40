import { sql } from "drizzle-orm";
import type { Plan } from "@orchestrator/sdk";
import type { Db, Q } from "../db/db.ts";
import { AppError } from "../error.ts";
import type { Log } from "../log.ts";
import { git } from "../workspace/git.ts";
import { build } from "./graph.ts";
import * as Events from "./events.ts";
import * as Integrate from "./integrate.ts";
import * as Learn from "./learn.ts";
import * as Planner from "./planner.ts";
import * as Planning from "./planning.ts";
import * as Run from "./run.ts";
import {
  type PlanRow,
  type Target,
  type TaskRow,
  getPlan,
  insert,
  lockForStep,
  rewrite,
  taskFromRow,
  tasksOf,
  edgesOf,
} from "./store.ts";
import { forecast } from "./view.ts";

/**
 * Plans as people and the engine act on them: make, edit and start a draft; cancel, pause, resume;
 * retry and skip a task; and the two ways a task's run comes back (its session ends; its branch is
 * merged). Every change runs in one transaction holding the plan's row lock (see run.ts).
 */
export interface Deps {
  db: Db;
  now: () => Date;
  log: Log;
  launch: Run.Launcher;
  launchPlanner: Planning.PlannerLauncher;
  /** Cancel sessions (a plan cancelled); each session's end comes back through `sessionEnded`. */
  cancelSessions(tenantId: string, ids: string[], reason: string, by: string): Promise<void>;
  /** Work that must follow a commit (git merges): queued, never awaited by the transaction. */
  later(job: () => Promise<void>): void;
}

/** The graph's problems as a 422 naming each field under `body.`. */
export function validate(draft: { tasks: { key: string }[]; edges: Plan.Edge[] }): void {
  const built = build(
    draft.tasks,
    draft.edges.map((e) => ({ from: e.from, to: e.to, type: e.type ?? "finish_to_start" })),
  );
  if (built.ok) return;
  const issues = built.problems.map((p) => ({
    path: `body.${p.path}`,
    message: p.message,
    ...(p.cycle ? { cycle: p.cycle } : {}),
  }));
  throw new AppError("validation_failed", `${issues[0]!.path}: ${issues[0]!.message}`, { issues });
}

export async function create(
  d: Deps,
  tenantId: string,
  draft: Plan.PlanDraft,
  opts: { by: string; source: PlanRow["source"]; target: Target },
): Promise<string> {
  validate(draft);
  const id = await d.db.tx(async (tx) => {
    const at = d.now();
    const planId = await insert(tx, tenantId, draft, { ...opts, now: at });
    const data = { title: draft.title, tasks: draft.tasks.length, source: opts.source };
    await Events.append(tx, tenantId, planId, at, [{ type: "plan.created", data }]);
    return planId;
  });
  if (draft.start) await start(d, tenantId, id, opts.by);
  return id;
}

/**
 * A plan an agent plans: a draft with no tasks yet and its first planning session, in one transaction.
 * The session's end fills the draft (planning.ts).
 */
export async function plan(
  d: Deps,
  tenantId: string,
  req: Plan.PlannerRequest & { policy: Plan.Policy; start: boolean },
  opts: { by: string; target: Target },
): Promise<string> {
  return d.db.tx(async (tx) => {
    const at = d.now();
    const draft = {
      title: req.title,
      goal: req.goal,
      tasks: [],
      edges: [],
      policy: req.policy,
      start: false,
    };
    const id = await insert(tx, tenantId, draft as unknown as Plan.PlanDraft, {
      ...opts,
      source: "planner",
      now: at,
    });
    const data = { title: req.title, tasks: 0, source: "planner" };
    await Events.append(tx, tenantId, id, at, [{ type: "plan.created", data }]);
    const row = await getPlan(tx, tenantId, id, true);
    const ask: Planning.Ask = {
      plannerAttempt: 1,
      title: req.title,
      goal: req.goal,
      ...(req.agent ? { agent: req.agent } : {}),
      ...(req.profile ? { profile: req.profile } : {}),
      start: req.start,
    };
    await d.launchPlanner(tx, row, ask, Planner.prompt(req.title, req.goal));
    return id;
  });
}

/** Replace a draft's content wholesale (the edit before start); a started plan is refused. */
export async function replace(
  d: Deps,
  tenantId: string,
  id: string,
  draft: Plan.PlanDraft,
  opts: { target: Target },
): Promise<void> {
  validate(draft);
  await d.db.tx(async (tx) => {
    const plan = await getPlan(tx, tenantId, id, true);
    if (plan.status !== "draft") throw notDraft(plan);
    await rewrite(tx, tenantId, id, draft, opts.target, d.now());
  });
}

const notDraft = (p: PlanRow) =>
  new AppError("invalid_transition", `plan ${p.id} is ${p.status}; only a draft can be changed or started`, {
    status: p.status,
  });

/**
 * Start a draft. A plan on a repository first gets its integration branch, cut from the base as it is
 * now (git, outside the transaction: cutting is idempotent, so a start that fails after it is harmless).
 */
export async function start(d: Deps, tenantId: string, id: string, by: string): Promise<void> {
  const first = await getPlan(d.db, tenantId, id);
  if (first.status !== "draft") throw notDraft(first);
  const any = await d.db.rows(sql`select 1 from plan_tasks where plan_id = ${id} limit 1`);
  if (!any.length)
    throw new AppError("invalid_transition", `plan ${id} has no tasks yet: its planner has not answered`, {
      status: first.status,
    });
  let base: string | null = null;
  let branch: string | null = null;
  if (first.workspace) {
    const ref = first.workspace.ref ?? "HEAD";
    base = (await git(first.workspace.repo, ["rev-parse", "--verify", `${ref}^{commit}`])).trim();
    branch = await Integrate.cut(first.workspace.repo, id, base);
  }
  await step(
    d,
    tenantId,
    id,
    async (s) => {
      if (s.plan.status !== "draft") throw notDraft(s.plan);
      const at = s.now.toISOString();
      const tasks = await tasksOf(s.tx, id);
      const f = forecast(tasks, await edgesOf(s.tx, id), await Learn.load(s.tx, tenantId));
      // Slack from the forecast at start orders ready tasks for the whole run: one batch update.
      const slack = tasks.map((t, i) => ({ id: t.id, slack: f.tasks[i]!.slack }));
      await s.tx.rows(sql`
      update plan_tasks t set slack = x.slack
      from jsonb_to_recordset(${JSON.stringify(slack)}::jsonb) as x(id uuid, slack float8) where t.id = x.id`);
      await s.tx.rows(sql`
      update plans set status = 'running', started_at = ${at}, updated_at = ${at}, base_commit = ${base},
        integration_branch = ${branch} where id = ${id}`);
      s.plan = { ...s.plan, status: "running", baseCommit: base, integrationBranch: branch };
      await Run.arm(
        s,
        tasks.map((t) => t.id),
      );
      d.log.info({ plan: id, tasks: tasks.length, by }, "plan started");
    },
    undefined,
    by,
  );
}

/** Cancel: nothing new starts, what has not started ends cancelled, running tasks' sessions are cancelled. */
export async function cancel(d: Deps, tenantId: string, id: string, by: string): Promise<void> {
  const running = await step(
    d,
    tenantId,
    id,
    async (s) => {
      if (!["draft", "running"].includes(s.plan.status))
        throw new AppError("invalid_transition", `plan ${id} is ${s.plan.status}; it has ended`, {
          status: s.plan.status,
        });
      await s.tx.rows(
        sql`update plans set status = 'cancelled', updated_at = ${s.now.toISOString()} where id = ${id}`,
      );
      s.plan = { ...s.plan, status: "cancelled" };
      await Run.stopRest(s, { by });
      const rows = await s.tx.rows<{ session_id: string }>(sql`
      select session_id from plan_tasks where plan_id = ${id} and status = 'running' and session_id is not null`);
      return rows.map((r) => r.session_id);
    },
    undefined,
    by,
  );
  if (running.length) await d.cancelSessions(tenantId, running, "plan cancelled", by);
}

export async function pause(
  d: Deps,
  tenantId: string,
  id: string,
  paused: boolean,
  by?: string,
): Promise<void> {
  await step(
    d,
    tenantId,
    id,
    async (s) => {
      if (s.plan.status !== "running")
        throw new AppError(
          "invalid_transition",
          `plan ${id} is ${s.plan.status}; only a running plan is paused or resumed`,
          {
            status: s.plan.status,
          },
        );
      await s.tx.rows(
        sql`update plans set paused = ${paused}, updated_at = ${s.now.toISOString()} where id = ${id}`,
      );
      s.plan = { ...s.plan, paused };
    },
    undefined,
    by,
  );
}

/** Retry a failed, conflicted or cancelled task, or skip a task that has not run (or failed). */
export async function act(
  d: Deps,
  tenantId: string,
  id: string,
  key: string,
  action: "retry" | "skip",
  by: string,
): Promise<void> {
  await step(
    d,
    tenantId,
    id,
    async (s) => {
      const rows = await s.tx.rows(sql`select * from plan_tasks where plan_id = ${id} and key = ${key}`);
      if (!rows[0]) throw new AppError("not_found", `task ${key} not found in plan ${id}`, { key });
      if (s.plan.status === "draft" || s.plan.status === "cancelled")
        throw new AppError(
          "invalid_transition",
          `plan ${id} is ${s.plan.status}; its tasks cannot be ${action === "retry" ? "retried" : "skipped"}`,
          {
            status: s.plan.status,
          },
        );
      const task = taskFromRow(rows[0]);
      const allowed: Plan.TaskStatus[] =
        action === "retry"
          ? ["failed", "conflicted", "cancelled"]
          : ["blocked", "ready", "failed", "conflicted", "cancelled"];
      if (!allowed.includes(task.status))
        throw new AppError(
          "invalid_transition",
          `task ${key} is ${task.status}; ${action} needs one of ${allowed.join(", ")}`,
          {
            status: task.status,
            allowed,
          },
        );
      if (action === "retry") await Run.retry(s, task);
      else await Run.skip(s, task, by);
    },
    undefined,
    by,
  );
}

/**
 * One scheduling transaction: lock the plan, do `fn`, then launch what may run and end the plan if
 * nothing can change any more. Returns what `fn` returned.
 */
export async function step<T>(
  d: Deps,
  tenantId: string,
  id: string,
  fn: (s: Run.Step) => Promise<T>,
  q?: Q,
  by?: string,
): Promise<T> {
  const body = async (tx: Q) => {
    const { plan, n } = await lockForStep(tx, tenantId, id);
    const s: Run.Step = { tx, plan, now: d.now(), launch: d.launch, n };
    const out = await fn(s);
    const live = await Run.dispatch(s);
    await Run.conclude(s, live);
    // What the step changed, as the plan's log entries, in the step's own transaction.
    const entries = await Events.changes(tx, id, s.n);
    const p = s.plan;
    if (p.status !== plan.status || p.paused !== plan.paused || p.halted !== plan.halted) {
      const entry = {
        type: "plan.status" as const,
        data: { from: plan.status, to: p.status, paused: p.paused, halted: p.halted, ...(by ? { by } : {}) },
      };
      // A plan starts (or opens again) before its tasks do; it ends, halts or pauses after they changed.
      if (p.status === "running" && plan.status !== "running") entries.unshift(entry);
      else entries.push(entry);
    }
    await Events.append(tx, tenantId, id, s.now, entries);
    return out;
  };
  return q ? body(q) : d.db.tx(body);
}

export type { TaskRow };
