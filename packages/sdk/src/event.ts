import { z } from "zod";
import { Payloads, type EventData, type EventType } from "./events.ts";
import { EventId, Seq } from "./seq.ts";

export { EventId, EventIdParam, Seq, SeqParam, maxInt } from "./seq.ts";

const at = z.iso.datetime();

/** `session.status` → `SessionStatusEvent`: the OpenAPI component of one type of entry. */
const idOf = (type: string) =>
  type.replace(/(^|[._])([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase()) + "Event";

/**
 * One entry of a session's append-only log. `seq` counts per session from 1; `id` is the tenant-wide
 * cursor that the all-sessions stream resumes from. Both only grow, and ids commit in order. `data` is
 * the payload of its `type` in the registry (events.ts), so `e.type === "agent.tool"` narrows `e.data`.
 */
export type Event<T extends EventType = EventType> = {
  [K in T]: { id: number; sessionId: string; seq: number; type: K; at: string; data: EventData<K> };
}[T];

/**
 * The full check of an entry, one member per registered type (documented as `oneOf` by type). A reader
 * that must take entries of types it does not know (written by a newer server) checks the envelope
 * (`Envelope`, `isEvent`) instead and leaves unknown types aside.
 */
export const Event = z
  .discriminatedUnion(
    "type",
    Object.entries(Payloads).map(([type, data]) =>
      z
        .object({ id: EventId, sessionId: z.uuid(), seq: Seq, type: z.literal(type), at, data })
        .meta({ id: idOf(type) }),
    ) as unknown as [z.ZodObject<{ type: z.ZodLiteral<EventType> }>],
  )
  .meta({ id: "SessionEvent" }) as unknown as z.ZodType<Event>;

/** Any entry's envelope, its data unchecked: what clients parse, so an unknown type passes untouched. */
export const Envelope = z.object({
  id: EventId,
  sessionId: z.uuid(),
  seq: Seq,
  type: z.string(),
  at,
  data: z.record(z.string(), z.unknown()),
});

/**
 * The shape of an event, checked field by field without zod: for hot paths such as a browser replaying a
 * 10,000-event log, where `Event.safeParse` per event (its uuid and datetime patterns included) was a
 * large share of the replay. It checks the envelope's fields' types, not the id and time formats nor the
 * data's fields: the server writes entries of the registry's types, and `Event.parse` remains the full
 * check. An entry of a type this SDK does not know passes too; readers leave such types aside.
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
