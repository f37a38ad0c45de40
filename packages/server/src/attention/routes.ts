import { createRoute } from "@hono/zod-openapi";
import { Attention } from "@orchestrator/sdk";
import type { App, Deps } from "../api/deps.ts";
import { errors, json } from "../api/doc.ts";
import * as Sessions from "../session/store.ts";
import { queue } from "./attention.ts";

export function routes(app: App, deps: Deps): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/attention",
      tags: ["Attention"],
      summary:
        "What needs a person, ranked: waiting approvals, stalled sessions, failed ones, then finished ones to review",
      responses: { 200: json(Attention, "the attention queue"), ...errors },
    }),
    async (c) => {
      const tenantId = c.get("principal").tenantId;
      // A run whose lease ran out is ended first, so it shows as failed or requeued rather than stalled.
      await Sessions.settle(deps.store, tenantId);
      return c.json(await queue(deps.db, tenantId, deps.clock.now()), 200);
    },
  );
}
