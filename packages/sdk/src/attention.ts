import { z } from "zod";
import { Status } from "./session.ts";

/**
 * Why something needs a person: an approval waits, a plan task's work conflicts with its plan's
 * integration branch, a manual merge of shared context waits for its conflicts to be settled, a session
 * stalled, it ended badly, or it finished and nobody has looked at it yet. The queue is ranked in this order.
 */
export const AttentionKind = z
  .enum(["approval", "conflict", "merge", "stalled", "failed", "review"])
  .meta({ id: "AttentionKind" });
export type AttentionKind = z.infer<typeof AttentionKind>;

export const AttentionItem = z
  .object({
    kind: AttentionKind,
    sessionId: z
      .uuid()
      .nullable()
      .describe("conflict: the task's session whose branch did not merge; merge: null (no session)"),
    title: z.string().describe("the session's title (a plan task's: the task's); merge: the documents'"),
    status: Status.nullable().describe("the session's status; merge: null"),
    at: z.iso
      .datetime()
      .describe(
        "approval: asked at; merge: opened at; stalled: last sign of life; conflict, failed and review: ended at",
      ),
    detail: z
      .string()
      .nullable()
      .describe("what the approval asks, the conflict, the error, or why it waits"),
    link: z.string().describe("where the Control Room shows it: the session's page, or a conflict's plan"),
    approvalId: z.uuid().optional(),
    merge: z
      .object({
        id: z.uuid(),
        sourceId: z.uuid(),
        targetId: z.uuid(),
        conflicts: z.number().int().describe("paths to choose a side for"),
      })
      .optional()
      .describe("merge: the open merge; settle it at /api/v1/context-merges/{id}/resolve or abandon it"),
    plan: z
      .object({
        id: z.uuid(),
        title: z.string(),
        task: z.string().describe("the task's key"),
        paths: z.array(z.string()).describe("the paths that conflict with the integration branch"),
      })
      .optional()
      .describe(
        "conflict: the plan and task; retry the task (it starts again from the branch's tip) or skip it",
      ),
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
