import { type SQL, sql } from "drizzle-orm";
import { type Plan, Priority } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { type Counts, decide, none } from "./rules.ts";
import { pick } from "./dispatch.ts";
import { share } from "./shared.ts";
import { type PlanRow, type TaskRow, json, taskFromRow } from "./store.ts";

/**
 * The scheduler's steps, each run inside a transaction that holds the plan's row lock (`for update`), so
 * the steps of one plan never interleave: two prerequisites ending at once are counted one after the
 * other, and the parallel limit is counted exactly. Nothing here polls: each step is called by the
 * transition that makes it necessary (a task's session ending, a person's action, a start), and the
 * start-up reconciler (`recompute`) rebuilds every count from the edges.
 */

export interface Launcher {
  /**
   * Create the sessions of tasks' attempts in the caller's transaction; returns, in order, each one's
   * session id or why it could not start (an agent pinned since removed, say).
   */
  (
    tx: Q,
    plan: PlanRow,
    starts: { task: TaskRow; attempt: number; prompt: string }[],
  ): Promise<(string | { error: { code: string; message: string } })[]>;
}

/** A session's prompt is at most this long (sdk Create): what prerequisites handed on is cut to fit. */
const maxPrompt = 100_000;

export interface Step {
  tx: Q;
  plan: PlanRow;
  now: Date;
  launch: Launcher;
  /** This step's number in its plan: every task it changes is stamped with it (see `mark`). */
  n: number;
}

/**
 * Stamp a task's state change with the step, keeping its state from before the step (the first change in
 * a step keeps it; a second one, blocked → ready → running, does not overwrite it): the step's log reads
 * exactly the tasks it changed (events.ts), through the (plan_id, step) index, whatever the plan's size.
 */
const mark = (s: Step, t = sql``) =>
  sql`prev_status = case when ${t}step = ${s.n} then ${t}prev_status else ${t}status end, step = ${s.n}`;

/** How a task ended: its state, and what its run left (its result, why, its merge commit). */
export interface Ending {
  task: { id: string };
  status: Plan.TaskStatus;
  result?: unknown;
  reason?: unknown;
  mergedCommit?: string | null;
  /** Only if this session is still the task's running attempt: a late end of an old one changes nothing. */
  session?: string;
}

/**
 * Tasks end: record them in one statement, then let their dependents decide, breadth-first. Returns the
 * tasks that ended (all of them, but for an end whose `session` is no longer the task's current one).
 */
export async function end(s: Step, ends: Ending[]): Promise<TaskRow[]> {
  if (!ends.length) return [];
  const rows = ends.map((e) => ({
    id: e.task.id,
    status: e.status,
    result: e.result ?? null,
    reason: e.reason ?? null,
    merged: e.mergedCommit ?? null,
    session: e.session ?? null,
  }));
  // A JSON null comes out of jsonb_to_recordset as SQL null: the coalesces keep what is already there.
  const ended = await s.tx.rows(sql`
    update plan_tasks t set ${mark(s, sql`t.`)}, status = x.status, ended_at = ${s.now.toISOString()},
      result = coalesce(x.result, t.result), reason = x.reason, merged_commit = coalesce(x.merged, t.merged_commit)
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as x(id uuid, status text, result jsonb, reason jsonb, merged text, session uuid)
    where t.id = x.id and (x.session is null or (t.status = 'running' and t.session_id = x.session))
    returning t.*`);
  const tasks = ended.map(taskFromRow);
  await share(s, tasks);
  await settle(
    s,
    tasks.map((t) => t.id),
  );
  // Fail-fast stops at a task's own failure; upstream_failed and cancelled are its consequences.
  const failed = tasks.some((t) => t.status === "failed" || t.status === "conflicted");
  if (s.plan.policy.failFast && failed && !s.plan.halted) {
    await s.tx.rows(sql`update plans set halted = true where id = ${s.plan.id}`);
    s.plan = { ...s.plan, halted: true };
  }
  return tasks;
}

/**
 * Each ended task's finish-to-start dependents that still wait lose one pending prerequisite; each then
 * decides by its trigger rule over its prerequisites' states. A rule that can no longer hold ends the
 * dependent (skipped, upstream_failed), which cascades to its own dependents in the next round.
 */
export async function settle(s: Step, ended: string[]): Promise<void> {
  let frontier = ended;
  while (frontier.length) {
    // One decrement per edge, grouped first: an UPDATE … FROM a join would change a dependent of two
    // prerequisites in this round only once. The same statement counts the touched tasks' prerequisites
    // (it sees the tasks as they were before its own update, in which only `deps_pending` changes).
    const rows = await s.tx.rows<Record<string, unknown>>(sql`
      with touched as (
        update plan_tasks t set deps_pending = t.deps_pending - d.n
        from (select to_task, count(*)::int as n from plan_edges
              where from_task in (${list(frontier)}) and type = 'finish_to_start' group by to_task) d
        where d.to_task = t.id and t.status = 'blocked'
        returning t.id)
      ${counted(sql`select id from touched`)}`);
    frontier = await apply(s, rows);
  }
}

/** For each waiting task of `ids`, its rule and its finish-to-start prerequisites counted by state. */
const counted = (ids: SQL) => sql`
    select t.id, t.trigger_rule, count(e.from_task)::int as total,
      count(*) filter (where p.status = 'succeeded')::int as succeeded,
      count(*) filter (where p.status = 'failed')::int as failed,
      count(*) filter (where p.status = 'upstream_failed')::int as upstream_failed,
      count(*) filter (where p.status = 'skipped')::int as skipped,
      count(*) filter (where p.status = 'cancelled')::int as cancelled,
      count(*) filter (where p.status = 'conflicted')::int as conflicted
    from plan_tasks t
      left join plan_edges e on e.to_task = t.id and e.type = 'finish_to_start'
      left join plan_tasks p on p.id = e.from_task
    where t.id in (${ids}) and t.status = 'blocked'
    group by t.id, t.trigger_rule`;

/** Decide waiting tasks by their rules; returns the ones that ended (for the next round of `settle`). */
async function decideAll(s: Step, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  return apply(s, await s.tx.rows(counted(list([...new Set(ids)]))));
}

/** Each counted task's rule decides (rules.ts, over `counted`); the decisions take at most two statements. */
async function apply(s: Step, rows: Record<string, unknown>[]): Promise<string[]> {
  const ready: string[] = [];
  const ended: { id: string; status: string; reason: unknown }[] = [];
  for (const r of rows) {
    const counts = none();
    for (const k of Object.keys(counts) as (keyof Counts)[]) counts[k] = Number(r[k]);
    const d = decide(r.trigger_rule as Plan.TriggerRule, counts, Number(r.total));
    if (d === "ready") ready.push(String(r.id));
    // The reason says which prerequisites decided it, so a person sees why it never ran.
    else if (d !== "wait")
      ended.push({ id: String(r.id), status: d, reason: { by: "rule", prerequisites: counts } });
  }
  if (ready.length)
    await s.tx.rows(sql`update plan_tasks set ${mark(s)}, status = 'ready' where id in (${list(ready)})`);
  if (ended.length)
    await s.tx.rows(sql`
      update plan_tasks t set ${mark(s, sql`t.`)}, status = x.status, ended_at = ${s.now.toISOString()}, reason = x.reason
      from jsonb_to_recordset(${JSON.stringify(ended)}::jsonb) as x(id uuid, status text, reason jsonb)
      where t.id = x.id`);
  return ended.map((e) => e.id);
}

/**
 * Launch what may run now: nothing while paused or after a fail-fast stop; among ready tasks the least
 * slack first, then priority, then age; at most `maxParallel` running; never two tasks whose write
 * scopes overlap. After a fail-fast stop, once nothing runs, what never started ends `cancelled`.
 * Returns whether it saw a task ready or running (then the plan cannot have ended).
 */
export async function dispatch(s: Step): Promise<boolean> {
  const { plan } = s;
  if (plan.status !== "running") return false;
  // Only what ordering needs: prompts and results can be long, and only the launched tasks need them.
  const rows = await s.tx.rows<Record<string, unknown>>(sql`
    select id, status, position, priority, slack, write_scope from plan_tasks
    where plan_id = ${plan.id} and status in ('running','ready')`);
  const tasks = rows.map((r) => ({
    id: String(r.id),
    status: r.status as Plan.TaskStatus,
    position: Number(r.position),
    priority: Number(r.priority),
    slack: r.slack === null || r.slack === undefined ? null : Number(r.slack),
    writeScope: (r.write_scope as string[] | null) ?? null,
  }));
  const running = tasks.filter((t) => t.status === "running");
  if (plan.halted) {
    if (!running.length) await stopRest(s, { by: "fail_fast" });
    return running.length > 0;
  }
  if (plan.paused) return tasks.length > 0;
  const ready = tasks.filter((t) => t.status === "ready");
  const chosen = pick(
    ready.map((t, i) => ({
      task: i,
      slack: t.slack ?? Number.POSITIVE_INFINITY,
      priority: Priority.options[t.priority] ?? "medium",
      age: t.position,
      scope: t.writeScope ?? undefined,
    })),
    running.map((t) => ({ scope: t.writeScope ?? undefined })),
    plan.policy.maxParallel,
  );
  if (!chosen.length) return tasks.length > 0;
  // A task that could not start ended failed, which may change what is ready: look again.
  const failed = await launch(
    s,
    chosen.map((i) => ready[i]!.id),
  );
  return failed ? dispatch(s) : true;
}

/** End every task that has not started: a fail-fast stop or a cancel of the plan. */
export async function stopRest(s: Step, reason: unknown): Promise<void> {
  await s.tx.rows(sql`
    update plan_tasks set ${mark(s)}, status = 'cancelled', ended_at = ${s.now.toISOString()},
      reason = ${json(reason)}::jsonb
    where plan_id = ${s.plan.id} and status in ('blocked','ready')`);
}

/** Start tasks, in the order given: each attempt's session, then one update marking them running. */
/**
 * Start tasks, in the order given: each attempt's session, then one update marking them running. A task
 * that cannot start fails (with why), which its dependents' rules then see; returns how many did.
 */
async function launch(s: Step, ids: string[]): Promise<number> {
  // With what each one's succeeded prerequisites reported (their message and files), in the same read.
  const told = sql`, coalesce((
      select json_agg(json_build_object('key', p.key, 'title', p.title, 'result', p.result) order by p.position)
      from plan_edges e join plan_tasks p on p.id = e.from_task
      where e.to_task = t.id and p.status = 'succeeded' and p.result is not null), '[]') as told`;
  const rows = await s.tx.rows(sql`
    select t.*${s.plan.policy.passOutput ? told : sql``} from plan_tasks t where t.id in (${list(ids)})`);
  const byId = new Map(rows.map((r) => [String(r.id), { task: taskFromRow(r), told: handedOn(r.told) }]));
  const starts = ids.map((id) => {
    const { task, told: parts } = byId.get(id)!;
    const full = parts?.length
      ? `${task.prompt}\n\n## Done before you, by the tasks this one depends on\n\n${parts.join("\n\n")}`
      : task.prompt;
    const prompt = full.length > maxPrompt ? `${full.slice(0, maxPrompt - 1)}…` : full;
    return { task, attempt: task.attempt + 1, prompt };
  });
  const sessions = await s.launch(s.tx, s.plan, starts);
  const started = starts.flatMap((x, i) => {
    const id = sessions[i]!;
    return typeof id === "string" ? [{ id: x.task.id, attempt: x.attempt, session: id }] : [];
  });
  if (started.length)
    await s.tx.rows(sql`
      update plan_tasks t set ${mark(s, sql`t.`)}, status = 'running', attempt = x.attempt, session_id = x.session,
        started_at = ${s.now.toISOString()}, ended_at = null, reason = null
      from jsonb_to_recordset(${JSON.stringify(started)}::jsonb) as x(id uuid, attempt int, session uuid)
      where t.id = x.id`);
  const failed = starts.flatMap((x, i) => {
    const r = sessions[i]!;
    return typeof r === "string"
      ? []
      : [{ task: x.task, status: "failed" as const, reason: { launch: r.error } }];
  });
  await end(s, failed);
  return failed.length;
}

/**
 * The `resolve` conflict policy: a task whose branch conflicted runs again at once, as its next attempt,
 * cut from the integration branch as it is now, its prompt saying where its earlier work is and which
 * paths conflicted, so its agent merges that work onto the current code (or redoes it). It stays
 * `running`; its reason says it is resolving, which is how a second conflict knows not to try again.
 */
export async function resolve(s: Step, task: TaskRow, c: { paths: string[]; branch: string }): Promise<void> {
  const attempt = task.attempt + 1;
  const how =
    `Your previous attempt's work is on branch \`${c.branch}\`. Merging it into the plan's integration ` +
    `branch conflicted in ${c.paths.join(", ")}: work merged since changed them too. This attempt starts ` +
    `from the integration branch as it is now. Bring your change onto it: merge \`${c.branch}\` and resolve ` +
    `the conflicts keeping what both sides meant (or redo your change on the current code), commit, and ` +
    `say what you resolved.`;
  const full = `${task.prompt}\n\n## Your earlier work conflicts with work merged since\n\n${how}`;
  const prompt = full.length > maxPrompt ? `${how}\n\n${task.prompt}`.slice(0, maxPrompt) : full;
  const [r] = await s.launch(s.tx, s.plan, [{ task, attempt, prompt }]);
  if (typeof r !== "string") {
    await end(s, [
      { task, status: "conflicted", reason: { conflict: c.paths, branch: c.branch, launch: r!.error } },
    ]);
    return;
  }
  const reason = { resolving: { conflict: c.paths, branch: c.branch } };
  await s.tx.rows(sql`
    update plan_tasks set ${mark(s)}, attempt = ${attempt}, session_id = ${r}, started_at = ${s.now.toISOString()},
      reason = ${json(reason)}::jsonb
    where id = ${task.id}`);
}

/** What succeeded prerequisites reported, as the parts of a dependent's prompt. */
function handedOn(told: unknown): string[] {
  const list = (Array.isArray(told) ? told : []) as { key: string; title: string; result: unknown }[];
  return list.map((r) => {
    const res = (r.result ?? {}) as { summary?: string; files?: string[] };
    const files = res.files?.length ? `\nFiles changed: ${res.files.join(", ")}` : "";
    return `### ${r.key}: ${r.title}\n${res.summary ?? "(no summary)"}${files}`;
  });
}

/**
 * The plan ends when no task can change any more: succeeded when every task succeeded or was skipped,
 * failed when none succeeded, partially_succeeded otherwise; a plan a person cancelled stays cancelled.
 */
export async function conclude(s: Step, seen = false): Promise<Plan.PlanStatus | null> {
  // A draft (a planner may still be at work) and an ended plan have nothing to conclude; nor has a plan
  // `dispatch` just saw tasks of that are ready or running.
  if (seen) return null;
  if (s.plan.status !== "running" && !(s.plan.status === "cancelled" && !s.plan.endedAt)) return null;
  // Most steps leave live tasks: one indexed look ends them there, before counting the whole plan.
  const live = await s.tx.rows(sql`
    select 1 from plan_tasks where plan_id = ${s.plan.id} and status in ('blocked','ready','running') limit 1`);
  if (live.length) return null;
  const rows = await s.tx.rows<{ status: Plan.TaskStatus; n: number }>(sql`
    select status, count(*)::int as n from plan_tasks where plan_id = ${s.plan.id} group by status`);
  const n = (st: Plan.TaskStatus) => Number(rows.find((r) => r.status === st)?.n ?? 0);
  if (n("blocked") + n("ready") + n("running") > 0) return null;
  const total = rows.reduce((a, r) => a + Number(r.n), 0);
  const ok = n("succeeded") + n("skipped");
  const status: Plan.PlanStatus =
    s.plan.status === "cancelled"
      ? "cancelled"
      : ok === total
        ? "succeeded"
        : n("succeeded") === 0
          ? "failed"
          : "partially_succeeded";
  await s.tx.rows(sql`
    update plans set status = ${status}, ended_at = coalesce(ended_at, ${s.now.toISOString()}),
      updated_at = ${s.now.toISOString()} where id = ${s.plan.id}`);
  s.plan = { ...s.plan, status };
  return status;
}

/**
 * The reconciler: every waiting task's pending count is recomputed from the edges and its rule decided
 * again, as if each prerequisite's end had just been seen. It repairs any count a bug or an operator's
 * SQL left wrong, and is the fix for dependents that are never promoted.
 */
export async function recompute(s: Step): Promise<void> {
  await s.tx.rows(sql`
    update plan_tasks t set deps_pending = coalesce((
      select count(*) from plan_edges e join plan_tasks p on p.id = e.from_task
      where e.to_task = t.id and e.type = 'finish_to_start'
        and p.status in ('blocked','ready','running')), 0)
    where t.plan_id = ${s.plan.id} and t.status = 'blocked'`);
  const waiting = await s.tx.rows<{ id: string }>(sql`
    select id from plan_tasks where plan_id = ${s.plan.id} and status = 'blocked'`);
  await settleFrom(
    s,
    waiting.map((r) => r.id),
  );
}

async function settleFrom(s: Step, ids: string[]): Promise<void> {
  const ended = await decideAll(s, ids);
  await settle(s, ended);
}

/** Decide the tasks of a plan that just started (or was re-armed): tasks without prerequisites are ready. */
export const arm = settleFrom;

/**
 * A person retries a failed, conflicted or cancelled task (as plan/flow.ts `retry`, the model the oracle
 * test checks): it, its upstream_failed descendants and every task fail-fast cancelled wait again, the
 * halt is lifted, a ready dependent that needs the task again waits again, and every waiting task is
 * decided afresh from the edges: one that another failure still rules out ends as it was.
 */
export async function retry(s: Step, task: TaskRow): Promise<void> {
  const at = s.now.toISOString();
  // The re-armed set: the task, every fail-fast stop, and their finish-to-start descendants that ended
  // because of them, found by one recursive walk over the edges.
  const picked = await s.tx.rows<{ id: string }>(sql`
    with recursive d(id) as (
      select id from plan_tasks
      where id = ${task.id} or (plan_id = ${s.plan.id} and status = 'cancelled' and reason->>'by' = 'fail_fast')
      union
      select t.id from plan_edges e join d on e.from_task = d.id join plan_tasks t on t.id = e.to_task
      where e.type = 'finish_to_start'
        and (t.status = 'upstream_failed' or (t.status = 'cancelled' and t.reason->>'by' = 'fail_fast')))
    update plan_tasks set ${mark(s)}, status = 'blocked', ended_at = null, reason = null
    where id in (select id from d) returning id`);
  const ids = list(picked.map((r) => r.id));
  // A ready dependent that has not started must wait for the re-armed task again (all_done, say).
  await s.tx.rows(sql`
    update plan_tasks t set ${mark(s, sql`t.`)}, status = 'blocked' from plan_edges e
    where e.from_task in (${ids}) and e.type = 'finish_to_start' and e.to_task = t.id and t.status = 'ready'`);
  const reopen = s.plan.status !== "running" && s.plan.status !== "cancelled";
  await s.tx.rows(sql`
    update plans set halted = false, updated_at = ${at}${reopen ? sql`, status = 'running', ended_at = null` : sql``}
    where id = ${s.plan.id}`);
  s.plan = { ...s.plan, halted: false, ...(reopen ? { status: "running" as const, endedAt: null } : {}) };
  await recompute(s);
}

const list = (ids: string[]): SQL =>
  sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );

/**
 * A person skips a task that has not started: it counts as skipped for its dependents' rules. A failed,
 * conflicted or cancelled task is first re-armed as a retry would, so its descendants decide again.
 */
export async function skip(s: Step, task: TaskRow, by: string): Promise<void> {
  let t = task;
  if (["failed", "conflicted", "cancelled"].includes(t.status)) {
    await retry(s, t);
    const rows = await s.tx.rows(sql`select * from plan_tasks where id = ${t.id}`);
    t = taskFromRow(rows[0]!);
  }
  if (t.status === "blocked" || t.status === "ready")
    await end(s, [{ task: t, status: "skipped", reason: { by } }]);
}
