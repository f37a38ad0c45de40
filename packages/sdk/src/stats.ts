import { z } from "zod";
import { type Session, Status, leased } from "./session.ts";

/** One minute of activity: sessions whose first claim, or whose end, fell in [at, at + 1 min). */
export const Minute = z
  .object({ at: z.iso.datetime(), started: z.number().int(), finished: z.number().int() })
  .meta({ id: "SessionMinute" });
export type Minute = z.infer<typeof Minute>;

/**
 * How a session came out, four ways instead of thirteen statuses: what a chart can stack and a person can
 * read at a glance. `active` is every session that has not ended yet.
 */
export const Outcome = z.enum(["completed", "failed", "cancelled", "active"]).meta({ id: "SessionOutcome" });
export type Outcome = z.infer<typeof Outcome>;
export const outcomeOf: Record<Status, Outcome> = {
  pending: "active",
  queued: "active",
  running: "active",
  paused: "active",
  degraded: "active",
  waiting: "active",
  completed: "completed",
  partially_completed: "completed",
  failed: "failed",
  timeout: "failed",
  orphaned: "failed",
  stopped: "cancelled",
  cancelled: "cancelled",
};

const count = z.number().int().min(0);
/** What a set of sessions adds up to. */
export const Totals = z
  .object({
    sessions: count,
    completed: count.describe("completed or partially completed"),
    failed: count.describe("failed, timed out or orphaned"),
    cancelled: count.describe("cancelled or stopped"),
    active: count.describe("not ended yet"),
    tokens: count.describe("input, output and reasoning tokens over all attempts"),
    cost: z.number().min(0).describe("in US dollars, as the providers price it"),
    durationSec: z
      .number()
      .min(0)
      .describe("run time from the latest start to the end (or to now, for a run still going)"),
  })
  .meta({ id: "SessionTotals" });
export type Totals = z.infer<typeof Totals>;

export const DayTotals = Totals.extend({ day: z.iso.date().describe("a UTC day") }).meta({ id: "DayTotals" });
export type DayTotals = z.infer<typeof DayTotals>;

/** Totals of one project or one agent; `id` and `name` are null for sessions with none (never claimed…). */
export const GroupTotals = Totals.extend({
  id: z.uuid().nullable(),
  name: z.string().nullable(),
}).meta({ id: "GroupTotals" });
export type GroupTotals = z.infer<typeof GroupTotals>;

export const StatsQuery = z
  .object({
    days: z.coerce
      .number()
      .int()
      .min(1)
      .max(90)
      .default(14)
      .describe("how many UTC days of totals, today included (1–90, default 14)"),
  })
  .strict();
export type StatsQuery = z.input<typeof StatsQuery>;

export const Stats = z
  .object({
    total: z.number().int(),
    byStatus: z.record(Status, z.number().int()),
    timeline: z
      .array(Minute)
      .describe("the last 60 minutes, oldest first; the last one is the current minute"),
    days: z
      .array(DayTotals)
      .describe("one entry per UTC day of the window, oldest first, today last; a quiet day is zeros"),
    projects: z
      .array(GroupTotals)
      .describe("sessions created in the window, per project, costliest first; null: no project"),
    agents: z
      .array(GroupTotals)
      .describe("sessions created in the window, per agent of the latest attempt, costliest first"),
  })
  .meta({ id: "SessionStats" });
export type Stats = z.infer<typeof Stats>;

/**
 * How long a session's latest run took, in ms: from its latest start (a retry clears it) to its end, to `now`
 * while a runner holds it, or to its last change while parked (paused, queued for a retry), so waiting is not
 * counted as work. Null before it starts. The server's `durationSec` totals follow the same rule.
 */
export function runTime(
  s: Pick<Session, "status" | "startedAt" | "endedAt" | "updatedAt">,
  now: number,
): number | null {
  if (!s.startedAt) return null;
  const end = s.endedAt ? Date.parse(s.endedAt) : leased.includes(s.status) ? now : Date.parse(s.updatedAt);
  return Math.max(0, end - Date.parse(s.startedAt));
}

/** All the tokens a session's usage counts (input, output and reasoning), as the totals count them. */
export const tokensOf = (u: { input: number; output: number; reasoning: number }): number =>
  u.input + u.output + u.reasoning;
