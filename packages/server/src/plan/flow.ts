import type { Plan } from "@orchestrator/sdk";
import { type Graph } from "./graph.ts";
import { type Counts, decide, none } from "./rules.ts";

/**
 * The scheduler's model, in memory: the algorithm the server runs in SQL inside each terminal transition's
 * transaction, and the start-up reconciler's logic. Per task it keeps how many finish_to_start
 * prerequisites have not ended (`pending`) and how many ended in each state (`counts`). When a task ends,
 * each dependent's counts move and its trigger rule is decided again (O(out-degree)); a dependent that can
 * no longer run (skipped, upstream_failed) ends too, breadth-first, in the same step. Nothing polls.
 *
 * The functions mutate the flow they are given, as the SQL updates rows, and return the transitions in the
 * order they happened (what the server writes to the event log).
 */

export type Status = Plan.TaskStatus;
export type End = "succeeded" | "failed" | "upstream_failed" | "skipped" | "cancelled" | "conflicted";

export interface Flow {
  graph: Graph;
  rules: readonly Plan.TriggerRule[];
  failFast: boolean;
  status: Status[];
  pending: Int32Array;
  counts: Counts[];
  /** Tasks that may start, in the order they became ready: their age, for dispatch. */
  ready: Set<number>;
  running: number;
  /** failFast saw a failure: nothing new starts; when nothing runs, the rest is cancelled. */
  halted: boolean;
  /** 1 for a task cancelled by fail-fast, not by a person: a retry re-arms it. */
  stopped: Uint8Array;
}

export interface Change {
  task: number;
  from: Status;
  to: Status;
}

export interface Options {
  failFast: boolean;
  /** For `recompute`, as stored: fail-fast has halted the plan (set by a failure, cleared by a retry). */
  halted?: boolean;
  /** For `recompute`, as stored with each task: fail-fast cancelled it (not a person). */
  stopped?: ArrayLike<number | boolean>;
}

const ended = (s: Status): s is End => s !== "blocked" && s !== "ready" && s !== "running";
/** Fail-fast stops at a task's own failure; upstream_failed and cancelled are consequences, not causes. */
const halts = (s: Status) => s === "failed" || s === "conflicted";

/** A new plan: every task blocked, then decided (tasks without prerequisites and `always` tasks are ready). */
export function start(graph: Graph, rules: readonly Plan.TriggerRule[], o: Options) {
  return recompute(graph, rules, new Array<Status>(graph.keys.length).fill("blocked"), o);
}

/**
 * The reconciler: from the edges and the tasks' current states, recompute every count and decide every task
 * that has not started, as if each prerequisite's end had just been applied. A task left blocked although its
 * prerequisites allow it to run (a transaction lost, an edge added) becomes ready; a ready one whose rule no
 * longer holds goes back to blocked. Running and ended tasks keep their state.
 */
export function recompute(
  graph: Graph,
  rules: readonly Plan.TriggerRule[],
  status: readonly Status[],
  o: Options,
) {
  const n = graph.keys.length;
  const f: Flow = {
    graph,
    rules,
    failFast: o.failFast,
    status: [...status],
    pending: new Int32Array(n),
    counts: Array.from({ length: n }, none),
    ready: new Set(),
    running: 0,
    halted: o.failFast && !!o.halted,
    stopped: new Uint8Array(n),
  };
  for (let v = 0; v < n; v++) {
    const s = f.status[v]!;
    if (s === "running") f.running++;
    if (s === "cancelled" && o.stopped?.[v]) f.stopped[v] = 1;
    for (let j = graph.predStart[v]!; j < graph.predStart[v + 1]!; j++) {
      const p = f.status[graph.pred[j]!]!;
      if (ended(p)) f.counts[v]![p]++;
      else f.pending[v]!++;
    }
  }
  const changes: Change[] = [];
  for (const v of graph.order) {
    const s = f.status[v]!;
    if (s === "ready") f.status[v] = "blocked"; // decided again below
    if (s === "ready" || s === "blocked") arm(f, v, s, changes);
  }
  stop(f, changes);
  return { flow: f, changes };
}

/** The tasks a dispatcher may start now: none after a fail-fast failure. */
export const startable = (f: Flow): number[] => (f.halted ? [] : [...f.ready]);

export function begin(f: Flow, v: number): Change[] {
  if (f.status[v] !== "ready") throw new Error(`task ${f.graph.keys[v]} is ${f.status[v]}, not ready`);
  if (f.halted) throw new Error(`task ${f.graph.keys[v]} cannot start: the plan stopped at a failure`);
  f.ready.delete(v);
  f.status[v] = "running";
  f.running++;
  return [{ task: v, from: "ready", to: "running" }];
}

/**
 * A task ends: a running task with its outcome, or a blocked or ready one that a person skips or cancels.
 * Its dependents are decided again, cascading; then fail-fast is applied.
 */
export function end(f: Flow, v: number, to: Exclude<End, "upstream_failed">): Change[] {
  const from = f.status[v]!;
  if (from !== "running" && !(to === "skipped" || to === "cancelled"))
    throw new Error(`task ${f.graph.keys[v]} is ${from}: only a running task ends ${to}`);
  if (ended(from)) throw new Error(`task ${f.graph.keys[v]} already ended ${from}`);
  const changes: Change[] = [];
  settle(f, v, to, changes);
  if (f.failFast && halts(to)) f.halted = true;
  stop(f, changes);
  return changes;
}

/**
 * Ends v and, breadth-first, every dependent that can no longer run; dependents whose rule now holds become
 * ready. Counts move for every dependent, even running or ended ones, so a later retry finds them exact.
 */
function settle(f: Flow, v: number, to: End, changes: Change[]) {
  const queue = [v];
  end1(f, v, to, changes);
  for (let k = 0; k < queue.length; k++) {
    const u = queue[k]!;
    const s = f.status[u] as End;
    const g = f.graph;
    for (let j = g.succStart[u]!; j < g.succStart[u + 1]!; j++) {
      const d = g.succ[j]!;
      f.counts[d]![s]++;
      f.pending[d]!--;
      if (f.status[d] !== "blocked") continue; // ready stays ready: ends only add certainty
      const x = decide(f.rules[d]!, f.counts[d]!, degree(g, d));
      if (x === "ready") ready(f, d, "blocked", changes);
      else if (x !== "wait") {
        end1(f, d, x, changes);
        queue.push(d);
      }
    }
  }
}

function end1(f: Flow, v: number, to: End, changes: Change[]) {
  const from = f.status[v]!;
  if (from === "running") f.running--;
  if (from === "ready") f.ready.delete(v);
  f.status[v] = to;
  changes.push({ task: v, from, to });
}

function ready(f: Flow, v: number, from: Status, changes: Change[]) {
  f.status[v] = "ready";
  f.ready.add(v);
  if (from !== "ready") changes.push({ task: v, from, to: "ready" });
}

/** finish_to_start prerequisites: the `total` the rules decide against. */
const degree = (g: Graph, v: number) => g.predStart[v + 1]! - g.predStart[v]!;

/** Decides a blocked task from its counts: ready, still blocked, or ended with a cascade. */
function arm(f: Flow, v: number, was: Status, changes: Change[]) {
  const x = decide(f.rules[v]!, f.counts[v]!, degree(f.graph, v));
  if (x === "ready") ready(f, v, was, changes);
  else if (x === "wait") {
    if (was !== "blocked") changes.push({ task: v, from: was, to: "blocked" });
  } else {
    f.status[v] = was; // so the change reads from the state the task was really in
    settle(f, v, x, changes);
  }
}

/** Fail-fast: once halted and nothing runs any more, every task that never started ends cancelled. */
function stop(f: Flow, changes: Change[]) {
  if (!f.halted || f.running > 0) return;
  const g = f.graph;
  for (const v of g.order) {
    const s = f.status[v]!;
    if (s !== "blocked" && s !== "ready") continue;
    end1(f, v, "cancelled", changes);
    f.stopped[v] = 1;
    // Counts only: every dependent not yet ended is being cancelled in this same pass.
    for (let j = g.succStart[v]!; j < g.succStart[v + 1]!; j++) {
      f.counts[g.succ[j]!]!.cancelled++;
      f.pending[g.succ[j]!]!--;
    }
  }
}

/**
 * A person retries a failed, conflicted or cancelled task. It is re-armed (ready, or blocked when its
 * prerequisites do not allow it yet), and so are the tasks that ended because of it: its upstream_failed
 * descendants, and every task fail-fast cancelled. The retry lifts fail-fast's halt, so the plan goes on as
 * if the failure had not happened (tasks of independent branches that fail-fast stopped run too, else the
 * plan could never succeed after the fix); fail-fast arms again at the next failure. Re-armed tasks are
 * decided again from recomputed counts, so one that still has another failed prerequisite ends
 * upstream_failed again.
 */
export function retry(f: Flow, v: number): Change[] {
  const s = f.status[v]!;
  if (s !== "failed" && s !== "conflicted" && s !== "cancelled")
    throw new Error(
      `task ${f.graph.keys[v]} is ${s}: only a failed, conflicted or cancelled task is retried`,
    );
  const g = f.graph;
  const n = g.keys.length;
  const pick = new Uint8Array(n);
  const queue = [v];
  pick[v] = 1;
  for (let u = 0; u < n; u++) {
    if (!f.stopped[u] || pick[u]) continue;
    pick[u] = 1;
    queue.push(u);
  }
  for (let k = 0; k < queue.length; k++) {
    const u = queue[k]!;
    for (let j = g.succStart[u]!; j < g.succStart[u + 1]!; j++) {
      const d = g.succ[j]!;
      if (pick[d] || (f.status[d] !== "upstream_failed" && !f.stopped[d])) continue;
      pick[d] = 1;
      queue.push(d);
    }
  }
  const changes: Change[] = [];
  const was = new Map<number, Status>();
  // Undo the picked tasks' ends in their dependents' counts first, then decide them in dependency order.
  for (const u of queue) {
    const from = f.status[u] as End;
    was.set(u, from);
    for (let j = g.succStart[u]!; j < g.succStart[u + 1]!; j++) {
      f.counts[g.succ[j]!]![from]--;
      f.pending[g.succ[j]!]!++;
    }
    f.status[u] = "blocked";
    f.stopped[u] = 0;
  }
  f.halted = false;
  for (const u of queue)
    for (let j = g.succStart[u]!; j < g.succStart[u + 1]!; j++) {
      const d = g.succ[j]!;
      if (pick[d] || f.status[d] !== "ready") continue;
      // A ready dependent outside the retry whose rule needs the retried task again (all_done) waits.
      f.status[d] = "blocked";
      f.ready.delete(d);
      arm(f, d, "ready", changes);
    }
  for (const u of g.order) if (pick[u] && f.status[u] === "blocked") arm(f, u, was.get(u)!, changes);
  // A cascade can reach a re-armed task before its own turn: its change then reads from its old state.
  const seen = new Set<number>();
  for (const c of changes) {
    if (!pick[c.task] || seen.has(c.task)) continue;
    seen.add(c.task);
    if (c.from === "blocked") c.from = was.get(c.task)!;
  }
  stop(f, changes);
  // A re-armed task that ends as it was (upstream_failed again) did not change.
  return changes.filter((c) => c.from !== c.to);
}
