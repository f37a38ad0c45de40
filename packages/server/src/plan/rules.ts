import type { Plan } from "@orchestrator/sdk";

/**
 * Trigger rules, as Airflow defines them, decided from how many finish_to_start prerequisites ended in each
 * state so far. Source: apache/airflow `airflow/ti_deps/deps/trigger_rule_dep.py`
 * (`_evaluate_direct_relatives`, the branch `dep_context.flag_upstream_failed`, which is how its scheduler
 * runs it) and the "Trigger Rules" section of the DAG concepts docs. What each rule decides:
 *
 * - all_success: ready when every prerequisite succeeded; upstream_failed at the first failure; skipped when
 *   all ended with no failure and at least one skipped (a skip cascades, as in Airflow).
 * - all_done: ready when every prerequisite ended, whatever its state. Never skipped nor failed by its
 *   prerequisites.
 * - none_failed: upstream_failed at the first failure; ready when all ended succeeded or skipped, also
 *   when ALL were skipped: it does not cascade skips (AIRFLOW-4453, apache/airflow#7098).
 * - none_failed_min_one_success: upstream_failed at the first failure; skipped when all ended skipped;
 *   ready when all ended with no failure and at least one success.
 * - one_success: ready at the first success, without waiting for the others; when all ended with no
 *   success, skipped if all were skipped, else upstream_failed.
 * - always: ready at once, whatever its prerequisites: in Airflow "always" means the edges do not gate the
 *   task at all (the dep passes before any state is counted), not "after all ended" (that is all_done).
 *
 * A task with no prerequisite is ready under every rule (Airflow passes a task without upstream at once).
 *
 * Our states beyond Airflow's fail closed: cancelled and conflicted count as failed, so a dependent of a
 * cancelled or conflicted task never runs as if it had succeeded.
 *
 * One deliberate difference: Airflow's all_success marks a task skipped at the first skipped upstream even
 * if another is still running and later fails. Here a failure wins over a skip and skipped waits for all
 * prerequisites to end, so the end state depends only on the prerequisites' end states, never on the order
 * they ended in (the oracle test relies on it, and a re-run of the same outcomes gives the same plan).
 * Every other early decision is already order-independent: a failure is final for the rules that refuse
 * failures, a success is final for one_success.
 */

export type Decision = "wait" | "ready" | "skipped" | "upstream_failed";

/** How many prerequisites ended in each state so far. */
export interface Counts {
  succeeded: number;
  failed: number;
  upstream_failed: number;
  skipped: number;
  cancelled: number;
  conflicted: number;
}

export const none = (): Counts => ({
  succeeded: 0,
  failed: 0,
  upstream_failed: 0,
  skipped: 0,
  cancelled: 0,
  conflicted: 0,
});

/** `total` is the number of finish_to_start prerequisites; `c` counts those that ended. */
export function decide(rule: Plan.TriggerRule, c: Counts, total: number): Decision {
  if (total === 0 || rule === "always") return "ready";
  const failed = c.failed + c.cancelled + c.conflicted + c.upstream_failed;
  const ended = failed + c.succeeded + c.skipped;
  const all = ended >= total;
  switch (rule) {
    case "all_success":
      if (failed > 0) return "upstream_failed";
      if (!all) return "wait";
      return c.skipped > 0 ? "skipped" : "ready";
    case "all_done":
      return all ? "ready" : "wait";
    case "none_failed":
      if (failed > 0) return "upstream_failed";
      return all ? "ready" : "wait";
    case "none_failed_min_one_success":
      if (failed > 0) return "upstream_failed";
      if (!all) return "wait";
      return c.succeeded > 0 ? "ready" : "skipped";
    case "one_success":
      if (c.succeeded > 0) return "ready";
      if (!all) return "wait";
      return c.skipped === ended ? "skipped" : "upstream_failed";
  }
}
