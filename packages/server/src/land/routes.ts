import { createRoute, z } from "@hono/zod-openapi";
import { Landed } from "@orchestrator/sdk";
import type { App, Deps } from "../api/deps.ts";
import { errors, json } from "../api/doc.ts";
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
      const by = p.keyId ? `key:${p.keyId}` : "dev";
      const landed = await Land.merge(
        deps.db,
        () => deps.clock.now(),
        p.tenantId,
        c.req.valid("param").id,
        by,
      );
      return c.json(landed, 200);
    },
  );
}
