import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import {
  CreateWebhook,
  Delivery,
  DeliveryQuery,
  NewWebhook,
  UpdateWebhook,
  Webhook,
} from "@orchestrator/sdk";
import type { App, Deps, Env } from "../api/deps.ts";
import { body, errors, json } from "../api/doc.ts";
import { AppError } from "../error.ts";
import * as Send from "./send.ts";
import * as Store from "./store.ts";

const tags = ["Webhooks"];
const Ref = z.object({ id: z.uuid() });

/**
 * Webhooks are for the tenant's admins, reading included: a chat's incoming-webhook URL is itself a
 * secret (Slack's holds its token in the path).
 */
export function routes(app: App, deps: Deps): void {
  const adminOnly: MiddlewareHandler<Env> = async (c, next) => {
    if (c.get("principal").role !== "admin") throw new AppError("forbidden", "webhooks need an admin key");
    return next();
  };
  app.use("/api/v1/webhooks", adminOnly);
  app.use("/api/v1/webhooks/*", adminOnly);
  const tenant = (c: { get(k: "principal"): { tenantId: string } }) => c.get("principal").tenantId;
  const now = () => deps.clock.now();

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/webhooks",
      tags,
      summary:
        "Register a webhook: the URL (refused when it resolves to a loopback, link-local or private address) and its events",
      request: body(CreateWebhook),
      responses: { 201: json(NewWebhook, "registered; the signing secret is shown only here"), ...errors },
    }),
    async (c) => {
      const made = await Store.create(deps.db, deps.config, tenant(c), c.req.valid("json"), now());
      deps.webhooks.wake();
      return c.json({ ...made.webhook, secret: made.secret }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/webhooks",
      tags,
      responses: { 200: json(z.object({ items: z.array(Webhook) }), "the tenant's webhooks"), ...errors },
    }),
    async (c) => c.json({ items: await Store.list(deps.db, tenant(c), now()) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/webhooks/{id}",
      tags,
      request: { params: Ref },
      responses: { 200: json(Webhook, "the webhook"), ...errors },
    }),
    async (c) => c.json(await Store.get(deps.db, tenant(c), c.req.valid("param").id, now()), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/webhooks/{id}",
      tags,
      summary: "Change the URL, events, description or active flag (back on: from now, not what was missed)",
      request: { params: Ref, ...body(UpdateWebhook) },
      responses: { 200: json(Webhook, "updated"), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const hook = await Store.update(deps.db, deps.config, tenant(c), id, c.req.valid("json"), now());
      deps.webhooks.wake();
      return c.json(hook, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/webhooks/{id}",
      tags,
      summary: "Remove a webhook and its deliveries",
      request: { params: Ref },
      responses: { 204: { description: "removed" }, ...errors },
    }),
    async (c) => {
      await Store.remove(deps.db, tenant(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/webhooks/{id}/rotate",
      tags,
      summary: "A new signing secret, shown only here; the old one signs nothing from now on",
      request: { params: Ref },
      responses: { 200: json(NewWebhook, "the webhook with its new secret"), ...errors },
    }),
    async (c) => {
      const made = await Store.rotate(deps.db, tenant(c), c.req.valid("param").id, now());
      return c.json({ ...made.webhook, secret: made.secret }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/webhooks/{id}/deliveries",
      tags,
      summary: "The webhook's deliveries, newest first: status, attempts, the last answer and the body sent",
      request: { params: Ref, query: DeliveryQuery },
      responses: { 200: json(z.object({ items: z.array(Delivery) }), "deliveries"), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json({ items: await Store.deliveries(deps.db, tenant(c), id, c.req.valid("query")) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/webhooks/{id}/ping",
      tags,
      summary: "Send a test delivery (event ping) now, once, and answer how it went",
      request: { params: Ref },
      responses: { 200: json(Delivery, "the ping's delivery: delivered, or failed with why"), ...errors },
    }),
    async (c) => c.json(await Send.ping(deps, tenant(c), c.req.valid("param").id), 200),
  );
}
