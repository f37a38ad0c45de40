import type { Plan } from "@orchestrator/sdk";

/**
 * A plan being written in the create dialog: what the inputs hold (estimates as typed text), plus what a
 * decomposition or a pasted graph gave that the editor does not show (type, capabilities…), kept as is.
 */
export interface DraftTask {
  key: string;
  title: string;
  prompt: string;
  agent: string;
  profile: string;
  triggerRule: Plan.TriggerRule;
  estimate: { optimistic: string; likely: string; pessimistic: string };
  rest: Record<string, unknown>;
}
export interface DraftEdge {
  from: string;
  to: string;
  type: Plan.EdgeType;
}
export interface Draft {
  title: string;
  goal: string;
  tasks: DraftTask[];
  edges: DraftEdge[];
  /** A pasted graph's other fields (policy, workspace), sent as they came. */
  rest: Record<string, unknown>;
}

const text = (v: unknown) => (v == null ? "" : String(v));

export function fromInput(input: {
  title?: unknown;
  goal?: unknown;
  tasks?: unknown;
  edges?: unknown;
  [k: string]: unknown;
}): Draft {
  const { title, goal, tasks, edges, start: _start, ...rest } = input;
  return {
    title: text(title),
    goal: text(goal),
    tasks: (Array.isArray(tasks) ? tasks : []).map((t: Record<string, unknown>) => {
      const { key, title, prompt, agent, profile, triggerRule, estimate, ...more } = t ?? {};
      const e = (estimate ?? {}) as Record<string, unknown>;
      return {
        key: text(key),
        title: text(title),
        prompt: text(prompt),
        agent: text(agent),
        profile: text(profile),
        triggerRule: (triggerRule as Plan.TriggerRule) ?? "all_success",
        estimate: {
          optimistic: text(e.optimistic),
          likely: text(e.likely),
          pessimistic: text(e.pessimistic),
        },
        rest: more,
      };
    }),
    edges: (Array.isArray(edges) ? edges : []).map((e: Record<string, unknown>) => ({
      from: text(e?.from),
      to: text(e?.to),
      type: (e?.type as Plan.EdgeType) ?? "finish_to_start",
    })),
    rest,
  };
}

/** The body for POST /api/v1/plans; the server's schema judges it (and names what is wrong). */
export function toCreate(d: Draft, o: { project?: string; start: boolean }): Plan.CreatePlan {
  const num = (s: string) => (s.trim() === "" ? NaN : Number(s));
  return {
    ...d.rest,
    title: d.title,
    ...(d.goal.trim() ? { goal: d.goal } : {}),
    ...(o.project ? { project: o.project } : {}),
    tasks: d.tasks.map((t) => {
      const e = [t.estimate.optimistic, t.estimate.likely, t.estimate.pessimistic].map(num);
      const given = e.some((x) => !Number.isNaN(x));
      return {
        ...t.rest,
        key: t.key,
        title: t.title,
        prompt: t.prompt,
        ...(t.agent.trim() ? { agent: t.agent.trim() } : {}),
        ...(t.profile.trim() ? { profile: t.profile.trim() } : {}),
        triggerRule: t.triggerRule,
        // A partly filled estimate is sent as typed, so the server says which number is missing.
        ...(given ? { estimate: { optimistic: e[0]!, likely: e[1]!, pessimistic: e[2]! } } : {}),
      } as Plan.TaskInput;
    }),
    edges: d.edges.map((e) => ({ from: e.from, to: e.to, type: e.type })),
    start: o.start,
  };
}

export const blankTask = (n: number): DraftTask => ({
  key: `task-${n}`,
  title: "",
  prompt: "",
  agent: "",
  profile: "",
  triggerRule: "all_success",
  estimate: { optimistic: "", likely: "", pessimistic: "" },
  rest: {},
});

/** Rename a task, and the edges that name it. */
export function rename(d: Draft, i: number, key: string): Draft {
  const old = d.tasks[i]!.key;
  return {
    ...d,
    tasks: d.tasks.map((t, j) => (j === i ? { ...t, key } : t)),
    edges: d.edges.map((e) => ({ ...e, from: e.from === old ? key : e.from, to: e.to === old ? key : e.to })),
  };
}

/** A pasted graph, JSON or YAML (YAML's parser loads only when the text is not JSON). */
export async function parsePasted(src: string): Promise<Draft> {
  let doc: unknown;
  try {
    doc = JSON.parse(src);
  } catch {
    const yaml = await import("yaml");
    doc = yaml.parse(src);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw new Error("expected an object with tasks and edges");
  if (!Array.isArray((doc as { tasks?: unknown }).tasks)) throw new Error("expected a list of tasks");
  return fromInput(doc as Record<string, unknown>);
}
