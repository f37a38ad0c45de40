import { sql } from "drizzle-orm";
import type { z } from "zod";
import { type Plan, priorityRank } from "@orchestrator/sdk";
import { AppError } from "../error.ts";
import * as Run from "./run.ts";
import { type Deps, step } from "./service.ts";
import { insertGraph, taskFromRow } from "./store.ts";
import type { TaskRow } from "./store.ts";

/**
 * A plan grows while it runs: a person or one of its agents adds a task, or changes one that has not
 * started (its words, more prerequisites). Each change is a scheduling step: the plan's lock, the new
 * task decided by its rule at once (ready, or waiting on what has not ended), then dispatch.
 */

const open: Plan.PlanStatus[] = ["draft", "running"];

/** The plan's tasks of `keys`, or a 422 naming the first key it lacks under `field`. */
async function keyed(s: Run.Step, keys: string[], field: string): Promise<TaskRow[]> {
  if (!keys.length) return [];
  const rows = await s.tx.rows(sql`
    select * from plan_tasks where plan_id = ${s.plan.id} and key in (${sql.join(
      keys.map((k) => sql`${k}`),
      sql`, `,
    )})`);
  const found = rows.map(taskFromRow);
  const missing = keys.findIndex((k) => !found.some((t) => t.key === k));
  if (missing >= 0)
    throw new AppError("validation_failed", `${field}.${missing}: the plan has no task ${keys[missing]}`, {
      issues: [{ path: `${field}.${missing}`, message: "no such task" }],
    });
  return found;
}

function stillOpen(plan: { id: string; status: Plan.PlanStatus }): void {
  if (!open.includes(plan.status))
    throw new AppError("invalid_transition", `plan ${plan.id} is ${plan.status}: its tasks cannot change`, {
      status: plan.status,
    });
}

/** Recount a waiting task's prerequisites that have not ended, and let its rule decide (run.ts). */
async function recount(s: Run.Step, id: string): Promise<void> {
  await s.tx.rows(sql`
    update plan_tasks t set deps_pending = (
      select count(*) from plan_edges e join plan_tasks p on p.id = e.from_task
      where e.to_task = t.id and e.type = 'finish_to_start' and p.status in ('blocked','ready','running'))
    where t.id = ${id}`);
  if (s.plan.status === "running") await Run.arm(s, [id]);
}

export async function add(
  d: Deps,
  tenantId: string,
  planId: string,
  task: z.output<typeof Plan.TaskAdd>,
  by: string,
): Promise<string> {
  return step(
    d,
    tenantId,
    planId,
    async (s) => {
      stillOpen(s.plan);
      const { blockedBy = [], ...input } = task;
      const taken = await s.tx.rows(
        sql`select 1 from plan_tasks where plan_id = ${planId} and key = ${input.key}`,
      );
      if (taken.length)
        throw new AppError("conflict", `body.key: the plan has a task ${input.key} already`, {
          issues: [{ path: "body.key", message: "taken" }],
        });
      const blockers = await keyed(s, [...new Set(blockedBy)], "body.blockedBy");
      const [last] = await s.tx.rows<{ n: number }>(
        sql`select coalesce(max(position), -1) + 1 as n from plan_tasks where plan_id = ${planId}`,
      );
      // A new task has only prerequisites, never dependents: it cannot close a cycle.
      await insertGraph(s.tx, tenantId, planId, { tasks: [input], edges: [] }, Number(last!.n));
      const [row] = await s.tx.rows<{ id: string }>(
        sql`update plan_tasks set step = ${s.n} where plan_id = ${planId} and key = ${input.key} returning id`,
      );
      if (blockers.length)
        await s.tx.rows(sql`
          insert into plan_edges (plan_id, from_task, to_task, type)
          select ${planId}, b::uuid, ${row!.id}, 'finish_to_start'
          from jsonb_array_elements_text(${JSON.stringify(blockers.map((b) => b.id))}::jsonb) b`);
      await recount(s, row!.id);
      d.log.info({ plan: planId, task: input.key, by }, "task added");
      return row!.id;
    },
    undefined,
    by,
  );
}

export async function update(
  d: Deps,
  tenantId: string,
  planId: string,
  key: string,
  change: z.output<typeof Plan.TaskUpdate>,
  by: string,
): Promise<void> {
  await step(
    d,
    tenantId,
    planId,
    async (s) => {
      stillOpen(s.plan);
      const rows = await s.tx.rows(sql`select * from plan_tasks where plan_id = ${planId} and key = ${key}`);
      if (!rows[0]) throw new AppError("not_found", `task ${key} not found in plan ${planId}`, { key });
      const task = taskFromRow(rows[0]);
      if (task.status !== "blocked" && task.status !== "ready")
        throw new AppError(
          "invalid_transition",
          `task ${key} is ${task.status}: only a task that has not started changes`,
          {
            status: task.status,
          },
        );
      const blockers = await keyed(s, [...new Set(change.addBlockedBy ?? [])], "body.addBlockedBy");
      for (const [i, b] of blockers.entries()) {
        // An edge b → task closes a cycle if b is reachable from the task.
        const [loop] = await s.tx.rows(sql`
          with recursive down(id) as (
            select ${task.id}::uuid union select e.to_task from plan_edges e join down on e.from_task = down.id)
          select 1 from down where id = ${b.id} limit 1`);
        if (loop)
          throw new AppError(
            "validation_failed",
            `body.addBlockedBy.${i}: ${b.key} waits for ${key} already: a cycle`,
            {
              issues: [{ path: `body.addBlockedBy.${i}`, message: "would close a cycle" }],
            },
          );
      }
      await s.tx.rows(sql`
        update plan_tasks set title = coalesce(${change.title ?? null}, title), prompt = coalesce(${change.prompt ?? null}, prompt),
          priority = coalesce(${change.priority ? priorityRank[change.priority] : null}::smallint, priority)
        where id = ${task.id}`);
      if (!blockers.length) return;
      for (const b of blockers)
        await s.tx.rows(sql`
          insert into plan_edges (plan_id, from_task, to_task, type) values (${planId}, ${b.id}, ${task.id}, 'finish_to_start')
          on conflict do nothing`);
      // A ready task that now waits for one of them waits again.
      await s.tx.rows(sql`
        update plan_tasks set prev_status = case when step = ${s.n} then prev_status else status end, step = ${s.n},
          status = 'blocked' where id = ${task.id} and status = 'ready'`);
      await recount(s, task.id);
      d.log.info({ plan: planId, task: key, by }, "task changed");
    },
    undefined,
    by,
  );
}
