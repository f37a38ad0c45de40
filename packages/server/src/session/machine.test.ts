import { describe, expect, test } from "vitest";
import { Action, Status } from "@orchestrator/sdk";
import {
  type Event,
  type EventType,
  type State,
  Invalid,
  actions,
  allowed,
  backoff,
  next,
} from "./machine.ts";

const now = new Date("2026-01-01T00:00:00Z");
const policy = { retryBaseMs: 1000, retryCapMs: 8000 };
const base: State = {
  status: "running",
  attempt: 1,
  maxAttempts: 3,
  maxDurationSec: 60,
  fence: 4,
  startedAt: now,
  deadline: null,
};
const at = (s: Partial<State>, e: Event) => next({ ...base, ...s }, e, now, policy);

const samples: Record<EventType, Event> = {
  start: { type: "start" },
  claim: { type: "claim", owner: "n1", leaseMs: 1000 },
  degrade: { type: "degrade", reason: "slow" },
  recover: { type: "recover" },
  ask: { type: "ask", approval: "a1" },
  answer: { type: "answer" },
  complete: { type: "complete", result: 1 },
  fail: { type: "fail", code: "x", message: "m", retryable: true },
  expire: { type: "expire" },
  timeout: { type: "timeout" },
  pause: { type: "pause" },
  resume: { type: "resume" },
  cancel: { type: "cancel" },
  stop: { type: "stop" },
  release: { type: "release" },
  retry: { type: "retry" },
  follow: { type: "follow" },
};

describe("session state machine", () => {
  test("every status either accepts an event or rejects it with Invalid, per the table", () => {
    for (const status of Status.options) {
      for (const [type, event] of Object.entries(samples)) {
        const ok = allowed(status).includes(type as EventType);
        if (ok) expect(() => at({ status }, event)).not.toThrow();
        else expect(() => at({ status }, event)).toThrow(Invalid);
      }
    }
  });

  test("the actions listed for a status are exactly those next() carries out, attempts spent or not", () => {
    for (const status of Status.options) {
      for (const attempt of [0, 1, 3]) {
        for (const action of Action.options) {
          const listed = actions(status).includes(action);
          const run = () => at({ status, attempt }, samples[action]);
          if (listed) expect(run, `${action} in ${status}`).not.toThrow();
          else expect(run, `${action} in ${status}`).toThrow(Invalid);
        }
      }
    }
    expect(actions("pending")).toEqual(["start", "cancel"]);
    expect(actions("running")).toEqual(["cancel", "stop", "pause"]);
    expect(actions("completed")).toEqual([]);
    expect(actions("failed")).toEqual(["retry"]);
  });

  test("a retry clears the review mark, so a run that ends again is looked at again", () => {
    expect(at({ status: "failed" }, samples.retry)).toMatchObject({ reviewedAt: null });
  });

  test("a claim leases the session, counts the attempt, bumps the fence and sets the deadline once", () => {
    const p = at({ status: "queued", attempt: 0, startedAt: null }, samples.claim);
    expect(p).toMatchObject({ status: "running", attempt: 1, fence: 5, leaseOwner: "n1", startedAt: now });
    expect(p.leaseExpiresAt).toEqual(new Date(now.getTime() + 1000));
    expect(p.deadline).toEqual(new Date(now.getTime() + 60_000));
    const kept = new Date(now.getTime() + 5000);
    expect(at({ status: "queued", deadline: kept }, samples.claim).deadline).toBe(kept);
  });

  test("waiting for a person keeps the lease; answering goes back to running", () => {
    for (const status of ["running", "degraded", "waiting"] as const) {
      const p = at({ status }, samples.ask);
      expect(p).toEqual({ status: "waiting" });
    }
    expect(at({ status: "waiting" }, samples.answer)).toEqual({ status: "running" });
    expect(() => at({ status: "queued" }, samples.ask)).toThrow(Invalid);
    expect(at({ status: "waiting" }, samples.cancel)).toMatchObject({
      status: "cancelled",
      leaseOwner: null,
      fence: 5,
    });
  });

  test("leaving a leased state clears the lease and bumps the fence", () => {
    for (const e of [samples.cancel, samples.pause, samples.stop, samples.timeout, samples.complete]) {
      const p = at({ status: "degraded" }, e);
      expect(p).toMatchObject({ leaseOwner: null, leaseExpiresAt: null, fence: 5 });
    }
  });

  test("a retryable failure requeues with exponential backoff while attempts remain, then fails", () => {
    expect(at({ attempt: 1 }, samples.fail)).toMatchObject({
      status: "queued",
      runAfter: new Date(now.getTime() + 1000),
    });
    expect(at({ attempt: 2 }, samples.fail)).toMatchObject({
      status: "queued",
      runAfter: new Date(now.getTime() + 2000),
    });
    expect(at({ attempt: 3 }, samples.fail)).toMatchObject({ status: "failed", endedAt: now });
    expect(at({ attempt: 1 }, { ...samples.fail, retryable: false } as Event).status).toBe("failed");
    expect(at({ attempt: 1 }, { ...samples.fail, retryAfterMs: 7 } as Event).runAfter).toEqual(
      new Date(now.getTime() + 7),
    );
  });

  test("backoff doubles per attempt and stops at the cap", () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoff(a, policy))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  test("an expired lease requeues while attempts remain and orphans the session on the last one", () => {
    expect(at({ attempt: 2 }, samples.expire)).toMatchObject({
      status: "queued",
      error: { code: "lease_expired" },
    });
    expect(at({ attempt: 3 }, samples.expire)).toMatchObject({
      status: "orphaned",
      error: { code: "lease_expired" },
    });
  });

  test("a partial result ends in partially_completed, which can be retried", () => {
    expect(at({}, { type: "complete", result: 1, partial: true }).status).toBe("partially_completed");
    expect(at({ status: "partially_completed" }, samples.retry).status).toBe("queued");
  });

  test("stopped, timed-out, cancelled and orphaned sessions can be retried, resetting the run", () => {
    for (const status of ["stopped", "timeout", "cancelled", "orphaned", "failed"] as const) {
      expect(at({ status, attempt: 3 }, samples.retry)).toMatchObject({
        status: "queued",
        attempt: 0,
        retries: "increment",
        deadline: null,
        error: null,
      });
    }
  });

  test("completed takes only a follow-up, which queues a new round from a clean end, like a retry", () => {
    expect(allowed("completed")).toEqual(["follow"]);
    for (const status of ["completed", "failed", "cancelled"] as const)
      expect(at({ status, attempt: 3 }, samples.follow)).toEqual({
        status: "queued",
        attempt: 0,
        retries: "increment",
        runAfter: null,
        startedAt: null,
        deadline: null,
        endedAt: null,
        reviewedAt: null,
        result: null,
        error: null,
      });
    for (const status of ["pending", "queued", "running", "waiting", "paused"] as const)
      expect(() => at({ status }, samples.follow)).toThrow(Invalid);
  });

  test("handing a lease back at shutdown does not spend an attempt", () => {
    expect(at({ attempt: 2 }, samples.release)).toMatchObject({
      status: "queued",
      attempt: 1,
      leaseOwner: null,
    });
  });

  test("a queued retry past its deadline times out", () => {
    expect(at({ status: "queued" }, samples.timeout)).toMatchObject({
      status: "timeout",
      error: { code: "timeout" },
    });
  });
});
