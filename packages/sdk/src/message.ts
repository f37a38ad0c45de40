import { z } from "zod";
import { Session } from "./session.ts";

/** A reviewer's comment on one line of a session's diff; "request changes" sends them as one message. */
export const ReviewComment = z
  .object({
    file: z.string().min(1).describe("the file's path after the change"),
    line: z.number().int().min(1).describe("its line number on `side`"),
    side: z.enum(["new", "old"]).default("new").describe("old: a removed line, numbered as before"),
    text: z.string().trim().min(1).max(10_000),
  })
  .strict()
  .meta({ id: "ReviewComment" });
export type ReviewComment = z.infer<typeof ReviewComment>;
export type ReviewCommentInput = z.input<typeof ReviewComment>;

/**
 * A person's message to a session's agent. To a running session it reaches the agent at its next turn (or,
 * with `steer`, stops the current turn and becomes the next prompt); to an ended one it opens a new round.
 */
export const Message = z
  .object({
    id: z.uuid(),
    sessionId: z.uuid(),
    author: z.string().describe("key:<id>, or dev"),
    text: z.string(),
    round: z
      .number()
      .int()
      .describe(
        "the session's round when it was sent (its retries then); to an ended session, the round it opened",
      ),
    steer: z.boolean().describe("sent to stop the agent's current turn and become its next prompt"),
    comments: z
      .array(ReviewComment)
      .describe("review comments on lines of the diff; `text` is the prompt made of them, with each hunk"),
    createdAt: z.iso.datetime(),
    deliveredAt: z.iso.datetime().nullable().describe("when its run handed it to the agent"),
  })
  .meta({ id: "SessionMessage" });
export type Message = z.infer<typeof Message>;

export const SendMessage = z
  .object({
    text: z
      .string()
      .trim()
      .max(100_000)
      .default("")
      .describe("what to tell the agent (may be empty when there are comments)"),
    comments: z
      .array(ReviewComment)
      .max(200)
      .default([])
      .describe(
        "request changes: comments on lines of the session's diff, sent as one message with each file, line and hunk",
      ),
    steer: z
      .boolean()
      .default(false)
      .describe(
        "to a running session: stop the agent's current turn and make this its next prompt; without it, the agent reads it at its next turn",
      ),
  })
  .strict()
  .refine((m) => m.text || m.comments.length, { path: ["text"], message: "say something, or give comments" })
  .meta({ id: "SendMessage" });
export type SendMessage = z.input<typeof SendMessage>;

export const Sent = z
  .object({
    message: Message,
    session: Session,
    newRound: z.boolean().describe("the session had ended: the message opened a new round, queued now"),
  })
  .meta({ id: "MessageSent" });
export const Messages = z.object({ items: z.array(Message) }).meta({ id: "SessionMessages" });
