import { sql } from "drizzle-orm";
import { Create, type Plan } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import * as Opencode from "../agent/opencode/name.ts";
import * as Agents from "../registry/store.ts";
import type { Row } from "../session/row.ts";
import * as Submit from "../session/submit.ts";
import * as Events from "./events.ts";
import * as Planner from "./planner.ts";
import type * as Run from "./run.ts";
import { type PlanRow, insertGraph } from "./store.ts";

/** What a planning session carries in its metadata: its attempt, and what to do with a valid answer. */
export interface Ask {
  plannerAttempt: number;
  title: string;
  goal: string;
  agent?: string;
  profile?: string;
  start: boolean;
}

export type PlannerLauncher = (tx: Q, plan: PlanRow, ask: Ask, prompt: string) => Promise<string>;

/** A planning session of the plan: type `planning`, on the plan's repository when its agent works in one. */
export function launcher(ctx: Submit.Ctx): PlannerLauncher {
  return async (tx, plan, ask, prompt) => {
    const input = Create.parse({
      title: `Plan: ${ask.title}`.slice(0, 200),
      prompt,
      type: "planning",
      ...(ask.agent ? { agent: ask.agent } : {}),
      ...(ask.profile ? { profile: ask.profile } : {}),
      maxAttempts: 2,
      tags: ["plan", "planner"],
      metadata: { ...ask },
    });
    const pinned =
      ask.agent && !Opencode.isKind(ask.agent) ? await Agents.byName(tx, plan.tenantId, ask.agent) : null;
    const inRepo = !pinned || pinned.capabilities.includes("workspace");
    const workspace = inRepo && plan.workspace ? plan.workspace : undefined;
    const spec = await Submit.resolve(ctx, plan.tenantId, input, tx, {
      workspace,
      projectId: plan.projectId,
    });
    const row = await Submit.create({ db: tx, now: () => ctx.clock.now() }, plan.tenantId, {
      ...spec,
      task: { planId: plan.id, taskId: null, attempt: null },
    });
    return row.id;
  };
}

/**
 * A planning session ended, in its transaction (the plan locked): a valid answer becomes the draft's
 * graph (and the plan starts, if asked, after the commit); an invalid one goes back once with its errors;
 * then the plan fails with them.
 */
export async function ended(
  s: Run.Step,
  row: Row,
  launch: PlannerLauncher,
): Promise<{ start: boolean } | null> {
  const ask = row.metadata as unknown as Ask;
  const latest = await s.tx.rows(sql`
    select id from sessions where plan_id = ${s.plan.id} and task_id is null order by created_at desc limit 1`);
  // Only the latest planning session of a draft still waiting for its graph decides anything.
  if (s.plan.status !== "draft" || latest[0]?.id !== row.id) return null;
  const text =
    typeof (row.result as { text?: unknown } | null)?.text === "string"
      ? String((row.result as { text: string }).text)
      : "";
  const parsed =
    row.status === "completed"
      ? Planner.parse(text)
      : {
          ok: false as const,
          errors: [`the planning session ended ${row.status}: ${row.error?.message ?? "no answer"}`],
        };
  if (parsed.ok) {
    // Parsed by the same task and edge schemas as a posted graph, defaults applied.
    const draft = { tasks: parsed.graph.tasks, edges: parsed.graph.edges };
    await insertGraph(s.tx, s.plan.tenantId, s.plan.id, draft);
    await Events.append(s.tx, s.plan.tenantId, s.plan.id, s.now, [
      {
        type: "plan.planned",
        data: { tasks: draft.tasks.length, edges: draft.edges.length, sessionId: row.id },
      },
    ]);
    return { start: ask.start };
  }
  const attempt = Number(ask.plannerAttempt) || 1;
  await Events.append(s.tx, s.plan.tenantId, s.plan.id, s.now, [
    { type: "plan.refused", data: { sessionId: row.id, attempt, errors: parsed.errors.slice(0, 50) } },
  ]);
  if (row.status === "completed" && attempt < Planner.maxAttempts) {
    const next = { ...ask, plannerAttempt: attempt + 1 };
    await launch(
      s.tx,
      s.plan,
      next,
      Planner.prompt(ask.title, ask.goal, { answer: text, errors: parsed.errors }),
    );
    return null;
  }
  await s.tx.rows(sql`
    update plans set status = 'failed', ended_at = ${s.now.toISOString()}, updated_at = ${s.now.toISOString()}
    where id = ${s.plan.id}`);
  s.plan = { ...s.plan, status: "failed" };
  return null;
}

/** The newest planning session of a plan, for its view. */
export async function latest(q: Q, planId: string): Promise<Plan.View["planner"]> {
  const rows = await q.rows<{ id: string; status: string; metadata: { plannerAttempt?: number } }>(sql`
    select id, status, metadata from sessions where plan_id = ${planId} and task_id is null
    order by created_at desc limit 1`);
  const r = rows[0];
  return r ? { sessionId: r.id, attempt: Number(r.metadata?.plannerAttempt ?? 1), status: r.status } : null;
}
