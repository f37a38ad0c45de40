import * as Conversation from "../conversation/routes.ts";
import * as Land from "../land/routes.ts";
import { randomUUID } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../error.ts";
import { authenticate } from "../auth/middleware.ts";
import * as Sessions from "../session/routes.ts";
import * as Plans from "../plan/routes.ts";
import * as Contexts from "../context/routes.ts";
import * as ContextMerges from "../context/merge-routes.ts";
import * as Projects from "../project/routes.ts";
import * as Approvals from "../approval/routes.ts";
import * as Checkpoints from "../checkpoint/routes.ts";
import * as OpencodeRoutes from "../agent/opencode/routes.ts";
import * as ApiKeys from "../auth/routes.ts";
import * as Agents from "../registry/routes.ts";
import * as Eap from "../agent/eap/routes.ts";
import * as A2a from "../agent/a2a/routes.ts";
import * as Streams from "../event/stream.ts";
import * as AttentionRoutes from "../attention/routes.ts";
import * as Mcp from "../mcp/route.ts";
import * as Webhooks from "../webhook/routes.ts";
import type { App, Deps, Env } from "./deps.ts";
import { onError, validation } from "./errors.ts";
import { refuseUnstorable } from "./text.ts";
import * as Ops from "./ops.ts";
import * as Dashboard from "./dashboard.ts";

export function create(deps: Deps): App {
  const app: App = new OpenAPIHono<Env>({
    defaultHook: (result) => {
      if (!result.success) throw validation(result.target, result.error);
    },
  });

  app.use(async (c, next) => {
    const requestId = c.req.header("x-request-id")?.slice(0, 100) || randomUUID();
    const log = deps.log.child({ requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    c.header("x-request-id", requestId);
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    const route = c.req.routePath || "unmatched";
    deps.metrics.http.observe({ method: c.req.method, route, status: String(c.res.status) }, ms / 1000);
    // The query is logged too (a cursor, a filter); log.ts scrubs any credential from it.
    const { pathname, search } = new URL(c.req.url);
    log.info(
      { method: c.req.method, url: pathname + search, status: c.res.status, ms: Math.round(ms * 10) / 10 },
      "request",
    );
  });

  app.use(
    "/api/*",
    bodyLimit({
      maxSize: deps.config.bodyLimitBytes,
      onError: () => {
        throw new AppError("payload_too_large", `request body exceeds ${deps.config.bodyLimitBytes} bytes`, {
          limit: deps.config.bodyLimitBytes,
        });
      },
    }),
  );
  // A body that is not declared JSON would otherwise be read as {} and reported as missing fields.
  app.use("/api/*", async (c, next) => {
    const type = c.req.header("content-type");
    const hasBody =
      c.req.header("content-length") !== "0" &&
      (c.req.header("content-length") || c.req.header("transfer-encoding"));
    if (
      ["POST", "PATCH", "PUT"].includes(c.req.method) &&
      hasBody &&
      !/^application\/(.+\+)?json\b/i.test(type ?? "")
    ) {
      throw new AppError(
        "validation_failed",
        `header.content-type: expected application/json, got ${type ?? "none"}`,
        {
          issues: [{ path: "header.content-type", message: "expected application/json" }],
        },
      );
    }
    return next();
  });
  app.use("/api/*", authenticate(deps));
  app.use("/ws/*", authenticate(deps));
  app.use(refuseUnstorable);

  Sessions.routes(app, deps);
  Projects.routes(app, deps);
  Plans.routes(app, deps, deps.plans);
  Contexts.routes(app, deps);
  ContextMerges.routes(app, deps);
  Approvals.routes(app, deps);
  Checkpoints.routes(app, deps);
  Conversation.routes(app, deps);
  Land.routes(app, deps);
  OpencodeRoutes.routes(app, deps);
  ApiKeys.routes(app, deps);
  Streams.routes(app, deps);
  AttentionRoutes.routes(app, deps);
  Webhooks.routes(app, deps);
  Ops.routes(app, deps);

  Agents.routes(app, deps);
  Eap.routes(app, deps, deps.waiters);
  A2a.routes(app, deps);
  Mcp.routes(app, deps);

  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description:
      "An API key, or a session credential (ios_…) from an EAP assignment: that one reaches only its work's shared context, its plan's tasks, its session and /mcp",
  });
  // An EAP agent's own token standing for one task it holds: the three headers together (middleware.ts).
  for (const [name, header] of [
    ["agentId", "x-agent-id"],
    ["agentToken", "x-agent-token"],
    ["agentTask", "x-agent-task"],
  ])
    app.openAPIRegistry.registerComponent("securitySchemes", name!, {
      type: "apiKey",
      in: "header",
      name: header!,
      description:
        "With agentId and agentToken, agentTask (a task the EAP agent holds) stands for that task's work, as its session credential would; 409 lease_lost once the agent no longer holds it",
    });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Industrial Orchestrator",
      version: "0.1.0",
      description: "Durable, observable sessions for coding agents.",
    },
    security: [{ apiKey: [] }, { agentId: [], agentToken: [], agentTask: [] }],
  });
  Dashboard.routes(app, deps);

  app.notFound((c) =>
    c.json(new AppError("not_found", `no route for ${c.req.method} ${c.req.path}`).toJSON(), 404),
  );
  app.onError(onError);
  return app;
}
