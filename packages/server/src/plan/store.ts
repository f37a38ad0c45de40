import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { type Plan, priorityRank } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { notFound } from "../error.ts";
import { toIso } from "../time.ts";

/** The plan row as the scheduler reads it. */
export interface PlanRow {
  id: string;
  tenantId: string;
  title: string;
  goal: string | null;
  status: Plan.PlanStatus;
  paused: boolean;
  halted: boolean;
  projectId: string | null;
  workspace: { repo: string; ref?: string } | null;
  policy: Plan.Policy;
  source: "graph" | "heuristics" | "planner";
  baseCommit: string | null;
  integrationBranch: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** The seq of the plan's latest log entry (events.ts). */
  lastSeq: number;
}

export interface TaskRow {
  id: string;
  planId: string;
  key: string;
  position: number;
  title: string;
  prompt: string;
  type: string;
  capabilities: string[];
  agent: string | null;
  profile: string | null;
  priority: number;
  estimate: Plan.Estimate | null;
  triggerRule: Plan.TriggerRule;
  maxAttempts: number;
  writeScope: string[] | null;
  status: Plan.TaskStatus;
  depsPending: number;
  attempt: number;
  sessionId: string | null;
  result: unknown;
  reason: unknown;
  mergedCommit: string | null;
  slack: number | null;
  startedAt: string | null;
  endedAt: string | null;
}

export interface EdgeRow {
  from: string;
  to: string;
  type: Plan.EdgeType;
}

export function planFromRow(r: Record<string, unknown>): PlanRow {
  return {
    id: String(r.id),
    tenantId: String(r.tenant_id),
    title: String(r.title),
    goal: (r.goal as string | null) ?? null,
    status: r.status as Plan.PlanStatus,
    paused: Boolean(r.paused),
    halted: Boolean(r.halted),
    projectId: (r.project_id as string | null) ?? null,
    workspace: (r.workspace as PlanRow["workspace"]) ?? null,
    policy: r.policy as Plan.Policy,
    source: r.source as PlanRow["source"],
    baseCommit: (r.base_commit as string | null) ?? null,
    integrationBranch: (r.integration_branch as string | null) ?? null,
    createdBy: String(r.created_by),
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
    startedAt: toIso(r.started_at),
    endedAt: toIso(r.ended_at),
    lastSeq: Number(r.last_seq ?? 0),
  };
}

export function taskFromRow(r: Record<string, unknown>): TaskRow {
  return {
    id: String(r.id),
    planId: String(r.plan_id),
    key: String(r.key),
    position: Number(r.position),
    title: String(r.title),
    prompt: String(r.prompt),
    type: String(r.type),
    capabilities: (r.capabilities as string[]) ?? [],
    agent: (r.agent as string | null) ?? null,
    profile: (r.profile as string | null) ?? null,
    priority: Number(r.priority),
    estimate: (r.estimate as Plan.Estimate | null) ?? null,
    triggerRule: r.trigger_rule as Plan.TriggerRule,
    maxAttempts: Number(r.max_attempts),
    writeScope: (r.write_scope as string[] | null) ?? null,
    status: r.status as Plan.TaskStatus,
    depsPending: Number(r.deps_pending),
    attempt: Number(r.attempt),
    sessionId: (r.session_id as string | null) ?? null,
    result: r.result ?? null,
    reason: r.reason ?? null,
    mergedCommit: (r.merged_commit as string | null) ?? null,
    slack: r.slack === null || r.slack === undefined ? null : Number(r.slack),
    startedAt: toIso(r.started_at),
    endedAt: toIso(r.ended_at),
  };
}

export interface Target {
  projectId: string | null;
  workspace: { repo: string; ref?: string | undefined } | null;
}

/**
 * Write a validated draft: the plan, its tasks and edges in three statements however many tasks there
 * are (each batch goes in as one JSON parameter, expanded by `jsonb_to_recordset`), so a 1,000-task plan
 * costs three round trips, not 4,000.
 */
export async function insert(
  q: Q,
  tenantId: string,
  draft: Plan.PlanDraft,
  opts: { by: string; source: PlanRow["source"]; target: Target; now: Date },
): Promise<string> {
  const id = randomUUID();
  const at = opts.now.toISOString();
  await q.rows(sql`
    insert into plans (id, tenant_id, title, goal, status, project_id, workspace, policy, created_by, source, created_at, updated_at)
    values (${id}, ${tenantId}, ${draft.title}, ${draft.goal ?? null}, 'draft', ${opts.target.projectId},
      ${json(opts.target.workspace)}::jsonb, ${json(draft.policy)}::jsonb, ${opts.by}, ${opts.source}, ${at}, ${at})`);
  await insertGraph(q, tenantId, id, draft);
  return id;
}

/** Replace a draft's content (its id, author and age stay). */
export async function rewrite(
  q: Q,
  tenantId: string,
  id: string,
  draft: Plan.PlanDraft,
  target: Target,
  now: Date,
) {
  await q.rows(sql`delete from plan_edges where plan_id = ${id}`);
  await q.rows(sql`delete from plan_tasks where plan_id = ${id}`);
  await q.rows(sql`
    update plans set title = ${draft.title}, goal = ${draft.goal ?? null}, policy = ${json(draft.policy)}::jsonb,
      project_id = ${target.projectId}, workspace = ${json(target.workspace)}::jsonb, updated_at = ${now.toISOString()}
    where id = ${id}`);
  await insertGraph(q, tenantId, id, draft);
}

export async function insertGraph(
  q: Q,
  tenantId: string,
  id: string,
  draft: Pick<Plan.PlanDraft, "tasks" | "edges">,
  first = 0,
): Promise<void> {
  const ids = new Map(draft.tasks.map((t) => [t.key, randomUUID()]));
  const pending = new Map<string, number>();
  for (const e of draft.edges)
    if (e.type === "finish_to_start") pending.set(e.to, (pending.get(e.to) ?? 0) + 1);
  const tasks = draft.tasks.map((t, i) => ({
    id: ids.get(t.key),
    key: t.key,
    position: first + i,
    title: t.title,
    prompt: t.prompt,
    type: t.type,
    capabilities: t.capabilities,
    agent: t.agent ?? null,
    profile: t.profile ?? null,
    priority: priorityRank[t.priority],
    estimate: t.estimate ?? null,
    trigger_rule: t.triggerRule,
    max_attempts: t.maxAttempts,
    write_scope: t.writeScope ?? null,
    deps_pending: pending.get(t.key) ?? 0,
  }));
  // jsonb_to_recordset turns a JSON array into rows typed by the column list: one statement for all.
  await q.rows(sql`
    insert into plan_tasks (id, plan_id, tenant_id, key, position, title, prompt, type, capabilities, agent, profile,
      priority, estimate, trigger_rule, max_attempts, write_scope, status, deps_pending)
    select x.id, ${id}, ${tenantId}, x.key, x.position, x.title, x.prompt, x.type,
      array(select jsonb_array_elements_text(x.capabilities)), x.agent, x.profile, x.priority, x.estimate,
      x.trigger_rule, x.max_attempts,
      case when x.write_scope is null then null else array(select jsonb_array_elements_text(x.write_scope)) end,
      'blocked', x.deps_pending
    from jsonb_to_recordset(${JSON.stringify(tasks)}::jsonb) as x(id uuid, key text, position int, title text,
      prompt text, type text, capabilities jsonb, agent text, profile text, priority smallint, estimate jsonb,
      trigger_rule text, max_attempts int, write_scope jsonb, deps_pending int)`);
  if (draft.edges.length) {
    const edges = draft.edges.map((e) => ({ f: ids.get(e.from), t: ids.get(e.to), type: e.type }));
    await q.rows(sql`
      insert into plan_edges (plan_id, from_task, to_task, type)
      select ${id}, x.f, x.t, x.type from jsonb_to_recordset(${JSON.stringify(edges)}::jsonb) as x(f uuid, t uuid, type text)`);
  }
}

export async function getPlan(q: Q, tenantId: string, id: string, lock = false): Promise<PlanRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound("plan", id);
  const rows = await q.rows(sql`
    select * from plans where id = ${id} and tenant_id = ${tenantId} and deleted_at is null${lock ? sql` for update` : sql``}`);
  if (!rows[0]) throw notFound("plan", id);
  return planFromRow(rows[0]);
}

/**
 * Begin a scheduling step: lock the plan's row and count the step, in one statement. The count numbers
 * the step (the stamp of what it changes: run.ts `mark`).
 */
export async function lockForStep(q: Q, tenantId: string, id: string): Promise<{ plan: PlanRow; n: number }> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound("plan", id);
  const rows = await q.rows(sql`
    update plans set steps = steps + 1 where id = ${id} and tenant_id = ${tenantId} and deleted_at is null
    returning *`);
  if (!rows[0]) throw notFound("plan", id);
  return { plan: planFromRow(rows[0]), n: Number(rows[0].steps) };
}

export async function tasksOf(q: Q, planId: string): Promise<TaskRow[]> {
  const rows = await q.rows(sql`select * from plan_tasks where plan_id = ${planId} order by position`);
  return rows.map(taskFromRow);
}

/** Edges by key, in one join: what views and the in-memory graph need. */
export async function edgesOf(q: Q, planId: string): Promise<EdgeRow[]> {
  const rows = await q.rows<{ f: string; t: string; type: Plan.EdgeType }>(sql`
    select a.key as f, b.key as t, e.type from plan_edges e
      join plan_tasks a on a.id = e.from_task join plan_tasks b on b.id = e.to_task
    where e.plan_id = ${planId} order by a.position, b.position`);
  return rows.map((r) => ({ from: r.f, to: r.t, type: r.type }));
}

/** Tasks per state, for every plan in `ids` (the list view's counts). */
export async function counts(q: Q, ids: string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>(ids.map((id) => [id, {}]));
  if (!ids.length) return out;
  const rows = await q.rows<{ plan_id: string; status: string; n: number }>(sql`
    select plan_id, status, count(*)::int as n from plan_tasks
    where plan_id in (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )}) group by plan_id, status`);
  for (const r of rows) out.get(r.plan_id)![r.status] = Number(r.n);
  return out;
}

export const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
