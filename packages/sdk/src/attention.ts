import { z } from "zod";
import { Status } from "./session.ts";

/**
 * Why a session needs a person: an approval waits, it stalled, it ended badly, or it finished and nobody
 * has looked at it yet. The queue is ranked in this order.
 */
export const AttentionKind = z
  .enum(["approval", "stalled", "failed", "review"])
  .meta({ id: "AttentionKind" });
export type AttentionKind = z.infer<typeof AttentionKind>;

export const AttentionItem = z
  .object({
    kind: AttentionKind,
    sessionId: z.uuid(),
    title: z.string().describe("the session's title"),
    status: Status,
    at: z.iso
      .datetime()
      .describe("approval: asked at; stalled: last sign of life; failed and review: ended at"),
    detail: z.string().nullable().describe("what the approval asks, the error, or why it waits"),
    approvalId: z.uuid().optional(),
  })
  .meta({ id: "AttentionItem" });
export type AttentionItem = z.infer<typeof AttentionItem>;

export const Attention = z
  .object({
    items: z.array(AttentionItem).describe("at most 100, ranked by kind, then as each kind is ordered"),
    counts: z.record(AttentionKind, z.number().int()).describe("all of each kind, beyond the 100 shown"),
  })
  .meta({ id: "Attention" });
export type Attention = z.infer<typeof Attention>;
