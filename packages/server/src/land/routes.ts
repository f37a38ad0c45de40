import { createRoute, z } from "@hono/zod-openapi";
import { Landed, PullRequest, Pushed } from "@orchestrator/sdk";
import type { App, Deps } from "../api/deps.ts";
import { errors, json } from "../api/doc.ts";
import * as Publish from "./publish.ts";
import * as Land from "./service.ts";

const tags = ["Sessions"];
const Id = z.object({ id: z.uuid() });

export function routes(app: App, deps: Deps): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sessions/{id}/merge",
      tags,
      summary:
        "Merge a finished session's branch into its base branch in your repository, only when safe: a fast-forward or a clean merge computed without a checkout. 409 when the base is checked out with uncommitted changes (details.command is what to run) or the merge conflicts (details.followUp asks the agent to rebase)",
      request: { params: Id },
      responses: { 200: json(Landed, "merged (or the base already held it)"), ...errors },
    }),
    async (c) => {
      const p = c.get("principal");
      const landed = await Land.merge(
        deps.db,
        () => deps.clock.now(),
        p.tenantId,
        c.req.valid("param").id,
        byOf(p),
      );
      return c.json(landed, 200);
    },
  );

  const ctx = { db: deps.db, now: () => deps.clock.now(), config: deps.config };

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sessions/{id}/push",
      tags,
      summary:
        "Push a finished session's branch to its project's remote under the same name, with the project's token (never echoed or logged). 409 push_rejected when the remote branch holds other work; 502 when the remote cannot be reached or refuses the token",
      request: { params: Id },
      responses: { 200: json(Pushed, "pushed (or the remote already had it)"), ...errors },
    }),
    async (c) => {
      const p = c.get("principal");
      return c.json(await Publish.push(ctx, p.tenantId, c.req.valid("param").id, byOf(p)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sessions/{id}/pull-request",
      tags,
      summary:
        "Open a pull request (GitHub) or merge request (GitLab) for a finished session: its branch is pushed, then the PR is opened with a body made from the session (prompt, summary, commands run, changes, tokens and cost, a link back). An open PR for the branch is the answer when there is one",
      request: { params: Id },
      responses: { 200: json(PullRequest, "the pull request"), ...errors },
    }),
    async (c) => {
      const p = c.get("principal");
      const origin = new URL(c.req.url).origin;
      return c.json(await Publish.open(ctx, p.tenantId, c.req.valid("param").id, byOf(p), origin), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sessions/{id}/pull-request",
      tags,
      summary:
        "The session's pull request, its state (open, closed, merged) read again from the forge; the stored state, with its checkedAt, when the forge does not answer",
      request: { params: Id },
      responses: { 200: json(PullRequest, "the pull request"), ...errors },
    }),
    async (c) => {
      const p = c.get("principal");
      const id = c.req.valid("param").id;
      const pr = await Publish.read(ctx, p.tenantId, id, (err) =>
        deps.log.warn({ err, session: id }, "reading a pull request's state from its forge failed"),
      );
      return c.json(pr, 200);
    },
  );
}

const byOf = (p: { keyId?: string | null }) => (p.keyId ? `key:${p.keyId}` : "dev");
