import { z } from "zod";
import { Forge } from "./land.ts";
import { Name } from "./session.ts";

const RelPath = z
  .string()
  .min(1)
  .max(500)
  .refine((p) => !p.startsWith("/") && !p.split(/[\\/]/).includes(".."), "a path inside the repository");

/**
 * Where a project's branches are pushed and its pull requests opened. The token is write-only: it is used
 * for `git push` and the forge's API, and never returned or logged.
 */
export const RemoteInput = z
  .object({
    url: z.string().min(1).max(1000).describe("the https URL of the git remote, without credentials"),
    token: z
      .string()
      .min(1)
      .max(4000)
      .optional()
      .describe("write-only: a token that may push (and open pull requests); kept when the URL's host stays"),
    forge: Forge.optional().describe("where pull requests go; default from the host (github.com, gitlab.*)"),
    api: z
      .string()
      .min(1)
      .max(1000)
      .optional()
      .describe("the forge's API root; default https://api.github.com or https://<host>/api/v4"),
  })
  .strict()
  .meta({ id: "RemoteInput" });
export type RemoteInput = z.input<typeof RemoteInput>;

export const Remote = z
  .object({
    url: z.string(),
    forge: Forge.nullable().describe("null: push only, no pull requests"),
    api: z.string().nullable(),
    repo: z.string().describe("owner/name (GitLab: the project's full path), from the URL"),
    token: z.boolean().describe("whether a token is set (its value is never shown)"),
  })
  .meta({ id: "ProjectRemote" });
export type Remote = z.infer<typeof Remote>;

/** A registered git repository that sessions work on, each in its own worktree. */
export const CreateProject = z
  .object({
    name: Name,
    path: z.string().min(1).max(1000).describe("the repository's top directory, inside the allowed roots"),
    baseBranch: z.string().min(1).max(255).optional().describe("default: the branch checked out now"),
    setup: z.string().min(1).max(4000).optional().describe("shell command run in each new worktree"),
    copyFiles: z.array(RelPath).max(50).default([]).describe("untracked files copied into new worktrees"),
    retentionHours: z
      .number()
      .int()
      .min(0)
      .max(24 * 365)
      .default(72)
      .describe("worktrees of ended sessions are removed after this; branches are kept"),
    remote: RemoteInput.nullable().optional().describe("push and pull requests; null removes it"),
  })
  .strict()
  .meta({ id: "CreateProject" });
export type CreateProject = z.input<typeof CreateProject>;

export const UpdateProject = CreateProject.omit({ name: true, path: true })
  .partial()
  .strict()
  .refine((u) => Object.keys(u).length > 0, "give at least one field")
  .meta({ id: "UpdateProject" });
export type UpdateProject = z.input<typeof UpdateProject>;

export const Project = z
  .object({
    id: z.uuid(),
    name: z.string(),
    path: z.string(),
    baseBranch: z.string(),
    setup: z.string().nullable(),
    copyFiles: z.array(z.string()),
    retentionHours: z.number().int(),
    remote: Remote.nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Project" });
export type Project = z.infer<typeof Project>;

export const Worktree = z
  .object({
    sessionId: z.uuid(),
    status: z.string().describe("the session's status"),
    path: z.string(),
    branch: z.string(),
    exists: z.boolean().describe("false once retention removed it; the branch stays"),
  })
  .meta({ id: "ProjectWorktree" });
export type Worktree = z.infer<typeof Worktree>;
