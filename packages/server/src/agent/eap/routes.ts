import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Eap } from "@orchestrator/sdk";
import type { App, Deps, Env } from "../../api/deps.ts";
import { body, errors, json } from "../../api/doc.ts";
import * as Registry from "../../registry/store.ts";
import * as Life from "../../registry/life.ts";
import { registrar } from "./ops.ts";
import * as Tasks from "./tasks.ts";
import type { Waiters } from "./waiters.ts";

const tags = ["External agents (EAP)"];
const Id = z.object({ id: z.uuid() });
const Task = z.object({ id: z.uuid(), task: z.uuid() });
const agentErrors = {
  ...errors,
  401: json(z.object({ error: z.unknown() }), "missing or wrong X-Agent-Token"),
};

/** EAP v1 over REST, at the reference ADR's paths. Everything after registration authenticates the agent by token. */
export function routes(app: App, deps: Deps, waiters: Waiters): void {
  const register = registrar(deps);
  const agent = (c: Context<Env>) =>
    Registry.authenticate(deps.db, c.req.param("id") ?? "", c.req.header("x-agent-token"));

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/agents/external/register",
      tags,
      summary: "Register an EAP agent; the token and signing secret are shown once",
      request: body(Eap.Register),
      responses: { 201: json(Eap.Registered, "registered"), 429: json(z.unknown(), "too many"), ...errors },
    }),
    async (c) => c.json(await register(c.get("principal").tenantId, c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/agents/external/{id}/heartbeat",
      tags,
      request: { params: Id, ...body(Eap.Heartbeat) },
      responses: {
        200: json(Eap.HeartbeatReply, "what the orchestrator wants of the agent"),
        ...agentErrors,
      },
    }),
    async (c) => {
      const a = await agent(c);
      return c.json(await Life.heartbeat(deps.db, a, c.req.valid("json"), deps.clock.now()), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/agents/external/{id}/deregister",
      tags,
      request: { params: Id, ...body(Eap.Deregister) },
      responses: {
        200: json(z.object({ status: z.enum(["draining", "deregistered"]), tasks: z.number() }), "done"),
        ...agentErrors,
      },
    }),
    async (c) => {
      const a = await agent(c);
      const { graceful, reason } = c.req.valid("json");
      return c.json(await Life.deregister(deps.store, a, graceful, reason ?? null), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/agents/external/{id}/token/rotate",
      tags,
      summary: "Replace the agent's token and signing secret; the old ones stop working at once",
      request: { params: Id },
      responses: { 200: json(Eap.Rotated, "the new token and secret, shown once"), ...agentErrors },
    }),
    async (c) => {
      const a = await agent(c);
      const { token, secret } = await Registry.rotate(deps.db, a, deps.clock.now());
      return c.json({ agent_id: a.id, auth_token: token, signing_secret: secret }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/agents/external/{id}/tasks/next",
      tags,
      summary: "Long-poll for the next assignment (pull mode)",
      request: {
        params: Id,
        query: z.object({ wait: z.coerce.number().min(0).max(60).default(25).describe("seconds") }).strict(),
      },
      responses: {
        200: json(Eap.Assignment, "an assignment"),
        204: { description: "nothing yet" },
        ...agentErrors,
      },
    }),
    async (c) => {
      const a = await agent(c);
      const waitMs = Math.min(c.req.valid("query").wait * 1000, deps.config.agents.maxPollMs);
      const row = await waiters.next(a, waitMs, c.req.raw.signal);
      return row ? c.json(await Tasks.offer(deps.db, row, deps.clock.now()), 200) : c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/agents/external/{id}/tasks/{task}/events",
      tags,
      request: { params: Task, ...body(Eap.Events) },
      responses: { 202: json(z.object({ accepted: z.number() }), "logged"), ...agentErrors },
    }),
    async (c) => {
      const a = await agent(c);
      const accepted = await Tasks.events(deps.store, a, c.req.valid("param").task, c.req.valid("json"));
      return c.json({ accepted }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/agents/external/{id}/tasks/{task}/inbox",
      tags,
      summary:
        "Read the task's inbox (long-poll): people's follow-up messages and the answers to the agent's questions",
      request: { params: Task, ...body(Eap.Inbox) },
      responses: { 200: json(Eap.InboxReply, "what came, possibly nothing"), ...agentErrors },
    }),
    async (c) => {
      const a = await agent(c);
      const wait = Math.min(c.req.valid("json").wait, deps.config.agents.maxPollMs / 1000);
      const body = { ...c.req.valid("json"), wait };
      const task = c.req.valid("param").task;
      return c.json(await Tasks.inbox(deps.store, waiters, a, task, body, c.req.raw.signal), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/agents/external/{id}/tasks/{task}/result",
      tags,
      summary:
        "Report an attempt's result: idempotent by task and attempt; 409 once the attempt is not yours",
      request: { params: Task, ...body(Eap.Result) },
      responses: { 200: json(Eap.Ack, "recorded, or a duplicate of what was"), ...agentErrors },
    }),
    async (c) => {
      const a = await agent(c);
      const out = await Tasks.result(deps.store, a, c.req.valid("param").task, c.req.valid("json"));
      return c.json({ status: out.status, session_status: out.row.status }, 200);
    },
  );
}
