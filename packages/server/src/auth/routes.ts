import { createRoute, z } from "@hono/zod-openapi";
import { CreateKey, Key, Me, NewKey } from "@orchestrator/sdk";
import { AppError } from "../error.ts";
import type { MiddlewareHandler } from "hono";
import type { App, Deps, Env } from "../api/deps.ts";
import * as Keys from "./key.ts";
import * as Repos from "../tenant/repos.ts";
import { body, errors, json } from "../api/doc.ts";

const tags = ["API keys"];

/** Key management is for admins of the tenant; a key never sees another tenant's keys. */
export function routes(app: App, deps: Deps): void {
  const adminOnly: MiddlewareHandler<Env> = async (c, next) => {
    if (c.get("principal").role !== "admin")
      throw new AppError("forbidden", "managing API keys needs an admin key");
    return next();
  };
  app.use("/api/v1/keys", adminOnly);
  app.use("/api/v1/keys/*", adminOnly);

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/me",
      tags,
      summary:
        "Who the presented key is: its tenant, role and name, and the tenant's repository roots (any role may ask)",
      responses: { 200: json(Me, "the key's principal"), ...errors },
    }),
    async (c) => {
      const { tenantId, role, keyId } = c.get("principal");
      // The middleware set the principal from a live key, so the key row is there to name it.
      const keyName = keyId ? (await Keys.get(deps.db, tenantId, keyId)).name : null;
      const auth = deps.config.devNoAuth ? ("off" as const) : ("key" as const);
      const repoRoots = await Repos.roots(deps, tenantId);
      return c.json({ tenantId, role, keyId, keyName, auth, repoRoots }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/keys",
      tags,
      request: body(CreateKey),
      responses: { 201: json(NewKey, "the new key; its secret is shown only here"), ...errors },
    }),
    async (c) => {
      const { name, role } = c.req.valid("json");
      const tenantId = c.get("principal").tenantId;
      const made = await Keys.create(deps.db, tenantId, name, role);
      return c.json({ ...(await Keys.get(deps.db, tenantId, made.id)), key: made.key }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/keys",
      tags,
      responses: { 200: json(z.object({ items: z.array(Key) }), "the tenant's keys"), ...errors },
    }),
    async (c) => c.json({ items: await Keys.list(deps.db, c.get("principal").tenantId) }, 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/keys/{id}",
      tags,
      request: { params: z.object({ id: z.uuid() }) },
      responses: { 200: json(Key, "revoked"), ...errors },
    }),
    async (c) =>
      c.json(await Keys.revoke(deps.db, c.get("principal").tenantId, c.req.valid("param").id), 200),
  );
}
