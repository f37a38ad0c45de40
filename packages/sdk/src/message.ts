import { z } from "zod";
import { Session } from "./session.ts";

/** A person's follow-up message to a session's agent. */
export const Message = z
  .object({
    id: z.uuid(),
    sessionId: z.uuid(),
    author: z.string().describe("key:<id>, or dev"),
    text: z.string(),
    round: z.number().int().describe("the round it opened: the session's retries when it was sent"),
    createdAt: z.iso.datetime(),
    deliveredAt: z.iso.datetime().nullable().describe("when its run handed it to the agent"),
  })
  .meta({ id: "SessionMessage" });
export type Message = z.infer<typeof Message>;

export const SendMessage = z
  .object({
    text: z.string().trim().min(1).max(100_000).describe("what to tell the agent"),
  })
  .strict()
  .meta({ id: "SendMessage" });
export type SendMessage = z.input<typeof SendMessage>;

export const Sent = z.object({ message: Message, session: Session }).meta({ id: "MessageSent" });
export const Messages = z.object({ items: z.array(Message) }).meta({ id: "SessionMessages" });
