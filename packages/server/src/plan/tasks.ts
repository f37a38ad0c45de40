import { sql } from "drizzle-orm";
import { ZodError } from "zod";
import { Create, Priority, terminal } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import * as Opencode from "../agent/opencode/name.ts";
import * as Agents from "../registry/store.ts";
import { type Row, fromRow } from "../session/row.ts";
import * as Sessions from "../session/store.ts";
import { type Ctx as Store, pgArray } from "../session/store.ts";
import * as Submit from "../session/submit.ts";
import { grouped } from "./group.ts";
import { AppError } from "../error.ts";
import * as Integrate from "./integrate.ts";
import * as Learn from "./learn.ts";
import * as Run from "./run.ts";
import * as Planning from "./planning.ts";
import { type Deps, start, step } from "./service.ts";
import { type TaskRow, taskFromRow } from "./store.ts";

/**
 * A task's runs as sessions: launching one (the scheduler's `Launcher`), and what its session's end means
 * for the task. Sessions stay the unit of execution, lease and log; a task only points at its current one.
 */

/** Make the launcher: tasks' attempts as sessions of the plan, created at once in the scheduler's transaction. */
export function launcher(ctx: Submit.Ctx): Run.Launcher {
  return async (tx, plan, starts) => {
    const found = new Set<string>();
    const repo = new Map<string, boolean>();
    // A task on a repository works on the plan's integration branch as it stands when the task starts,
    // if its agent works in worktrees at all (the same answer for every task of one agent and asks).
    const where = async (task: TaskRow) => {
      const asks = JSON.stringify([task.agent, task.profile, task.capabilities]);
      if (!plan.workspace || !plan.integrationBranch) return undefined;
      if (!repo.has(asks)) repo.set(asks, await inRepo(tx, plan.tenantId, task));
      return repo.get(asks) ? { repo: plan.workspace.repo, ref: plan.integrationBranch } : undefined;
    };
    const specs: Submit.Spec[] = [];
    const out: Awaited<ReturnType<Run.Launcher>> = [];
    for (const { task, attempt, prompt } of starts) {
      try {
        const input = Create.parse({
          title: task.title,
          prompt,
          priority: Priority.options[task.priority] ?? "medium",
          capabilities: task.capabilities,
          ...(task.agent ? { agent: task.agent } : {}),
          ...(task.profile ? { profile: task.profile } : {}),
          maxAttempts: task.maxAttempts,
          tags: ["plan"],
          metadata: { plan: plan.id, task: task.key },
        });
        const at = { workspace: await where(task), projectId: plan.projectId };
        const spec = await Submit.resolve(ctx, plan.tenantId, input, tx, at, found);
        specs.push({ ...spec, task: { planId: plan.id, taskId: task.id, attempt } });
        out.push("");
      } catch (err) {
        // Refused before anything was written (the agent named is gone, a field no longer valid): this
        // task fails and says why; the step and the other tasks go on.
        if (!(err instanceof AppError) && !(err instanceof ZodError)) throw err;
        const code = err instanceof AppError ? err.code : "validation_failed";
        out.push({ error: { code, message: err.message.slice(0, 2000) } });
      }
    }
    const rows = await Submit.createMany({ db: tx, now: () => ctx.clock.now() }, plan.tenantId, specs);
    let k = 0;
    return out.map((o) => (o === "" ? rows[k++]!.id : o));
  };
}

/**
 * Whether a task of a plan on a repository gets the repository. A session with a workspace is routed
 * only to agents with the `workspace` capability (routing/route.ts), so an external agent (a reviewer
 * over A2A, an EAP tool) would wait for ever: such a task runs without the repository, and hands on its
 * message as its result. OpenCode (the default, a profile, or the kind named) always gets it; a pinned
 * agent when it has `workspace`; a task routed by capabilities when some agent offers them with `workspace`.
 */
async function inRepo(tx: Q, tenantId: string, task: TaskRow): Promise<boolean> {
  if (task.agent)
    return (
      Opencode.isKind(task.agent) ||
      (await Agents.byName(tx, tenantId, task.agent)).capabilities.includes("workspace")
    );
  if (task.profile || !task.capabilities.length) return true;
  const need = pgArray([...new Set([...task.capabilities, "workspace"])]);
  const rows = await tx.rows(sql`
    select 1 from agents where (tenant_id = ${tenantId} or tenant_id is null) and deleted_at is null
      and capabilities @> ${need}::text[] limit 1`);
  return rows.length > 0;
}

/** A session's end as its task's: only a completed session succeeds; an edge fails closed. */
export function outcome(row: Row): "succeeded" | "failed" | "cancelled" {
  if (row.status === "completed") return "succeeded";
  if (row.status === "cancelled" || row.status === "stopped") return "cancelled";
  return "failed";
}

/** What dependents are told of a task: the agent's final message (bounded) and the files it changed. */
export function resultOf(row: Row): { summary: string; files: string[]; branch: string | null } {
  const r = (row.result ?? {}) as {
    text?: unknown;
    output?: unknown;
    branch?: unknown;
    diff?: { files?: { file: string }[] };
  };
  // OpenCode answers `text`; external agents (EAP, A2A) `output`, with artifacts beside it.
  const said = r.text ?? r.output;
  const text =
    typeof said === "string"
      ? said
      : said !== undefined
        ? JSON.stringify(said)
        : row.result === null
          ? ""
          : JSON.stringify(row.result);
  return {
    summary: text.length > 4000 ? `${text.slice(0, 4000)}…` : text,
    files: (r.diff?.files ?? []).map((f) => f.file).slice(0, 200),
    branch: typeof r.branch === "string" ? r.branch : null,
  };
}

/** At most this many ends in one step: a flood of them makes several steps, none holding its locks for long. */
const maxBatch = 100;

/**
 * The session store's `ending`: each session's terminal write runs in a scheduling step of its plan,
 * which ends the tasks those sessions ran and lets their dependents decide before the ends commit. Ends of
 * one plan that arrive while a step is being written go together in the next step (group.ts). A
 * succeeded task on a repository is merged first (git, after the commit): until then it stays running,
 * and the reconciler redoes a merge a crash interrupted.
 */
export function ending(d: Deps): NonNullable<Store["ending"]> {
  type Item = { tenantId: string; end: Sessions.End };
  const run = grouped<Item, Row | null>(async (planId, items) => {
    const after: (() => Promise<void>)[] = [];
    const out = await step(d, items[0]!.tenantId, planId, async (s) => {
      const rows = await Sessions.endAll(
        s.tx,
        items.map((it) => it.end),
      );
      after.push(
        ...(await settle(
          d,
          s,
          rows.filter((r): r is Row => !!r),
        )),
      );
      return rows;
    });
    for (const job of after) d.later(job);
    return out;
  }, maxBatch);
  return (planId, tenantId, end) => run(planId, { tenantId, end });
}

/** End the tasks whose current sessions these are; returns the work to run after the commit. */
async function settle(d: Deps, s: Run.Step, rows: Row[]): Promise<(() => Promise<void>)[]> {
  const after: (() => Promise<void>)[] = [];
  for (const row of rows.filter((r) => !r.taskId)) {
    const planned = await Planning.ended(s, row, d.launchPlanner);
    if (planned?.start) after.push(() => start(d, row.tenantId, row.planId!, "planner"));
  }
  const ends: Run.Ending[] = [];
  const merges: Row[] = [];
  for (const row of rows.filter((r) => r.taskId)) {
    const o = settleTask(s, row);
    if (o) ends.push(o);
    else merges.push(row);
  }
  // A merge runs after the commit, so only for a session that is still its task's current attempt.
  for (const [row] of await current(s.tx, merges)) {
    const { repo } = s.plan.workspace!;
    const branch = resultOf(row).branch!;
    after.push(() => merge(d, row, repo, branch));
  }
  const ended = await Run.end(s, ends);
  // What they took teaches the next forecasts, just after the commit: the step that launches their
  // dependents does not wait for it (a crash in between loses a sample, nothing else).
  const learnt = ended.filter((t) => t.status === "succeeded");
  const { tenantId } = s.plan;
  const at = s.now;
  if (learnt.length) after.push(() => d.db.tx((tx) => Learn.record(tx, tenantId, learnt, at)));
  return after;
}

/** The running tasks these sessions are the current attempts of, locked; a late end changes nothing. */
async function current(tx: Q, rows: Row[]): Promise<[Row, TaskRow][]> {
  if (!rows.length) return [];
  const ids = sql.join(
    rows.map((r) => sql`${r.taskId}`),
    sql`, `,
  );
  const found = await tx.rows(sql`select * from plan_tasks where id in (${ids}) for update`);
  const tasks = new Map(found.map((r) => [String(r.id), taskFromRow(r)]));
  const out: [Row, TaskRow][] = [];
  for (const row of rows) {
    const task = tasks.get(row.taskId!);
    // A late end of an attempt the task has moved past changes nothing; a task is ended once.
    if (task && task.status === "running" && task.sessionId === row.id) out.push([row, task]);
    tasks.delete(row.taskId!);
  }
  return out;
}

/** How the task ends with its session (if it is still the current attempt), or null: merge it first. */
function settleTask(s: Run.Step, row: Row): Run.Ending | null {
  const o = s.plan.status === "cancelled" && outcome(row) !== "succeeded" ? "cancelled" : outcome(row);
  const result = resultOf(row);
  if (o === "succeeded" && s.plan.integrationBranch && result.branch && s.plan.workspace) return null;
  const reason = o === "succeeded" ? null : { session: row.status, error: row.error };
  return { task: { id: row.taskId! }, session: row.id, status: o, result, reason };
}

/**
 * Merge a succeeded task's branch into the integration branch, then end the task: succeeded with the
 * merge commit, or conflicted with the paths. A second node or a restart doing the same merge finds it
 * `already` merged.
 */
async function merge(d: Deps, row: Row, repo: string, branch: string): Promise<void> {
  const message = `${row.title}\n\nPlan ${row.planId}, task session ${row.id}`;
  const m = await Integrate.merge(repo, row.planId!, branch, message);
  await step(d, row.tenantId, row.planId!, async (s) => {
    const [found] = await current(s.tx, [row]);
    if (!found) return;
    const task = found[1];
    const result = resultOf(row);
    if (m.outcome === "conflict") {
      // Once per run-up: a conflict of the resolving attempt itself waits for a person.
      const resolving = (task.reason as { resolving?: unknown } | null)?.resolving;
      if (s.plan.policy.onConflict === "resolve" && !resolving && s.plan.status === "running")
        return Run.resolve(s, task, { paths: m.paths, branch });
      const reason = { conflict: m.paths, branch, tip: m.tip, ...(resolving ? { resolving } : {}) };
      await Run.end(s, [{ task, status: "conflicted", result, reason }]);
      return;
    }
    await Run.end(s, [{ task, status: "succeeded", result, mergedCommit: m.commit }]);
    await Learn.record(s.tx, row.tenantId, [task], s.now);
  });
}

/**
 * The start-up reconciler, for every plan that has not ended: tasks whose session ended while no node
 * saw it (a crash between the two) are settled, merges a crash interrupted are redone, every waiting
 * task's count is rebuilt from the edges, what may run is launched, and the plan ends if it is done.
 * A cancelled plan's sessions that still run are cancelled again.
 */
export async function reconcile(d: Deps): Promise<number> {
  const plans = await d.db.rows<{ id: string; tenant_id: string }>(sql`
    select distinct p.id, p.tenant_id from plans p
    where p.deleted_at is null and (p.status = 'running' or (p.status = 'cancelled' and p.ended_at is null))`);
  for (const p of plans) {
    const merges: (() => Promise<void>)[] = [];
    const cancel = await step(d, p.tenant_id, p.id, async (s) => {
      const rows = await s.tx.rows(sql`
        select s.* from plan_tasks t join sessions s on s.id = t.session_id
        where t.plan_id = ${p.id} and t.status = 'running'`);
      const all = rows.map(fromRow);
      const live = all.filter((r) => !terminal.includes(r.status)).map((r) => r.id);
      merges.push(
        ...(await settle(
          d,
          s,
          all.filter((r) => terminal.includes(r.status)),
        )),
      );
      await Run.recompute(s);
      return s.plan.status === "cancelled" ? live : [];
    });
    if (cancel.length) await d.cancelSessions(p.tenant_id, cancel, "plan cancelled", "reconciler");
    for (const m of merges)
      await m().catch((err) => d.log.error({ err, plan: p.id }, "a plan task's merge failed"));
  }
  return plans.length;
}
