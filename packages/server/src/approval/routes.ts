import { createRoute, z } from "@hono/zod-openapi";
import { Answer, Approval, ApprovalStatus } from "@orchestrator/sdk";
import type { App, Deps } from "../api/deps.ts";
import { body, errors, json } from "../api/doc.ts";
import * as Sessions from "../session/store.ts";
import * as Store from "./store.ts";

const tags = ["Approvals"];
const Items = z.object({ items: z.array(Approval) });
const Query = z
  .object({
    status: ApprovalStatus.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export function routes(app: App, deps: Deps): void {
  const tenant = (c: { get(k: "principal"): { tenantId: string } }) => c.get("principal").tenantId;

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/approvals",
      tags,
      summary: "Requests from agents that wait for a person (newest first); ?status=pending is the inbox",
      request: { query: Query },
      responses: { 200: json(Items, "approvals"), ...errors },
    }),
    async (c) => c.json({ items: await Store.list(deps.db, tenant(c), c.req.valid("query")) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sessions/{id}/approvals",
      tags,
      request: { params: z.object({ id: z.uuid() }), query: Query },
      responses: { 200: json(Items, "the session's approvals"), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await Sessions.get(deps.db, tenant(c), id);
      const items = await Store.list(deps.db, tenant(c), { ...c.req.valid("query"), sessionId: id });
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/approvals/{id}",
      tags,
      request: { params: z.object({ id: z.uuid() }) },
      responses: { 200: json(Approval, "the approval"), ...errors },
    }),
    async (c) => c.json(Store.toPublic(await Store.get(deps.db, tenant(c), c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/approvals/{id}",
      tags,
      summary: "Answer: a permission with reply once/always/reject (+message), a question with answers",
      request: { params: z.object({ id: z.uuid() }), ...body(Answer) },
      responses: { 200: json(Approval, "answered; the agent continues"), ...errors },
    }),
    async (c) => {
      const p = c.get("principal");
      const by = p.keyId ? `key:${p.keyId}` : "dev";
      const a = await Store.answer(
        deps.db,
        p.tenantId,
        c.req.valid("param").id,
        c.req.valid("json"),
        by,
        deps.clock.now(),
      );
      return c.json(a, 200);
    },
  );
}
