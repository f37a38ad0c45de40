import type { z } from "zod";
import type { Create } from "@orchestrator/sdk";
import type { Deps } from "../api/deps.ts";
import type { Q } from "../db/db.ts";
import { AppError } from "../error.ts";
import * as Projects from "../project/store.ts";
import * as Agents from "../registry/store.ts";
import * as Repos from "../tenant/repos.ts";
import { checkBase } from "../workspace/worktree.ts";
import * as Opencode from "../agent/opencode/name.ts";
import type { Row } from "./row.ts";
import * as Store from "./store.ts";

/**
 * The one way a session is created. `submit` is what a client asks for (REST, A2A): `resolve` checks it
 * and pins what it leaves open, `create` writes the row and its first event. Someone holding a spec
 * resolved earlier (a checkpoint's fork copies its parent's; it must not be checked again, the parent's
 * repository may be dirty now) calls `create` alone. Both run on the database or the caller's
 * transaction, so a session can be created together with the caller's own writes and rolled back with them.
 */

export type Request = z.output<typeof Create>;
/** A request with its references resolved: the repository checked and claimed, the agent and profile pinned. */
export type Spec = Request & { projectId: string | null; checkpoint?: unknown; task?: Store.TaskLink };

/** What resolving reads: the registry, the profiles, the tenant's repository roots. */
export type Ctx = Pick<Deps, "config" | "db" | "clock" | "defaultTenant" | "agents" | "profiles">;

/** Resolve a client's request and create the session from it. Errors name fields under `body.`. */
export async function submit(ctx: Ctx, tenantId: string, input: Request, q: Q = ctx.db): Promise<Row> {
  const spec = await resolve(ctx, tenantId, input, q);
  return create({ db: q, now: () => ctx.clock.now() }, tenantId, spec);
}

/**
 * The session row, its `session.created` event and the engines' wake-up, in one statement on `ctx.db`
 * (the database or the caller's transaction).
 */
export function create(ctx: { db: Q; now(): Date }, tenantId: string, spec: Spec): Promise<Row> {
  return Store.create(ctx, tenantId, spec);
}

/** Several sessions of one tenant in one statement (a plan's step launching its ready tasks). */
export function createMany(ctx: { db: Q; now(): Date }, tenantId: string, specs: Spec[]): Promise<Row[]> {
  return Store.createMany(ctx, tenantId, specs);
}

/**
 * Check the agent pin, project or workspace, and fill in the old defaults when nothing is asked of
 * routing. A workspace's repository is checked now (git) and claimed for the tenant.
 */
export async function resolve(
  ctx: Ctx,
  tenantId: string,
  input: Request,
  q: Q = ctx.db,
  /** Where it works, checked by the caller already (a plan's task: the plan's repository and branch). */
  at?: { workspace: Spec["workspace"]; projectId: string | null },
  /** Agent names already found in the registry (by a caller resolving several requests at once). */
  found?: Set<string>,
): Promise<Spec> {
  if (input.agent && !Opencode.isKind(input.agent) && !found?.has(input.agent)) {
    await Agents.byName(q, tenantId, input.agent);
    found?.add(input.agent);
  }
  if (input.project && input.workspace)
    throw new AppError("validation_failed", "body.project: give project or workspace, not both", {
      issues: [{ path: "body.project", message: "conflicts with workspace" }],
    });
  const project =
    input.project && !at ? await Projects.get(q, tenantId, input.project, "body.project") : null;
  const workspace = at
    ? at.workspace
    : project
      ? { repo: project.path, ref: project.baseBranch }
      : input.workspace && (await checkWorkspace({ ...ctx, db: q }, tenantId, input.workspace));
  // Nothing asked of routing (no agent, profile or capability): the old defaults pin it.
  const agent =
    input.agent ??
    (input.profile ? Opencode.kind : input.capabilities.length ? undefined : defaultAgent(ctx, workspace));
  // Coding sessions always carry their profile, so a later change of the default cannot change them.
  const profile = agent && Opencode.isKind(agent) ? ctx.profiles.get(input.profile).name : input.profile;
  return { ...input, workspace, agent, profile, projectId: at ? at.projectId : (project?.id ?? null) };
}

/**
 * A session that names no agent, profile or capability: with a workspace it goes to OpenCode's default
 * profile, without one to the scripted test agent. Naming capabilities lets routing choose.
 */
function defaultAgent(ctx: Pick<Ctx, "agents">, workspace: unknown): string {
  const name = workspace ? Opencode.kind : "scripted";
  if (ctx.agents.has(name)) return name;
  const names = [...ctx.agents.keys()];
  if (names.length === 1) return names[0]!;
  throw new AppError("validation_failed", `body.agent: required (registered: ${names.join(", ")})`, {
    issues: [{ path: "body.agent", message: "required" }],
  });
}

/**
 * Say now, not minutes later from a failed run, that the repository cannot be worked on. The base is
 * pinned to the branch checked out now when none is named, so that a retry cuts from the same branch.
 */
export async function checkWorkspace(
  deps: Repos.Deps,
  tenantId: string,
  workspace: { repo: string; ref?: string | undefined },
) {
  const repo = await Repos.take(deps, tenantId, workspace.repo, workspace.ref, {
    path: "body.workspace.repo",
    branch: "body.workspace.ref",
  });
  await checkBase({ path: repo.path, baseBranch: repo.base }, repo.branch);
  // The real path, checked and claimed now: a run works on this very directory, wherever a symlink
  // named in the request points later.
  return { ...workspace, repo: repo.path, ref: repo.base };
}
