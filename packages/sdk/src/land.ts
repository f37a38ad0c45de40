import { z } from "zod";

/**
 * A finished session's branch, or a plan's integration branch, merged into its base branch in the user's
 * repository (POST …/merge).
 */
export const Landed = z
  .object({
    outcome: z.enum(["merged", "already"]).describe("already: the base held the branch's work"),
    branch: z.string().describe("the session's branch or the plan's integration branch"),
    base: z.string().describe("the branch merged into"),
    commit: z.string().describe("the base's new tip (or its tip, when already)"),
    fastForward: z.boolean(),
    checkout: z
      .string()
      .nullable()
      .describe("the working tree where the base is checked out, whose files moved with it"),
  })
  .meta({ id: "SessionLanded" });
export type Landed = z.infer<typeof Landed>;

/** A finished session's or plan's branch pushed to its project's remote (POST …/push). */
export const Pushed = z
  .object({
    outcome: z.enum(["pushed", "already"]).describe("already: the remote branch was at this commit"),
    branch: z.string().describe("the branch pushed, under the same name on the remote"),
    remote: z.string().describe("the remote's URL (never with credentials)"),
    commit: z.string().describe("the commit the remote branch now points at"),
  })
  .meta({ id: "SessionPushed" });
export type Pushed = z.infer<typeof Pushed>;

export const Forge = z.enum(["github", "gitlab"]);
export type Forge = z.infer<typeof Forge>;

/** A pull request (GitHub) or merge request (GitLab) opened for a session's or a plan's branch. */
export const PullRequest = z
  .object({
    forge: Forge,
    number: z.number().int().describe("the PR number (GitLab: the merge request's iid)"),
    url: z.string().describe("the page to review it on"),
    state: z.enum(["open", "closed", "merged"]),
    title: z.string(),
    head: z.string().describe("the session's branch or the plan's integration branch"),
    base: z.string().describe("the branch it asks to merge into"),
    createdAt: z.iso.datetime(),
    checkedAt: z.iso.datetime().describe("when its state was last read from the forge"),
  })
  .meta({ id: "PullRequest" });
export type PullRequest = z.infer<typeof PullRequest>;

/** A landing in a session's or a plan's log (`session.landing`, `plan.landing`): what was done, or why not. */
export const Landing = z.object({
  how: z.enum(["merge", "push", "pr"]),
  outcome: z.enum(["merged", "pushed", "opened", "already", "refused", "failed"]),
  branch: z.string(),
  base: z.string().optional().describe("merge and pr: the branch merged (or asked to merge) into"),
  remote: z.string().optional().describe("push and pr: the remote's URL"),
  commit: z.string().optional(),
  fastForward: z.boolean().optional(),
  url: z.string().optional().describe("pr: the pull request's page"),
  number: z.int().optional().describe("pr: its number"),
  reason: z
    .string()
    .optional()
    .describe("why it was refused or failed: base_dirty, merge_conflict, push_rejected, …"),
  message: z.string().optional(),
  by: z.string(),
});
export type Landing = z.infer<typeof Landing>;
