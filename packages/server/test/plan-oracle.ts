import type { Plan } from "@orchestrator/sdk";

/**
 * The oracle of issue 15's property tests: the trigger rules read directly over final states, and a
 * reference interpreter that walks tasks in dependency order. Used against the in-memory model
 * (src/plan/oracle.test.ts) and the SQL scheduler (plan-oracle.test.ts).
 */

export type End = "succeeded" | "failed" | "upstream_failed" | "skipped" | "cancelled" | "conflicted";
export const rules: Plan.TriggerRule[] = [
  "all_success",
  "all_done",
  "none_failed",
  "none_failed_min_one_success",
  "one_success",
  "always",
];

/** The rules by definition, over the prerequisites' final states: the task runs, or ends as decided. */
export function verdict(rule: Plan.TriggerRule, ps: End[]): End | "runs" {
  const good = ps.filter((x) => x === "succeeded").length;
  const skip = ps.filter((x) => x === "skipped").length;
  const bad = ps.length - good - skip; // failed, upstream_failed, cancelled, conflicted
  if (ps.length === 0 || rule === "always" || rule === "all_done") return "runs";
  if (rule === "all_success") return good === ps.length ? "runs" : bad > 0 ? "upstream_failed" : "skipped";
  if (rule === "none_failed") return bad === 0 ? "runs" : "upstream_failed";
  if (rule === "none_failed_min_one_success")
    return bad > 0 ? "upstream_failed" : good > 0 ? "runs" : "skipped";
  return good > 0 ? "runs" : skip === ps.length ? "skipped" : "upstream_failed"; // one_success
}

/** The reference interpreter: tasks in dependency order, each runs (and ends as scripted) or is decided. */
export function oracle(preds: number[][], order: number[], rule: Plan.TriggerRule[], script: End[]): End[] {
  const s: End[] = [];
  for (const v of order) {
    const x = verdict(
      rule[v]!,
      preds[v]!.map((p) => s[p]!),
    );
    s[v] = x === "runs" ? script[v]! : x;
  }
  return s;
}

/** mulberry32: small, seeded, good enough to pick shapes. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
