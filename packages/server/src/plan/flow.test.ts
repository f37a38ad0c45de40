import type { Plan } from "@orchestrator/sdk";
import { describe, expect, test } from "vitest";
import { build } from "./graph.ts";
import {
  type Change,
  type Flow,
  type Status,
  begin,
  end,
  recompute,
  retry,
  start,
  startable,
} from "./flow.ts";

/** A plan from `a>b` edge strings; every task all_success unless `rules` says otherwise. */
function plan(
  keys: string,
  edges: string,
  o: { failFast?: boolean; rules?: Record<string, Plan.TriggerRule> } = {},
) {
  const ks = keys.split(" ");
  const b = build(
    ks.map((key) => ({ key })),
    edges
      .split(" ")
      .filter(Boolean)
      .map((e) => ({ from: e.split(">")[0]!, to: e.split(">")[1]! })),
  );
  if (!b.ok) throw new Error(JSON.stringify(b.problems));
  const rules = ks.map((k) => o.rules?.[k] ?? "all_success");
  const { flow } = start(b.graph, rules, { failFast: o.failFast ?? false });
  return flow;
}
const at = (f: Flow, k: string) => f.graph.index.get(k)!;
const states = (f: Flow) => Object.fromEntries(f.graph.keys.map((k, i) => [k, f.status[i]]));
const said = (f: Flow, cs: Change[]) => cs.map((c) => `${f.graph.keys[c.task]} ${c.from}>${c.to}`);
const run = (f: Flow, k: string, to: "succeeded" | "failed" | "skipped" | "conflicted" | "cancelled") => {
  begin(f, at(f, k));
  return said(f, end(f, at(f, k), to));
};

describe("plan flow", () => {
  test("a diamond: the join waits for both sides, then is ready in the same step", () => {
    const f = plan("a b c d", "a>b a>c b>d c>d");
    expect(startable(f)).toEqual([at(f, "a")]);
    expect(run(f, "a", "succeeded")).toEqual(["a running>succeeded", "b blocked>ready", "c blocked>ready"]);
    expect(run(f, "b", "succeeded")).toEqual(["b running>succeeded"]);
    expect(f.pending[at(f, "d")]).toBe(1);
    expect(run(f, "c", "succeeded")).toEqual(["c running>succeeded", "d blocked>ready"]);
  });

  test("a failure cascades upstream_failed breadth-first in the same step; all_done still runs", () => {
    const f = plan("a b c d e", "a>b a>c b>d c>e", { rules: { e: "all_done" } });
    expect(run(f, "a", "failed")).toEqual([
      "a running>failed",
      "b blocked>upstream_failed",
      "c blocked>upstream_failed",
      "d blocked>upstream_failed",
      "e blocked>ready",
    ]);
  });

  test("one_success starts at the first success while the others still run", () => {
    const f = plan("a b c", "a>c b>c", { rules: { c: "one_success" } });
    begin(f, at(f, "b"));
    expect(run(f, "a", "succeeded")).toEqual(["a running>succeeded", "c blocked>ready"]);
    expect(said(f, end(f, at(f, "b"), "failed"))).toEqual(["b running>failed"]);
    expect(f.status[at(f, "c")]).toBe("ready");
  });

  test("a person's skip cascades skips to all_success, not to none_failed", () => {
    const f = plan("a b c", "a>b a>c", { rules: { c: "none_failed" } });
    expect(said(f, end(f, at(f, "a"), "skipped"))).toEqual([
      "a ready>skipped",
      "b blocked>skipped",
      "c blocked>ready",
    ]);
  });

  test("fail-fast: nothing new starts, running tasks finish, then the rest is cancelled", () => {
    const f = plan("a b c d", "a>c b>d", { failFast: true });
    begin(f, at(f, "a"));
    begin(f, at(f, "b"));
    expect(said(f, end(f, at(f, "a"), "failed"))).toEqual(["a running>failed", "c blocked>upstream_failed"]);
    expect(f.halted).toBe(true);
    expect(said(f, end(f, at(f, "b"), "succeeded"))).toEqual([
      "b running>succeeded",
      "d blocked>ready",
      "d ready>cancelled",
    ]);
    expect(startable(f)).toEqual([]);
    expect(f.stopped[at(f, "d")]).toBe(1);
  });

  test("fail-fast refuses a start after the failure and is not set off by upstream_failed or cancel", () => {
    const f = plan("a b c", "a>b", { failFast: true });
    begin(f, at(f, "a"));
    end(f, at(f, "a"), "cancelled");
    expect(f.halted).toBe(false);
    expect(f.status[at(f, "b")]).toBe("upstream_failed");
    begin(f, at(f, "c"));
    const g = plan("x y z", "", { failFast: true });
    begin(g, at(g, "x"));
    begin(g, at(g, "y"));
    end(g, at(g, "x"), "conflicted");
    expect(() => begin(g, at(g, "z"))).toThrow(/stopped at a failure/);
  });

  test("retry re-arms the task and its upstream_failed descendants, and the plan completes", () => {
    const f = plan("a b c x y", "a>b b>c x>y", { rules: { y: "all_done" } });
    run(f, "a", "failed");
    begin(f, at(f, "x"));
    expect(said(f, retry(f, at(f, "a")))).toEqual([
      "a failed>ready",
      "b upstream_failed>blocked",
      "c upstream_failed>blocked",
    ]);
    expect(Array.from(f.pending)).toEqual([0, 1, 1, 0, 1]);
    run(f, "a", "succeeded");
    run(f, "b", "succeeded");
    run(f, "c", "succeeded");
    expect(states(f)).toMatchObject({ a: "succeeded", b: "succeeded", c: "succeeded" });
  });

  test("a re-armed descendant with another failed prerequisite ends upstream_failed again", () => {
    const f = plan("a x b c", "a>b x>b b>c");
    run(f, "a", "failed");
    run(f, "x", "failed");
    expect(said(f, retry(f, at(f, "a")))).toEqual(["a failed>ready"]);
    expect(states(f)).toMatchObject({ b: "upstream_failed", c: "upstream_failed" });
    expect(f.counts[at(f, "b")]).toMatchObject({ failed: 1, upstream_failed: 0 });
    expect(f.pending[at(f, "b")]).toBe(1);
  });

  test("retry sends back to blocked a ready all_done dependent that must see the retried task end", () => {
    const f = plan("a d", "a>d", { rules: { d: "all_done" } });
    run(f, "a", "failed");
    expect(f.status[at(f, "d")]).toBe("ready");
    expect(said(f, retry(f, at(f, "a")))).toEqual(["d ready>blocked", "a failed>ready"]);
    expect(startable(f)).toEqual([at(f, "a")]);
  });

  test("under fail-fast a retry lifts the halt and re-arms what fail-fast cancelled, anywhere", () => {
    const f = plan("a b c", "a>b", { failFast: true });
    run(f, "a", "failed");
    expect(states(f)).toEqual({ a: "failed", b: "upstream_failed", c: "cancelled" });
    expect(said(f, retry(f, at(f, "a")))).toEqual([
      "a failed>ready",
      "b upstream_failed>blocked",
      "c cancelled>ready",
    ]);
    expect(f.halted).toBe(false);
    expect(() => retry(f, at(f, "b"))).toThrow(/only a failed, conflicted or cancelled/);
  });

  test("the reconciler makes ready a task left blocked after its prerequisites succeeded", () => {
    const b = build(
      ["a", "b", "c", "d"].map((key) => ({ key })),
      [
        { from: "a", to: "b" },
        { from: "b", to: "c" },
        { from: "a", to: "d" },
      ],
    );
    if (!b.ok) throw new Error("bad graph");
    const rules: Plan.TriggerRule[] = ["all_success", "all_success", "all_success", "all_success"];
    const stored: Status[] = ["succeeded", "blocked", "ready", "running"];
    const { flow, changes } = recompute(b.graph, rules, stored, { failFast: false });
    expect(said(flow, changes)).toEqual(["b blocked>ready", "c ready>blocked"]);
    expect(Array.from(flow.pending)).toEqual([0, 0, 1, 0]);
    expect(flow.running).toBe(1);
  });

  test("the reconciler cascades a failure a lost transaction did not, and finishes a halted plan", () => {
    const b = build(
      ["a", "b", "c"].map((key) => ({ key })),
      [{ from: "a", to: "b" }],
    );
    if (!b.ok) throw new Error("bad graph");
    const rules: Plan.TriggerRule[] = ["all_success", "all_success", "all_success"];
    const { flow, changes } = recompute(b.graph, rules, ["failed", "blocked", "ready"], {
      failFast: true,
      halted: true,
    });
    expect(said(flow, changes)).toEqual(["b blocked>upstream_failed", "c ready>cancelled"]);
  });
});
