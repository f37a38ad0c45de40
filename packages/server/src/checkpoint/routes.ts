import { createRoute, z } from "@hono/zod-openapi";
import { CheckpointItem, Fork, SeqParam, Session } from "@orchestrator/sdk";
import type { App, Deps } from "../api/deps.ts";
import { body, errors, json } from "../api/doc.ts";
import { toPublic } from "../session/row.ts";
import * as Store from "./store.ts";

const tags = ["Checkpoints"];
const At = z.object({
  id: z.uuid(),
  seq: SeqParam.min(1),
});

export function routes(app: App, deps: Deps): void {
  const tenant = (c: { get(k: "principal"): { tenantId: string } }) => c.get("principal").tenantId;

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sessions/{id}/checkpoints",
      tags,
      summary: "The session's checkpoints (commits on its branch plus conversation positions), oldest first",
      request: { params: z.object({ id: z.uuid() }) },
      responses: { 200: json(z.object({ items: z.array(CheckpointItem) }), "checkpoints"), ...errors },
    }),
    async (c) => c.json({ items: await Store.list(deps.db, tenant(c), c.req.valid("param").id) }, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sessions/{id}/checkpoints/{seq}/restore",
      tags,
      summary:
        "Rewind the worktree and the conversation to a checkpoint; then resume or retry continues from it",
      request: { params: At },
      responses: { 200: json(Session, "the session, its checkpoint rewound"), ...errors },
    }),
    async (c) => {
      const { id, seq } = c.req.valid("param");
      const row = await Store.restore(deps.store, tenant(c), id, seq, deps.config.dataDir);
      return c.json(toPublic(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sessions/{id}/checkpoints/{seq}/fork",
      tags,
      summary:
        "Start a new session from a checkpoint: a new branch from its commit, the conversation forked there",
      request: { params: At, ...body(Fork) },
      responses: { 201: json(Session, "the new session"), ...errors },
    }),
    async (c) => {
      const { id, seq } = c.req.valid("param");
      const row = await Store.fork(deps.store, tenant(c), id, seq, c.req.valid("json"), deps.config.dataDir);
      return c.json(toPublic(row), 201);
    },
  );
}
