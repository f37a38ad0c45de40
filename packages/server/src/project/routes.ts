import { existsSync } from "node:fs";
import path from "node:path";
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { CreateProject, Project, UpdateProject, Worktree } from "@orchestrator/sdk";
import type { App, Deps } from "../api/deps.ts";
import { body, errors, json } from "../api/doc.ts";
import { branchFor, rootFor } from "../workspace/worktree.ts";
import * as Repos from "../tenant/repos.ts";
import * as Remotes from "../land/remotes.ts";
import * as Store from "./store.ts";

const tags = ["Projects"];
const Ref = z.object({ name: z.string().min(1).max(64).describe("project name or id") });

export function routes(app: App, deps: Deps): void {
  const tenant = (c: { get(k: "principal"): { tenantId: string } }) => c.get("principal").tenantId;

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/projects",
      tags,
      summary:
        "Register a git repository under the tenant's repository roots (GET /api/v1/me says which) that no other tenant holds",
      request: body(CreateProject),
      responses: { 201: json(Project, "registered"), ...errors },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const repo = await Repos.take(deps, tenant(c), input.path, input.baseBranch, Store.fields);
      const remote = input.remote ? await Remotes.change(deps, input.remote, null) : null;
      const row = await Store.create(deps.db, tenant(c), input, repo, deps.clock.now(), remote);
      return c.json(Store.toPublic(row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/projects",
      tags,
      responses: { 200: json(z.object({ items: z.array(Project) }), "the tenant's projects"), ...errors },
    }),
    async (c) => c.json({ items: (await Store.list(deps.db, tenant(c))).map(Store.toPublic) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/projects/{name}",
      tags,
      request: { params: Ref },
      responses: { 200: json(Project, "the project"), ...errors },
    }),
    async (c) => c.json(Store.toPublic(await Store.get(deps.db, tenant(c), c.req.valid("param").name)), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/projects/{name}",
      tags,
      request: { params: Ref, ...body(UpdateProject) },
      responses: { 200: json(Project, "updated"), ...errors },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const input = c.req.valid("json");
      const given = input.remote;
      const remote =
        given === undefined
          ? undefined
          : (before: Store.Row) => (given ? Remotes.change(deps, given, before) : Promise.resolve(null));
      const row = await Store.update(deps.db, tenant(c), name, input, deps.clock.now(), remote);
      return c.json(Store.toPublic(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/projects/{name}",
      tags,
      summary: "Unregister (refused while a session of it has not ended; branches and worktrees stay)",
      request: { params: Ref },
      responses: { 204: { description: "unregistered" }, ...errors },
    }),
    async (c) => {
      await Store.remove(deps.db, tenant(c), c.req.valid("param").name);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/projects/{name}/worktrees",
      tags,
      summary: "The project's session worktrees, newest first",
      request: { params: Ref },
      responses: { 200: json(z.object({ items: z.array(Worktree) }), "worktrees"), ...errors },
    }),
    async (c) => {
      const p = await Store.get(deps.db, tenant(c), c.req.valid("param").name);
      const rows = await deps.db.rows(sql`
        select id, status from sessions where project_id = ${p.id} and deleted_at is null
        order by created_at desc limit 200`);
      const root = rootFor(deps.config.dataDir);
      const items = rows.map((r) => {
        const dir = path.join(root, String(r.id));
        return {
          sessionId: String(r.id),
          status: String(r.status),
          path: dir,
          branch: branchFor(String(r.id)),
          exists: existsSync(dir),
        };
      });
      return c.json({ items }, 200);
    },
  );
}
