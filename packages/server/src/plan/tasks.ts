import { sql } from "drizzle-orm";
import { Create, Priority, terminal } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import * as Opencode from "../agent/opencode/name.ts";
import * as Agents from "../registry/store.ts";
import { type Row, fromRow } from "../session/row.ts";
import { pgArray } from "../session/store.ts";
import * as Submit from "../session/submit.ts";
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

/** Make the launcher: a task's attempt as a session of the plan, in the scheduler's transaction. */
export function launcher(ctx: Submit.Ctx): Run.Launcher {
  return async (tx, plan, task, attempt, prompt) => {
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
    // A task on a repository works on the plan's integration branch as it stands when the task starts,
    // if its agent works in worktrees at all.
    const workspace =
      plan.workspace && plan.integrationBranch && (await inRepo(tx, plan.tenantId, task))
        ? { repo: plan.workspace.repo, ref: plan.integrationBranch }
        : undefined;
    const spec = await Submit.resolve(ctx, plan.tenantId, input, tx, {
      workspace,
      projectId: plan.projectId,
    });
    const row = await Submit.create({ db: tx, now: () => ctx.clock.now() }, plan.tenantId, {
      ...spec,
      task: { planId: plan.id, taskId: task.id, attempt },
    });
    return row.id;
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

/**
 * The session store's `ended` hook: in the transaction that ends a task's session, end the task and let
 * its dependents decide. A succeeded task on a repository is merged first (git, after the commit): until
 * then it stays running, and the reconciler redoes a merge a crash interrupted.
 */
export function sessionEnded(d: Deps) {
  return async (tx: Q, row: Row): Promise<(() => void) | void> => {
    let merge: (() => Promise<void>) | null = null;
    await step(
      d,
      row.tenantId,
      row.planId!,
      async (s) => {
        if (!row.taskId) {
          const planned = await Planning.ended(s, row, d.launchPlanner);
          if (planned?.start) merge = () => start(d, row.tenantId, row.planId!, "planner");
          return;
        }
        const task = await current(s.tx, row);
        if (!task) return;
        merge = await settleTask(d, s, task, row);
      },
      tx,
    );
    const job = merge as (() => Promise<void>) | null;
    if (job) return () => d.later(job);
  };
}

async function current(tx: Q, row: Row): Promise<TaskRow | null> {
  const rows = await tx.rows(sql`select * from plan_tasks where id = ${row.taskId} for update`);
  const task = rows[0] ? taskFromRow(rows[0]) : null;
  // A late end of an attempt the task has moved past changes nothing.
  return task && task.status === "running" && task.sessionId === row.id ? task : null;
}

/** End the task from its session, or return the merge that must come first. */
async function settleTask(d: Deps, s: Run.Step, task: TaskRow, row: Row) {
  const o = s.plan.status === "cancelled" && outcome(row) !== "succeeded" ? "cancelled" : outcome(row);
  const result = resultOf(row);
  if (o === "succeeded" && s.plan.integrationBranch && result.branch && s.plan.workspace) {
    const { repo } = s.plan.workspace;
    const branch = result.branch;
    return () => merge(d, row, repo, branch);
  }
  const reason = o === "succeeded" ? null : { session: row.status, error: row.error };
  await Run.end(s, task, o, { result, reason });
  if (o === "succeeded") await Learn.record(s.tx, row.tenantId, task, s.now);
  return null;
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
    const task = await current(s.tx, row);
    if (!task) return;
    const result = resultOf(row);
    if (m.outcome === "conflict") {
      await Run.end(s, task, "conflicted", { result, reason: { conflict: m.paths, branch, tip: m.tip } });
      return;
    }
    await Run.end(s, task, "succeeded", { result, mergedCommit: m.commit });
    await Learn.record(s.tx, row.tenantId, task, s.now);
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
      const live: string[] = [];
      for (const r of rows.map(fromRow)) {
        if (!terminal.includes(r.status)) {
          live.push(r.id);
          continue;
        }
        const task = await current(s.tx, r);
        if (!task) continue;
        const job = await settleTask(d, s, task, r);
        if (job) merges.push(job);
      }
      await Run.recompute(s);
      return s.plan.status === "cancelled" ? live : [];
    });
    if (cancel.length) await d.cancelSessions(p.tenant_id, cancel, "plan cancelled", "reconciler");
    for (const m of merges)
      await m().catch((err) => d.log.error({ err, plan: p.id }, "a plan task's merge failed"));
  }
  return plans.length;
}
