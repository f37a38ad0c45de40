import { type Plan, Priority } from "@orchestrator/sdk";
import { type Duration, type Stat, calibrate, pert, schedule } from "./cpm.ts";
import { build } from "./graph.ts";
import type { EdgeRow, PlanRow, TaskRow } from "./store.ts";

/** What a task takes when neither it nor its type has a history: half an hour, give or take. */
export const fallback: Duration = { expected: 30, sigma: 10 };

/** What earlier plans of the tenant taught: a ratio per (type, capability), and minutes per type. */
export interface Learnt {
  stat(type: string, capabilities: string[]): Stat | undefined;
  minutes(type: string): number | undefined;
}

export const nothingLearnt: Learnt = { stat: () => undefined, minutes: () => undefined };

/** A task's duration for the forecast: its estimate calibrated by history, else history, else the fallback. */
export function durationOf(
  t: { estimate: Plan.Estimate | null | undefined; type: string; capabilities: string[] },
  learnt: Learnt,
): Duration & { source: "given" | "learnt" | "default" } {
  if (t.estimate) {
    const stat = learnt.stat(t.type, t.capabilities);
    return { ...pert(stat ? calibrate(t.estimate, stat) : t.estimate), source: "given" };
  }
  const m = learnt.minutes(t.type);
  if (m !== undefined) return { expected: m, sigma: m / 3, source: "learnt" };
  return { ...fallback, source: "default" };
}

export interface Forecast {
  tasks: Plan.Task["forecast"][];
  plan: Plan.View["forecast"];
}

/** CPM over a plan's tasks (in position order) and edges; the edges were validated when the plan was made. */
export function forecast(
  tasks: readonly { key: string; estimate: Plan.Estimate | null; type: string; capabilities: string[] }[],
  edges: readonly { from: string; to: string; type: Plan.EdgeType }[],
  learnt: Learnt,
): Forecast {
  const built = build(tasks, edges);
  if (!built.ok) throw new Error(`a stored plan's graph is invalid: ${built.problems[0]?.message}`);
  const d = tasks.map((t) => durationOf(t, learnt));
  const s = schedule(built.graph, (i) => d[i]!);
  const critical = new Set(s.critical);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    tasks: tasks.map((_, i) => ({
      expected: round(d[i]!.expected),
      sd: round(d[i]!.sigma),
      source: d[i]!.source,
      earliestStart: round(s.es[i]!),
      latestStart: round(s.ls[i]!),
      slack: round(s.slack[i]!),
      critical: critical.has(i),
    })),
    plan: {
      criticalPath: s.critical.map((i) => tasks[i]!.key),
      makespan: round(s.makespan),
      p50: round(s.forecast.p50),
      p90: round(s.forecast.p90),
    },
  };
}

/** What a plan's state allows a person to ask now. */
export function actions(p: PlanRow): Plan.Summary["actions"] {
  if (p.status === "draft") return ["start", "cancel"];
  if (p.status !== "running") return [];
  return p.paused ? ["resume", "cancel"] : ["pause", "cancel"];
}

export function summary(p: PlanRow, counts: Record<string, number>): Plan.Summary {
  const { tenantId: _t, halted: _h, lastSeq: _l, ...rest } = p;
  return { ...rest, counts, actions: actions(p) };
}

export function view(
  p: PlanRow,
  tasks: TaskRow[],
  edges: EdgeRow[],
  learnt: Learnt,
  planner: Plan.View["planner"] = null,
): Plan.View {
  const f = forecast(tasks, edges, learnt);
  const counts: Record<string, number> = {};
  for (const t of tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  return {
    ...summary(p, counts),
    planner,
    halted: p.halted,
    lastSeq: p.lastSeq,
    tasks: tasks.map((t, i) => ({
      id: t.id,
      key: t.key,
      title: t.title,
      prompt: t.prompt,
      type: t.type,
      capabilities: t.capabilities,
      agent: t.agent,
      profile: t.profile,
      priority: Priority.options[t.priority] ?? "medium",
      estimate: t.estimate,
      triggerRule: t.triggerRule,
      maxAttempts: t.maxAttempts,
      writeScope: t.writeScope,
      status: t.status,
      depsPending: t.depsPending,
      attempt: t.attempt,
      sessionId: t.sessionId,
      result: t.result,
      reason: t.reason,
      mergedCommit: t.mergedCommit,
      startedAt: t.startedAt,
      endedAt: t.endedAt,
      forecast: f.tasks[i]!,
    })),
    edges,
    forecast: f.plan,
  };
}
