import { createRoute, z } from "@hono/zod-openapi";
import { Diff, Messages, Rounds, SendMessage, Sent } from "@orchestrator/sdk";
import type { App, Deps } from "../api/deps.ts";
import { body, errors, json } from "../api/doc.ts";
import { toPublic } from "../session/row.ts";
import * as Sessions from "../session/store.ts";
import * as Diffs from "./diff.ts";
import * as Talk from "./store.ts";

const tags = ["Sessions"];
const Id = z.object({ id: z.uuid() });

export function routes(app: App, deps: Deps): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sessions/{id}/messages",
      tags,
      summary:
        "Send the agent a message. A running OpenCode session's agent reads it at its next turn, or at once with `steer` (its current turn is stopped); an ended one opens a new round on the same branch and conversation, with the message as its prompt",
      request: { params: Id, ...body(SendMessage) },
      responses: {
        202: json(
          Sent,
          "sent: its run hands it to the agent, or the ended session is queued for a new round",
        ),
        ...errors,
      },
    }),
    async (c) => {
      const p = c.get("principal");
      const { message, session, newRound } = await Talk.send(
        deps.store,
        p.tenantId,
        c.req.valid("param").id,
        {
          text: c.req.valid("json").text,
          steer: c.req.valid("json").steer,
          comments: c.req.valid("json").comments,
          author: p.keyId ? `key:${p.keyId}` : "dev",
        },
      );
      return c.json({ message, session: toPublic(session), newRound }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sessions/{id}/messages",
      tags,
      summary: "A session's messages from people, oldest first, with when each reached the agent",
      request: { params: Id },
      responses: { 200: json(Messages, "the messages"), ...errors },
    }),
    async (c) => {
      const tenantId = c.get("principal").tenantId;
      const id = c.req.valid("param").id;
      await Sessions.get(deps.db, tenantId, id);
      return c.json({ items: await Talk.list(deps.db, tenantId, id) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sessions/{id}/rounds",
      tags,
      summary:
        "A session's rounds: its first run, then one per follow-up that reopened it (review comments too), each with the commits it began and ended at and the size of its diff",
      request: { params: Id },
      responses: { 200: json(Rounds, "the rounds, oldest first"), ...errors },
    }),
    async (c) => {
      const items = await Diffs.rounds(deps.db, c.get("principal").tenantId, c.req.valid("param").id);
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sessions/{id}/diff",
      tags,
      summary:
        "A session's diff: its branch against its base, or with `round`, only what that round changed (from where the round began to where it ended)",
      request: {
        params: Id,
        query: z
          .object({ round: z.coerce.number().int().min(1).optional().describe("one round, 1 for the first") })
          .strict(),
      },
      responses: { 200: json(Diff, "files changed and the patch"), ...errors },
    }),
    async (c) => {
      const { round } = c.req.valid("query");
      return c.json(
        await Diffs.roundDiff(deps.db, c.get("principal").tenantId, c.req.valid("param").id, round),
        200,
      );
    },
  );
}
