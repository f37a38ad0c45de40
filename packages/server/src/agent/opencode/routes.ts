import { createRoute, z } from "@hono/zod-openapi";
import { Profile } from "@orchestrator/sdk";
import type { App, Deps } from "../../api/deps.ts";
import { errors, json } from "../../api/doc.ts";
import { toPublic } from "./profile.ts";

const Server = z.object({
  n: z.number().int(),
  pid: z.number().int(),
  url: z.string(),
  busy: z.number().int().describe("sessions running on it"),
  state: z.enum(["starting", "ready"]),
});

export function routes(app: App, deps: Deps): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/profiles",
      tags: ["Agents"],
      summary:
        "OpenCode agent profiles: model, agent, permissions; `default` is used when a session names none",
      responses: {
        200: json(z.object({ items: z.array(Profile), default: z.string() }), "profiles"),
        ...errors,
      },
    }),
    (c) =>
      c.json(
        {
          items: deps.profiles.all().map((p) => toPublic(p, deps.config.keys)),
          default: deps.profiles.default,
        },
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/opencode/servers",
      tags: ["Agents"],
      summary: "The OpenCode servers this node runs, and how busy each is",
      responses: {
        200: json(
          z.object({ items: z.array(Server), max: z.number().int(), perServer: z.number().int() }),
          "servers",
        ),
        ...errors,
      },
    }),
    (c) =>
      c.json(
        {
          items: deps.pool.servers(),
          max: deps.config.opencode.maxServers,
          perServer: deps.config.opencode.sessionsPerServer,
        },
        200,
      ),
  );
}
