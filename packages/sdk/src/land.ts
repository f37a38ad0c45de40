import { z } from "zod";

/** A finished session's branch merged into its base branch in the user's repository (POST …/merge). */
export const Landed = z
  .object({
    outcome: z.enum(["merged", "already"]).describe("already: the base held the branch's work"),
    branch: z.string().describe("the session's branch"),
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
