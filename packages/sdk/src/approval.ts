import { z } from "zod";

/** What an agent waits on a person for: a permission to use a tool, or answers to questions. */
export const ApprovalKind = z.enum(["permission", "question"]).meta({ id: "ApprovalKind" });
export const ApprovalStatus = z
  .enum(["pending", "answered", "expired", "withdrawn"])
  .describe("withdrawn: the run ended before anyone answered")
  .meta({ id: "ApprovalStatus" });

export const Question = z.object({
  question: z.string(),
  header: z.string().optional(),
  options: z.array(z.object({ label: z.string(), description: z.string().optional() })).default([]),
  multiple: z.boolean().optional(),
});

export const ApprovalRequest = z
  .object({
    title: z.string().describe("one line for people: what the agent wants"),
    permission: z.string().optional().describe("the permission asked for, e.g. bash or edit"),
    patterns: z.array(z.string()).optional().describe("what exactly, e.g. the command"),
    always: z.array(z.string()).optional().describe("what an `always` answer would allow from now on"),
    questions: z.array(Question).optional(),
    command: z.string().optional().describe("a shell permission: the exact command, verbatim"),
    cwd: z.string().optional().describe("a shell permission: the absolute directory the command runs in"),
    description: z.string().optional().describe("the agent's own words for what the call is for"),
    file: z.string().optional().describe("an edit or write permission: the file, relative to the worktree"),
    diff: z
      .string()
      .optional()
      .describe("an edit or write permission: the unified git patch the change would make"),
    clipped: z
      .boolean()
      .optional()
      .describe("the command or diff was longer than 64 KiB and is cut; see the tool call for the rest"),
    callId: z.string().optional().describe("the agent's tool call this permission gates"),
  })
  .meta({ id: "ApprovalRequest" });
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

export const Reply = z.enum(["once", "always", "reject"]);

/** A person's answer. Permissions take once/always/reject; questions take answers, or reject. */
export const Answer = z
  .object({
    reply: Reply.optional().describe("for a permission: once, always, or reject"),
    message: z.string().min(1).max(4000).optional().describe("with reject: feedback the agent reads"),
    answers: z
      .array(z.array(z.string().min(1).max(1000)).max(20))
      .max(20)
      .optional()
      .describe("for a question: the chosen labels (or free text), one list per question"),
  })
  .strict()
  .refine((a) => a.reply !== undefined || a.answers !== undefined, "give reply or answers")
  .meta({ id: "Answer" });
export type Answer = z.infer<typeof Answer>;

export const Approval = z
  .object({
    id: z.uuid(),
    sessionId: z.uuid(),
    kind: ApprovalKind,
    status: ApprovalStatus,
    request: ApprovalRequest,
    answer: Answer.nullable(),
    answeredBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().describe("then the timeout policy answers"),
    answeredAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "Approval" });
export type Approval = z.infer<typeof Approval>;
