import { z } from "zod";
import type { Status } from "./session.ts";
import { Seq } from "./seq.ts";

/** States a session can be rewound to a checkpoint in: paused, or ended without completing. */
export const rewindable: readonly Status[] = [
  "paused",
  "failed",
  "timeout",
  "stopped",
  "cancelled",
  "orphaned",
  "partially_completed",
];

/** A point a coding session can be rewound to or forked from: a commit plus a conversation position. */
export const CheckpointItem = z
  .object({
    seq: Seq.describe("the seq of its session.checkpoint event"),
    at: z.iso.datetime(),
    commit: z.string(),
    messageId: z.string().nullable().describe("the agent's last message the commit contains"),
    current: z.boolean().describe("the checkpoint the next run starts from"),
  })
  .meta({ id: "CheckpointItem" });
export type CheckpointItem = z.infer<typeof CheckpointItem>;

export const Fork = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    prompt: z.string().min(1).max(100_000).optional().describe("default: the original session's prompt"),
    hold: z.boolean().default(false),
  })
  .strict()
  .meta({ id: "Fork" });
export type Fork = z.input<typeof Fork>;
