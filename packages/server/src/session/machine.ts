import { Action, type Status } from "@orchestrator/sdk";
import { isLeased } from "./status.ts";

/**
 * The session state machine: one pure function over one table.
 *
 * | from \ event      | start  | claim   | degrade  | recover | complete        | fail / expire        | timeout | pause  | resume | cancel    | stop    | release | retry  |
 * |-------------------|--------|---------|----------|---------|-----------------|----------------------|---------|--------|--------|-----------|---------|---------|--------|
 * | pending           | queued |         |          |         |                 |                      |         |        |        | cancelled |         |         |        |
 * | queued            |        | running |          |         |                 |                      | timeout | paused |        | cancelled |         |         |        |
 * | running           |        |         | degraded |         | completed¹      | queued² / failed³    | timeout | paused |        | cancelled | stopped | queued  |        |
 * | degraded          |        |         |          | running | completed¹      | queued² / failed³    | timeout | paused |        | cancelled | stopped | queued  |        |
 * | waiting⁴          |        |         |          |         | completed¹      | queued² / failed³    | timeout | paused |        | cancelled | stopped | queued  |        |
 * | paused            |        |         |          |         |                 |                      |         |        | queued | cancelled | stopped |         |        |
 * | completed⁵        |        |         |          |         |                 |                      |         |        |        |           |         |         |        |
 * | partially_completed, failed, timeout, stopped, cancelled, orphaned⁵ | | | | | |                      |         |        |        |           |         |         | queued |
 *
 * ¹ `partially_completed` when the agent reports a partial result.
 * ² while attempts remain (and, for `fail`, the error is retryable), after an exponential backoff.
 * ³ `fail` ends in `failed`; `expire` (the lease ran out: the runner died or hung) ends in `orphaned`.
 * ⁴ `ask` (the agent needs a person: a permission or a question) moves running, degraded and waiting to
 *   `waiting`; `answer` (nothing is pending any more) moves it back to running. The runner keeps its lease
 *   (an EAP agent by its heartbeats, and its `answer` comes when it has read the answer from its inbox).
 * ⁵ `follow` (a person's follow-up message to an ended session) queues it again as a new round, like
 *   `retry`: the same conversation continues on the same worktree and branch, with the message as its prompt.
 *
 * Fixes over the reference: stopped (and every other unsuccessful end) can be retried; `timeout` is entered
 * when the deadline passes; `partially_completed` is reached from a partial result.
 */
export type Event =
  | { type: "start" }
  | { type: "claim"; owner: string; leaseMs: number }
  | { type: "degrade"; reason: string }
  | { type: "recover" }
  | { type: "ask"; approval: string }
  | { type: "answer" }
  | { type: "complete"; result: unknown; partial?: boolean }
  | { type: "fail"; code: string; message: string; retryable: boolean; retryAfterMs?: number }
  | { type: "expire" }
  | { type: "timeout" }
  | { type: "pause"; reason?: string }
  | { type: "resume" }
  | { type: "cancel"; reason?: string }
  | { type: "stop"; reason?: string }
  | { type: "release" }
  | { type: "retry" }
  | { type: "follow" };
export type EventType = Event["type"];

/** The fields of a session that decisions read. */
export interface State {
  status: Status;
  attempt: number;
  maxAttempts: number;
  maxDurationSec: number;
  fence: number;
  startedAt: Date | null;
  deadline: Date | null;
}

/** The columns a transition writes. `undefined` leaves a column alone; `null` clears it. */
export interface Patch {
  status: Status;
  attempt?: number;
  retries?: "increment";
  fence?: number;
  leaseOwner?: string | null;
  leaseExpiresAt?: Date | null;
  runAfter?: Date | null;
  startedAt?: Date | null;
  deadline?: Date | null;
  endedAt?: Date | null;
  /** Cleared by a retry: a run that ends again needs a fresh look. */
  reviewedAt?: null;
  result?: unknown;
  error?: { code: string; message: string; retryable?: boolean } | null;
}

export interface Policy {
  retryBaseMs: number;
  retryCapMs: number;
}

const table: Record<Status, EventType[]> = {
  pending: ["start", "cancel"],
  queued: ["claim", "timeout", "pause", "cancel"],
  running: ["degrade", "ask", "complete", "fail", "expire", "timeout", "pause", "cancel", "stop", "release"],
  degraded: ["recover", "ask", "complete", "fail", "expire", "timeout", "pause", "cancel", "stop", "release"],
  waiting: ["ask", "answer", "complete", "fail", "expire", "timeout", "pause", "cancel", "stop", "release"],
  paused: ["resume", "cancel", "stop"],
  completed: ["follow"],
  partially_completed: ["retry", "follow"],
  failed: ["retry", "follow"],
  timeout: ["retry", "follow"],
  stopped: ["retry", "follow"],
  cancelled: ["retry", "follow"],
  orphaned: ["retry", "follow"],
};

/** Events accepted in a status: what a 409 lists. */
export const allowed = (status: Status): EventType[] => table[status];

/**
 * The actions a person may take in a status. Each action is the event of the same name, and `next` puts
 * no condition on those events beyond the table (retry included: the attempt budget only bounds automatic
 * retries), so an action listed here is one its POST would carry out. machine.test.ts checks both ways.
 */
export const actions = (status: Status): Action[] => Action.options.filter((a) => table[status].includes(a));

export { isLeased };

/** Exponential backoff before attempt `attempt + 1`: base · 2^(attempt−1), capped. */
export function backoff(attempt: number, policy: Policy): number {
  return Math.min(policy.retryCapMs, policy.retryBaseMs * 2 ** Math.max(0, attempt - 1));
}

export class Invalid extends Error {
  readonly from: Status;
  readonly event: EventType;
  constructor(from: Status, event: EventType) {
    super(`cannot ${event} a session that is ${from}`);
    this.from = from;
    this.event = event;
  }
}

/** Decide the next state. Throws `Invalid` when the table has no edge. */
export function next(s: State, e: Event, now: Date, policy: Policy): Patch {
  if (!table[s.status].includes(e.type)) throw new Invalid(s.status, e.type);
  const at = (ms: number) => new Date(now.getTime() + ms);
  // Leaving a leased state bumps the fence, so a runner that is still alive cannot write any more.
  const unlease = isLeased(s.status) ? { leaseOwner: null, leaseExpiresAt: null, fence: s.fence + 1 } : {};
  const end = { ...unlease, endedAt: now };
  switch (e.type) {
    case "start":
      return { status: "queued", runAfter: null };
    case "claim":
      return {
        status: "running",
        attempt: s.attempt + 1,
        fence: s.fence + 1,
        leaseOwner: e.owner,
        leaseExpiresAt: at(e.leaseMs),
        runAfter: null,
        startedAt: s.startedAt ?? now,
        deadline: s.deadline ?? at(s.maxDurationSec * 1000),
      };
    case "degrade":
      return { status: "degraded" };
    case "recover":
    case "answer":
      return { status: "running" };
    case "ask":
      return { status: "waiting" };
    case "complete":
      return {
        status: e.partial ? "partially_completed" : "completed",
        ...end,
        result: e.result ?? null,
        error: null,
      };
    case "fail": {
      const error = { code: e.code, message: e.message, retryable: e.retryable };
      if (e.retryable && s.attempt < s.maxAttempts) {
        return {
          status: "queued",
          ...unlease,
          error,
          runAfter: at(e.retryAfterMs ?? backoff(s.attempt, policy)),
        };
      }
      return { status: "failed", ...end, error };
    }
    case "expire": {
      if (s.attempt < s.maxAttempts) {
        const error = {
          code: "lease_expired",
          message: "the runner stopped renewing its lease",
          retryable: true,
        };
        return { status: "queued", ...unlease, error, runAfter: at(backoff(s.attempt, policy)) };
      }
      const message = `the runner's lease expired on the last of ${s.maxAttempts} attempts`;
      return { status: "orphaned", ...end, error: { code: "lease_expired", message, retryable: true } };
    }
    case "timeout":
      return {
        status: "timeout",
        ...end,
        error: {
          code: "timeout",
          message: `exceeded maxDurationSec (${s.maxDurationSec} s)`,
          retryable: true,
        },
      };
    case "pause":
      return { status: "paused", ...unlease };
    case "resume":
      return { status: "queued", runAfter: null };
    case "cancel":
      return {
        status: "cancelled",
        ...end,
        error: { code: "cancelled", message: e.reason ?? "cancelled by request" },
      };
    case "stop":
      return {
        status: "stopped",
        ...end,
        error: { code: "stopped", message: e.reason ?? "stopped by request" },
      };
    case "release":
      // Handing a lease back at shutdown is not a failed attempt, so it does not count against the budget.
      return { status: "queued", ...unlease, attempt: Math.max(0, s.attempt - 1), runAfter: null };
    case "retry":
    case "follow":
      return {
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
      };
  }
}
