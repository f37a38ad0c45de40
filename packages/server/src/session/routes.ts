import { createRoute, z } from "@hono/zod-openapi";
import {
  CancelMany,
  CancelResults,
  Create,
  EventPage,
  ListQuery,
  Page,
  Reason,
  SeqParam,
  Session,
  Stats,
  StatsQuery,
  Update,
} from "@orchestrator/sdk";
import { AppError } from "../error.ts";
import type { App, Deps } from "../api/deps.ts";
import * as Events from "../event/log.ts";
import type { Event } from "./machine.ts";
import { toPublic } from "./row.ts";
import * as Store from "./store.ts";
import * as Bulk from "./bulk.ts";
import { submit } from "./submit.ts";
import { stats } from "./stats.ts";
import { sse } from "../event/stream.ts";
import { validation } from "../api/errors.ts";
import { body, errors, json } from "../api/doc.ts";

const tags = ["Sessions"];
const Id = z.object({ id: z.uuid() });

const EventsQuery = z
  .object({
    after: SeqParam.optional().describe("resume after this seq"),
    access_token: z
      .string()
      .optional()
      .describe("the API key, for a browser's EventSource only (it cannot send headers); never logged"),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .strict();

export function routes(app: App, deps: Deps): void {
  const tenant = (c: { get(k: "principal"): { tenantId: string } }) => c.get("principal").tenantId;
  /** Who a person's action is logged as: their key, or `dev` on a server without keys. */
  const by = (c: { get(k: "principal"): { keyId: string | null } }) => {
    const keyId = c.get("principal").keyId;
    return keyId ? `key:${keyId}` : "dev";
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sessions",
      tags,
      request: body(Create),
      responses: { 201: json(Session, "created"), ...errors },
    }),
    async (c) => c.json(toPublic(await submit(deps, tenant(c), c.req.valid("json"))), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sessions",
      tags,
      request: { query: ListQuery },
      responses: { 200: json(Page, "a page of sessions"), ...errors },
    }),
    async (c) => {
      await Store.settle(deps.store, tenant(c));
      return c.json(await Store.list(deps.db, tenant(c), c.req.valid("query")), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sessions/stats",
      tags,
      summary: "Counts by status, starts and ends per minute, and totals per UTC day, project and agent",
      request: { query: StatsQuery },
      responses: { 200: json(Stats, "counts, the last hour, and the window's totals"), ...errors },
    }),
    async (c) => {
      await Store.settle(deps.store, tenant(c));
      const { days } = c.req.valid("query");
      return c.json(await stats(deps.db, tenant(c), deps.clock.now(), days), 200);
    },
  );

  // A fixed segment, like /stats: it has no POST /{id} to be mistaken for, and is registered before them.
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sessions/cancel",
      tags,
      summary: "Cancel many sessions; each gets its own result (one that cannot be cancelled says why)",
      request: body(CancelMany),
      responses: { 200: json(CancelResults, "one result per id, in order"), ...errors },
    }),
    async (c) => {
      const { ids, reason } = c.req.valid("json");
      return c.json(await Bulk.cancel(deps.store, tenant(c), ids, reason, by(c)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sessions/{id}",
      tags,
      request: { params: Id },
      responses: { 200: json(Session, "the session"), ...errors },
    }),
    async (c) => c.json(toPublic(await Store.read(deps.store, tenant(c), c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/sessions/{id}",
      tags,
      request: { params: Id, ...body(Update) },
      responses: { 200: json(Session, "updated"), ...errors },
    }),
    async (c) =>
      c.json(
        toPublic(await Store.update(deps.store, tenant(c), c.req.valid("param").id, c.req.valid("json"))),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/sessions/{id}",
      tags,
      request: { params: Id },
      responses: { 204: { description: "deleted (cancelled first if it had not ended)" }, ...errors },
    }),
    async (c) => {
      await Store.remove(deps.store, tenant(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );

  const actions: Record<string, (reason?: string) => Event> = {
    start: () => ({ type: "start" }),
    cancel: (reason) => ({ type: "cancel", reason }),
    stop: (reason) => ({ type: "stop", reason }),
    pause: (reason) => ({ type: "pause", reason }),
    resume: () => ({ type: "resume" }),
    retry: () => ({ type: "retry" }),
  };
  for (const [name, event] of Object.entries(actions)) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/v1/sessions/{id}/${name}`,
        tags,
        summary: `${name} the session`,
        description: "Optional JSON body: { reason }.",
        request: { params: Id },
        responses: { 200: json(Session, "the session after the transition"), ...errors },
      }),
      async (c) => {
        // Through Hono's request, which caches the body: the text guard (api/text.ts) has read it already.
        const { reason } = await optional(c.req, Reason);
        const row = await Store.transition(deps.store, c.req.valid("param").id, event(reason), {
          tenantId: tenant(c),
          reason,
          by: by(c),
        });
        return c.json(toPublic(row), 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sessions/{id}/review",
      tags,
      summary: "Mark an ended session reviewed: it leaves the attention queue (again: no change)",
      request: { params: Id },
      responses: { 200: json(Session, "the session, reviewed"), ...errors },
    }),
    async (c) => {
      const p = c.get("principal");
      return c.json(
        toPublic(await Store.review(deps.store, p.tenantId, c.req.valid("param").id, by(c))),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sessions/{id}/events",
      tags,
      summary:
        "The session's event log: JSON pages, or a live stream with Accept: text/event-stream (resumes from Last-Event-ID or ?after=)",
      request: {
        params: Id,
        query: EventsQuery,
        headers: z.object({
          "last-event-id": SeqParam.optional().describe(
            "SSE: resume after this seq (what a browser sends back)",
          ),
        }),
      },
      responses: { 200: json(EventPage, "events in seq order"), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { after, limit } = c.req.valid("query");
      await Store.get(deps.db, tenant(c), id);
      if (c.req.header("accept")?.includes("text/event-stream")) {
        const resume = c.req.valid("header")["last-event-id"] ?? after;
        return (await sse(c, deps, { tenantId: tenant(c), sessionId: id, afterSeq: resume ?? 0 })) as never;
      }
      const items = await Events.read(deps.db, {
        tenantId: tenant(c),
        sessionId: id,
        afterSeq: after ?? 0,
        limit,
      });
      return c.json({ items }, 200);
    },
  );
}

/** An optional JSON body: empty means {}; anything else must parse and validate. */
async function optional<T extends z.ZodType>(
  req: { text(): Promise<string> },
  schema: T,
): Promise<z.output<T>> {
  const text = await req.text();
  if (!text.trim()) return schema.parse({});
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AppError("malformed_json", `request body is not valid JSON: ${(err as Error).message}`, {
      path: ["body"],
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validation("json", parsed.error);
  return parsed.data;
}
