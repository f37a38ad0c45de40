import { expect } from "vitest";
import { Plan } from "@orchestrator/sdk";
import { decompose, type Result } from "./decompose.ts";

/** For tests: a plan's graph is sound (unique keys, edges between existing tasks, no self or duplicate edge,
 * no cycle) and the draft parses as CreatePlan. */
export function sound(draft: Result["draft"]) {
  const keys = draft.tasks.map((t) => t.key);
  expect(new Set(keys).size).toBe(keys.length);
  const pairs = draft.edges.map((e) => `${e.from}>${e.to}`);
  expect(new Set(pairs).size).toBe(pairs.length);
  const pending = new Map(keys.map((k) => [k, 0]));
  for (const e of draft.edges) {
    expect(keys).toContain(e.from);
    expect(keys).toContain(e.to);
    expect(e.from).not.toBe(e.to);
    pending.set(e.to, pending.get(e.to)! + 1);
  }
  // Kahn: every task comes out once when there is no cycle.
  const ready = keys.filter((k) => pending.get(k) === 0);
  let out = 0;
  while (ready.length) {
    const k = ready.pop()!;
    out++;
    for (const e of draft.edges.filter((x) => x.from === k)) {
      pending.set(e.to, pending.get(e.to)! - 1);
      if (pending.get(e.to) === 0) ready.push(e.to);
    }
  }
  expect(out).toBe(keys.length);
  expect(Plan.CreatePlan.safeParse(draft).error).toBeUndefined();
}

export const rulesOf = (title: string, goal = "") =>
  decompose({ title, goal }).analysis.matched.map((m) => m.name);
export const byKey = (r: Result) => Object.fromEntries(r.draft.tasks.map((t) => [t.key, t]));
export const edgesOf = (r: Result) =>
  r.draft.edges.map((e) => `${e.from} -${e.type === "finish_to_start" ? "FS" : "SS"}-> ${e.to}`);
