import type { Plan } from "@orchestrator/sdk";
import { describe, expect, test } from "vitest";
import { build } from "./graph.ts";
import { type Change, type Status, begin, end, recompute, retry, start, startable } from "./flow.ts";
import { type End, oracle, prng, rules, verdict } from "../../test/plan-oracle.ts";

/**
 * The oracle property test (issue 15): random DAGs of up to 200 tasks, a random trigger rule per task, a
 * random scripted outcome per task that runs, random start and completion order, fail-fast on and off, run
 * through flow.ts and compared with `oracle`, a direct reading of the rules over final states.
 *
 * What is compared:
 * - fail-fast off: every task's final state equals the oracle's;
 * - fail-fast on: the tasks fail-fast did not cancel equal the oracle (a task that began did so because its
 *   prerequisites had really ended as the oracle says; a task decided skipped or upstream_failed was decided
 *   from really ended ones); the tasks it cancelled never began, and there is one only after a failure;
 *   after the first failure (failed, conflicted) nothing begins;
 * - in both: every task began with its rule satisfied by its prerequisites' states at that moment, and the
 *   run ends with every task ended;
 * - then every failed, conflicted or cancelled task is retried until none is left (scripted to succeed the
 *   second time, some of them in the middle of a run): the final states equal the oracle's for the new
 *   script, with fail-fast on or off.
 */

/** Whether a task may begin now, by definition, from its prerequisites' current states. */
function allowed(rule: Plan.TriggerRule, ps: Status[]): boolean {
  const done = ps.every((x) => x !== "blocked" && x !== "ready" && x !== "running");
  const good = ps.some((x) => x === "succeeded");
  const clean = ps.every((x) => x === "succeeded" || x === "skipped");
  if (ps.length === 0 || rule === "always") return true;
  if (rule === "all_success") return ps.every((x) => x === "succeeded");
  if (rule === "all_done") return done;
  if (rule === "none_failed") return clean;
  if (rule === "none_failed_min_one_success") return clean && good;
  return good; // one_success
}

/** Whether the rule can no longer let the task run, whatever the prerequisites still running do. */
function doomed(rule: Plan.TriggerRule, ps: Status[]): boolean {
  const failure = ps.some(
    (x) => x === "failed" || x === "upstream_failed" || x === "cancelled" || x === "conflicted",
  );
  return (
    failure && (rule === "all_success" || rule === "none_failed" || rule === "none_failed_min_one_success")
  );
}

/**
 * One random plan through the flow, compared with the oracle; throws naming the seed. `seen` collects what
 * it exercised: `rule<state` (a prerequisite's end met), `rule=state` (the task's own end).
 */
function check(seed: number, failFast: boolean, seen?: Set<string>): void {
  const rnd = prng(seed);
  const int = (k: number) => Math.floor(rnd() * k);
  const n = 1 + int(200);
  // Tasks are listed in a random order; `order` (a random permutation) is the order edges respect.
  const order = Array.from({ length: n }, (_, i) => i).sort(() => rnd() - 0.5);
  const preds: number[][] = Array.from({ length: n }, () => []);
  const edges: { from: string; to: string }[] = [];
  const fanIn = [0, 1, 2, 3, 6][int(5)]!;
  for (let k = 1; k < n; k++) {
    const v = order[k]!;
    const m = int(fanIn + 1);
    for (let e = 0; e < m; e++) {
      const p = order[int(k)]!;
      if (preds[v]!.includes(p)) continue;
      preds[v]!.push(p);
      edges.push({ from: `t${p}`, to: `t${v}` });
    }
  }
  const rule = Array.from({ length: n }, () => rules[int(rules.length)]!);
  const script = Array.from({ length: n }, (): End => {
    const x = rnd();
    return x < 0.65
      ? "succeeded"
      : x < 0.8
        ? "failed"
        : x < 0.9
          ? "skipped"
          : x < 0.95
            ? "conflicted"
            : "cancelled";
  });
  const b = build(
    Array.from({ length: n }, (_, i) => ({ key: `t${i}` })),
    edges,
  );
  if (!b.ok) throw new Error(`seed ${seed}: a random DAG was refused: ${JSON.stringify(b.problems)}`);
  let f = start(b.graph, rule, { failFast }).flow;
  const fail = (msg: string) => new Error(`seed ${seed}, failFast ${failFast}, ${n} tasks: ${msg}`);
  const about = (v: number) =>
    `t${v} (${rule[v]}, prerequisites ${preds[v]!.map((p) => `t${p}=${f.status[p]}`).join(" ") || "none"})`;
  const began = new Uint8Array(n);
  const running: number[] = [];
  let failed = false; // a failure seen under fail-fast since the last retry

  const step = (retries: boolean) => {
    if (failFast && failed && startable(f).length > 0) throw fail("a task is startable after a failure");
    for (const v of startable(f)) {
      if (running.length > 0 && rnd() < 0.4) continue; // start some now, others later
      if (
        !allowed(
          rule[v]!,
          preds[v]!.map((p) => f.status[p]!),
        )
      )
        throw fail(`${about(v)} began too early`);
      begin(f, v);
      began[v] = 1;
      running.push(v);
    }
    if (retries && rnd() < 0.05) retryOne();
    if (rnd() < 0.03) reconcile();
    if (running.length === 0) return startable(f).length > 0; // a retry just now may have armed some
    const v = running.splice(int(running.length), 1)[0]!;
    promptly(end(f, v, script[v] as Exclude<End, "upstream_failed">));
    if (failFast && (script[v] === "failed" || script[v] === "conflicted")) failed = true;
    return true;
  };
  // Decided as soon as it is certain: no dependent of a task that just changed stays blocked when its rule
  // already lets it run, or when a failure already rules it out.
  const succs: number[][] = Array.from({ length: n }, () => []);
  preds.forEach((ps, v) => ps.forEach((p) => succs[p]!.push(v)));
  const promptly = (changes: Change[]) => {
    for (const c of changes)
      for (const d of succs[c.task]!) {
        if (f.status[d] !== "blocked") continue;
        const ps = preds[d]!.map((p) => f.status[p]!);
        if (allowed(rule[d]!, ps) || doomed(rule[d]!, ps)) throw fail(`${about(d)} is still blocked`);
      }
  };
  // A restart after lost transactions: every decision not backed by a run (ready, skipped, upstream_failed)
  // is forgotten, and the reconciler must find them again from the edges and the states that remain.
  const reconcile = () => {
    const lost = f.status.map((s, v): Status =>
      s === "ready" || s === "upstream_failed" || (s === "skipped" && !began[v]) ? "blocked" : s,
    );
    f = recompute(b.graph, rule, lost, { failFast, halted: f.halted, stopped: f.stopped }).flow;
    promptly(order.map((v) => ({ task: v, from: f.status[v]!, to: f.status[v]! })));
  };
  const retryOne = () => {
    // Only tasks that ran and failed: those fail-fast cancelled must come back with the first retry.
    const bad = f.status.flatMap((s, v) =>
      s === "failed" || s === "conflicted" || (s === "cancelled" && began[v]) ? [v] : [],
    );
    if (bad.length === 0) return false;
    const v = bad[int(bad.length)]!;
    script[v] = "succeeded";
    promptly(retry(f, v));
    failed = false;
    return true;
  };
  const settled = (when: string) => {
    for (let v = 0; v < n; v++)
      if (
        !["succeeded", "failed", "upstream_failed", "skipped", "cancelled", "conflicted"].includes(
          f.status[v]!,
        )
      )
        throw fail(`${when}: ${about(v)} is left ${f.status[v]}`);
  };
  const compare = (want: End[], skip: (v: number) => boolean) => {
    for (const v of order)
      if (!skip(v) && f.status[v] !== want[v])
        throw fail(`${about(v)} ended ${f.status[v]}, the oracle says ${want[v]}`);
  };

  while (step(false));
  settled("first run");
  for (let v = 0; v < n; v++) {
    if (preds[v]!.length === 0) continue;
    seen?.add(`${rule[v]}=${f.status[v]}`);
    for (const p of preds[v]!) seen?.add(`${rule[v]}<${f.status[p]}`);
  }
  const want = oracle(preds, order, rule, script);
  const stopped = (v: number) => f.status[v] === "cancelled" && !began[v];
  for (let v = 0; v < n; v++) {
    if (!stopped(v)) continue;
    if (!(failFast && f.stopped[v] && f.halted)) throw fail(`${about(v)} was cancelled unstarted`);
    // Fail-fast cancels only what was still undecided once nothing ran: had its prerequisites' ends decided
    // it (and none of them was cancelled in the same sweep), it would have ended so, not cancelled.
    const ps = preds[v]!.map((p) => f.status[p] as End);
    if (!preds[v]!.some(stopped) && verdict(rule[v]!, ps) !== "runs") throw fail(`${about(v)} was decidable`);
  }
  compare(want, failFast ? stopped : () => false);

  for (let round = 0; round < 4 * n + 10; round++) {
    if (!retryOne()) break;
    while (step(true));
  }
  settled("after retries");
  compare(oracle(preds, order, rule, script), () => false);
}

function many(failFast: boolean, from: number, count: number, seen?: Set<string>) {
  for (let s = from; s < from + count; s++) check(s, failFast, seen);
}

const count = 2000;

describe("plan flow against the oracle", () => {
  test(`${count} random plans, fail-fast off: final states equal the oracle's, also after retries`, () => {
    many(false, 1, count);
  });

  test(`${count} random plans, fail-fast on: nothing starts after a failure, the rest as the oracle says`, () => {
    many(true, 100_001, count);
  });

  test("the random plans made every rule meet every kind of prerequisite end and reach each of its ends", () => {
    // Guards the test itself: with degenerate shapes or scripts the comparison would prove little.
    const seen = new Set<string>();
    many(false, 1, 200, seen);
    many(true, 100_001, 200, seen);
    const ends = ["succeeded", "failed", "upstream_failed", "skipped", "cancelled", "conflicted"];
    for (const r of rules) for (const e of ends) expect(seen, `${r} after ${e}`).toContain(`${r}<${e}`);
    const decided: [Plan.TriggerRule, string[]][] = [
      ["all_success", ["succeeded", "upstream_failed", "skipped"]],
      ["all_done", ["succeeded"]],
      ["none_failed", ["succeeded", "upstream_failed"]],
      ["none_failed_min_one_success", ["succeeded", "upstream_failed", "skipped"]],
      ["one_success", ["succeeded", "upstream_failed", "skipped"]],
      ["always", ["succeeded"]],
    ];
    for (const [r, xs] of decided)
      for (const x of xs) expect(seen, `${r} ending ${x}`).toContain(`${r}=${x}`);
  });
});
