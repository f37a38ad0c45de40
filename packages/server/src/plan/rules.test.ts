import type { Plan } from "@orchestrator/sdk";
import { describe, expect, test } from "vitest";
import { type Counts, decide, none } from "./rules.ts";

const c = (x: Partial<Counts>): Counts => ({ ...none(), ...x });
const rules: Plan.TriggerRule[] = [
  "all_success",
  "all_done",
  "none_failed",
  "none_failed_min_one_success",
  "one_success",
  "always",
];

describe("trigger rules", () => {
  test("a task without prerequisites is ready under every rule", () => {
    for (const r of rules) expect(decide(r, none(), 0)).toBe("ready");
  });

  test("all_success: upstream_failed at the first failure, skipped only once all ended", () => {
    expect(decide("all_success", c({ succeeded: 1 }), 3)).toBe("wait");
    expect(decide("all_success", c({ failed: 1 }), 3)).toBe("upstream_failed");
    expect(decide("all_success", c({ upstream_failed: 1 }), 3)).toBe("upstream_failed");
    expect(decide("all_success", c({ skipped: 1 }), 3)).toBe("wait"); // a later failure would win
    expect(decide("all_success", c({ skipped: 1, succeeded: 2 }), 3)).toBe("skipped");
    expect(decide("all_success", c({ skipped: 1, failed: 1, succeeded: 1 }), 3)).toBe("upstream_failed");
    expect(decide("all_success", c({ succeeded: 3 }), 3)).toBe("ready");
  });

  test("cancelled and conflicted prerequisites fail closed", () => {
    for (const x of [{ cancelled: 1 }, { conflicted: 1 }]) {
      expect(decide("all_success", c({ ...x, succeeded: 1 }), 2)).toBe("upstream_failed");
      expect(decide("none_failed", c(x), 2)).toBe("upstream_failed");
      expect(decide("none_failed_min_one_success", c(x), 2)).toBe("upstream_failed");
      expect(decide("one_success", c({ ...x, failed: 1 }), 2)).toBe("upstream_failed");
    }
  });

  test("all_done runs after every prerequisite ended, whatever it ended as", () => {
    expect(decide("all_done", c({ failed: 2 }), 3)).toBe("wait");
    expect(decide("all_done", c({ failed: 1, upstream_failed: 1, skipped: 1 }), 3)).toBe("ready");
    expect(decide("all_done", c({ cancelled: 1, conflicted: 1, succeeded: 1 }), 3)).toBe("ready");
  });

  test("none_failed does not cascade skips: all skipped is ready (AIRFLOW-4453)", () => {
    expect(decide("none_failed", c({ skipped: 2 }), 2)).toBe("ready");
    expect(decide("none_failed", c({ skipped: 1 }), 2)).toBe("wait");
    expect(decide("none_failed", c({ skipped: 1, failed: 1 }), 3)).toBe("upstream_failed");
    expect(decide("none_failed", c({ succeeded: 1, skipped: 1 }), 2)).toBe("ready");
  });

  test("none_failed_min_one_success: all skipped is skipped, one success among skips runs", () => {
    expect(decide("none_failed_min_one_success", c({ skipped: 2 }), 2)).toBe("skipped");
    expect(decide("none_failed_min_one_success", c({ skipped: 1, succeeded: 1 }), 2)).toBe("ready");
    expect(decide("none_failed_min_one_success", c({ succeeded: 1 }), 2)).toBe("wait");
    expect(decide("none_failed_min_one_success", c({ failed: 1 }), 2)).toBe("upstream_failed");
  });

  test("one_success runs at the first success; with none, skipped if all skipped else upstream_failed", () => {
    expect(decide("one_success", c({ succeeded: 1 }), 5)).toBe("ready");
    expect(decide("one_success", c({ failed: 3 }), 5)).toBe("wait");
    expect(decide("one_success", c({ skipped: 2 }), 2)).toBe("skipped");
    expect(decide("one_success", c({ skipped: 1, failed: 1 }), 2)).toBe("upstream_failed");
    expect(decide("one_success", c({ upstream_failed: 2 }), 2)).toBe("upstream_failed");
  });

  test("always is ready at once, before its prerequisites end", () => {
    expect(decide("always", none(), 3)).toBe("ready");
    expect(decide("always", c({ failed: 3 }), 3)).toBe("ready");
  });
});
