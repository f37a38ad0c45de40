import { z } from "zod";

/** The largest PostgreSQL `integer`: the column type of `seq`, `last_seq` and attempt counters. */
export const maxInt = 2 ** 31 - 1;

/** A per-session sequence number: 1 for a session's first event; 0 as a cursor means "from the start". */
export const Seq = z.int().min(0).max(maxInt);
/**
 * A tenant-wide event id, the cursor of the all-sessions stream: a `bigint` column, sent as a JSON number,
 * so at most 2^53 - 1 (zod's `int` is a safe integer).
 */
export const EventId = z.int().min(0);
/** The same two as a path, a query string or a header (`Last-Event-ID`) carries them: text of digits. */
export const SeqParam = z.coerce.number().int().min(0).max(maxInt);
export const EventIdParam = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * One entry of a session's append-only log. `seq` counts per session from 1; `id` is the tenant-wide
 * cursor that the all-sessions stream resumes from. Both only grow, and ids commit in order.
 */
export const Event = z
  .object({
    id: EventId,
    sessionId: z.uuid(),
    seq: Seq,
    type: z
      .string()
      .describe(
        "session.created | session.status | session.updated | session.checkpoint | session.reviewed | agent.*",
      ),
    at: z.iso.datetime(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "SessionEvent" });
export type Event = z.infer<typeof Event>;

/**
 * The shape of an event, checked field by field without zod: for hot paths such as a browser replaying a
 * 10,000-event log, where `Event.safeParse` per event (its uuid and datetime patterns included) was a
 * large share of the replay. It checks every field's type, not the id and time formats; the server
 * writes events from `Event`, and `Event.parse` remains the full check.
 */
export function isEvent(x: unknown): x is Event {
  if (typeof x !== "object" || x === null) return false;
  const e = x as Record<string, unknown>;
  return (
    Number.isInteger(e.id) &&
    Number.isInteger(e.seq) &&
    typeof e.sessionId === "string" &&
    typeof e.type === "string" &&
    typeof e.at === "string" &&
    typeof e.data === "object" &&
    e.data !== null &&
    !Array.isArray(e.data)
  );
}

export const EventPage = z.object({ items: z.array(Event) }).meta({ id: "SessionEventPage" });
