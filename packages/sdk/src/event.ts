import { z } from "zod";

/**
 * One entry of a session's append-only log. `seq` counts per session from 1; `id` is the tenant-wide
 * cursor that the all-sessions stream resumes from. Both only grow, and ids commit in order.
 */
export const Event = z
  .object({
    id: z.number().int(),
    sessionId: z.uuid(),
    seq: z.number().int(),
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
