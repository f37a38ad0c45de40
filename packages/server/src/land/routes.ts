import { createRoute, z } from "@hono/zod-openapi";
import { Landed, PullRequest, Pushed } from "@orchestrator/sdk";
import type { App, Deps } from "../api/deps.ts";
import { errors, json } from "../api/doc.ts";
import * as Publish from "./publish.ts";
import * as Land from "./service.ts";
import * as Targets from "./target.ts";

const Id = z.object({ id: z.uuid() });

/** What each kind of target is called in the API's words. */
const words = {
  session: { tags: ["Sessions"], what: "a finished session's branch", base: "its base branch" },
  plan: {
    tags: ["Plans"],
    what: "a finished plan's integration branch",
    base: "the base branch the plan was cut from",
  },
};

/** Merge, push and pull request, the same four routes for sessions and for plans (docs/landing.md). */
export function routes(app: App, deps: Deps): void {
  for (const kind of ["session", "plan"] as const) actions(app, deps, kind);
}

function actions(app: App, deps: Deps, kind: "session" | "plan"): void {
  const { tags, what, base } = words[kind];
  const path = `/api/v1/${kind}s/{id}`;
  const ctx = { db: deps.db, now: () => deps.clock.now(), config: deps.config };
  const target = (tenantId: string, id: string) => Targets[kind](deps.db, tenantId, id);
  const followUp =
    kind === "session"
      ? " or the merge conflicts (details.followUp asks the agent to rebase)"
      : " or the merge conflicts";

  app.openapi(
    createRoute({
      method: "post",
      path: `${path}/merge`,
      tags,
      summary: `Merge ${what} into ${base} in your repository, only when safe: a fast-forward or a clean merge computed without a checkout. 409 when the base is checked out with uncommitted changes (details.command is what to run)${followUp}`,
      request: { params: Id },
      responses: { 200: json(Landed, "merged (or the base already held it)"), ...errors },
    }),
    async (c) => {
      const p = c.get("principal");
      const t = await target(p.tenantId, c.req.valid("param").id);
      return c.json(await Land.merge(deps.db, () => deps.clock.now(), t, byOf(p)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: `${path}/push`,
      tags,
      summary: `Push ${what} to its project's remote under the same name, with the project's token (never echoed or logged). 409 push_rejected when the remote branch holds other work; 502 when the remote cannot be reached or refuses the token`,
      request: { params: Id },
      responses: { 200: json(Pushed, "pushed (or the remote already had it)"), ...errors },
    }),
    async (c) => {
      const p = c.get("principal");
      const t = await target(p.tenantId, c.req.valid("param").id);
      return c.json(await Publish.push(ctx, t, byOf(p)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: `${path}/pull-request`,
      tags,
      summary: `Open a pull request (GitHub) or merge request (GitLab) for ${what}: the branch is pushed, then the PR is opened with a body made from the ${kind} (${kind === "session" ? "prompt, summary, commands run" : "goal, tasks and how they ended"}, changes, tokens and cost, a link back). An open PR for the branch is the answer when there is one`,
      request: { params: Id },
      responses: { 200: json(PullRequest, "the pull request"), ...errors },
    }),
    async (c) => {
      const p = c.get("principal");
      const t = await target(p.tenantId, c.req.valid("param").id);
      return c.json(await Publish.open(ctx, t, byOf(p), new URL(c.req.url).origin), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${path}/pull-request`,
      tags,
      summary: `The ${kind}'s pull request, its state (open, closed, merged) read again from the forge; the stored state, with its checkedAt, when the forge does not answer`,
      request: { params: Id },
      responses: { 200: json(PullRequest, "the pull request"), ...errors },
    }),
    async (c) => {
      const p = c.get("principal");
      const id = c.req.valid("param").id;
      const pr = await Publish.read(ctx, kind, p.tenantId, id, (err) =>
        deps.log.warn({ err, [kind]: id }, "reading a pull request's state from its forge failed"),
      );
      return c.json(pr, 200);
    },
  );
}

const byOf = (p: { keyId?: string | null }) => (p.keyId ? `key:${p.keyId}` : "dev");
