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

export const EventPage = z.object({ items: z.array(Event) }).meta({ id: "SessionEventPage" });
