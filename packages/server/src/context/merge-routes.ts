import { createRoute, z } from "@hono/zod-openapi";
import { Context } from "@orchestrator/sdk";
import type { App, Deps } from "../api/deps.ts";
import { body, errors, json } from "../api/doc.ts";
import type { Principal } from "../auth/key.ts";
import { AppError, notFound } from "../error.ts";
import { diff } from "./merge.ts";
import * as Merges from "./merges.ts";
import { actorOf, by, mayWrite, visible } from "./routes.ts";
import * as Store from "./store.ts";

/**
 * Versions, diffs, merges and promotion of shared context. A merge of a document into another (or a
 * promotion of a session's findings to its plan, project or tenant) follows a strategy; a manual merge
 * with conflicts waits at /api/v1/context-merges for a person to choose.
 */

const tags = ["Context"];
const Id = z.object({ id: z.uuid().describe("document id") });
const Version = Id.extend({ version: z.coerce.number().int().min(0).describe("a version of the document") });
const DiffQuery = z
  .object({
    from: z.coerce.number().int().min(0).optional().describe("a version (default: the one before `to`)"),
    to: z.coerce.number().int().min(0).optional().describe("a version (default: the current one)"),
    against: z.uuid().optional().describe("another document: its current version against this one's `to`"),
  })
  .strict();
const Diffed = z
  .object({
    from: z.object({ id: z.uuid(), version: z.number().int() }),
    to: z.object({ id: z.uuid(), version: z.number().int() }),
    changes: z.array(Context.Difference),
  })
  .meta({ id: "ContextDiff" });
const MergeIn = z
  .object({
    source: z.uuid().describe("the document merged into this one"),
    strategy: Context.Strategy.default("deep_merge"),
  })
  .strict()
  .meta({ id: "ContextMergeRequest" });
const PromoteIn = z
  .object({
    scope: Context.Scope.describe("where to: usually the plan, project or tenant"),
    ownerId: z.string().min(1).max(200).optional(),
    name: z.string().trim().min(1).max(200).optional().describe("default: this document's name"),
    strategy: Context.Strategy.default("deep_merge"),
  })
  .strict()
  .meta({ id: "ContextPromote" });
const MergeId = z.object({ id: z.uuid().describe("merge id") });
const MergeQuery = z
  .object({
    status: z.enum(["applied", "open", "resolved", "abandoned"]).optional(),
    contextId: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
const Settle = z
  .object({ choices: z.array(Context.Choice).min(1).max(1000) })
  .strict()
  .meta({ id: "ContextSettle" });
const mergeErrors = {
  ...errors,
  412: json(z.object({ error: z.unknown() }), "the target changed meanwhile: merge again"),
};

export function routes(app: App, deps: Deps): void {
  const principal = (c: { get(k: "principal"): Principal }) => c.get("principal");
  const who = (p: Principal): Merges.By => ({ name: by(p), actor: actorOf(p), may: (d) => visible(p, d) });
  const seen = async (p: Principal, id: string) => {
    const doc = await Store.get(deps.db, p.tenantId, id, deps.clock.now());
    if (!visible(p, doc)) throw notFound("context", id);
    return doc;
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/contexts/{id}/versions/{version}",
      tags,
      summary: "A document as it was at a version (replayed from its history)",
      request: { params: Version },
      responses: {
        200: json(z.object({ id: z.uuid(), version: z.number().int(), data: z.unknown() }), "that version"),
        ...errors,
      },
    }),
    async (c) => {
      const { id, version } = c.req.valid("param");
      const p = principal(c);
      await seen(p, id);
      return c.json({ id, version, data: await Merges.at(deps.db, p.tenantId, id, version) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/contexts/{id}/diff",
      tags,
      summary: "What changed between two versions of a document, or between it and another document",
      request: { params: Id, query: DiffQuery },
      responses: { 200: json(Diffed, "the differences, leaf by leaf"), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const q = c.req.valid("query");
      const p = principal(c);
      const doc = await seen(p, id);
      const to = q.to ?? doc.version;
      const right = await Merges.at(deps.db, p.tenantId, id, to);
      if (q.against) {
        if (q.from !== undefined)
          throw new AppError("validation_failed", "query.from: give from or against, not both", {
            issues: [{ path: "query.from", message: "not with against" }],
          });
        const other = await seen(p, q.against);
        return c.json(
          {
            from: { id: other.id, version: other.version },
            to: { id, version: to },
            changes: diff(other.data, right),
          },
          200,
        );
      }
      const from = q.from ?? Math.max(0, to - 1);
      const left = await Merges.at(deps.db, p.tenantId, id, from);
      return c.json(
        { from: { id, version: from }, to: { id, version: to }, changes: diff(left, right) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/contexts/{id}/merge",
      tags,
      summary:
        "Merge another document into this one by a strategy; a manual merge with conflicts is kept open for a person (status open)",
      request: { params: Id, ...body(MergeIn) },
      responses: {
        201: json(Context.Merge, "the merge: applied, or open with its conflicts"),
        ...mergeErrors,
      },
    }),
    async (c) => {
      const p = principal(c);
      const { source, strategy } = c.req.valid("json");
      const m = await Merges.create(
        deps.db,
        p.tenantId,
        c.req.valid("param").id,
        source,
        strategy,
        who(p),
        deps.clock.now(),
      );
      return c.json(m, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/contexts/{id}/promote",
      tags,
      summary:
        "Share or promote a document: merge it into the document of the same name (or `name`) of another scope, made if need be",
      request: { params: Id, ...body(PromoteIn) },
      responses: { 201: json(Context.Merge, "the merge into the target"), ...mergeErrors },
    }),
    async (c) => {
      const p = principal(c);
      const { id } = c.req.valid("param");
      const to = c.req.valid("json");
      const doc = await seen(p, id);
      const target = { scope: to.scope, ownerId: to.ownerId ?? null, name: to.name ?? doc.name };
      mayWrite(p, target);
      const now = deps.clock.now();
      const targetId = await Store.ensure(deps.db, p.tenantId, target, by(p), now);
      return c.json(await Merges.create(deps.db, p.tenantId, targetId, id, to.strategy, who(p), now), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/context-merges",
      tags,
      summary: "Merges, newest first: the open ones wait for a person to choose for each conflict",
      request: { query: MergeQuery },
      responses: { 200: json(z.object({ items: z.array(Context.Merge) }), "merges"), ...errors },
    }),
    async (c) => {
      const { limit, ...f } = c.req.valid("query");
      return c.json({ items: await Merges.list(deps.db, principal(c).tenantId, f, limit) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/context-merges/{id}",
      tags,
      summary: "One merge, with its conflicts",
      request: { params: MergeId },
      responses: { 200: json(Context.Merge, "the merge"), ...errors },
    }),
    async (c) => c.json(await Merges.one(deps.db, principal(c).tenantId, c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/context-merges/{id}/resolve",
      tags,
      summary:
        "Settle an open merge: for each conflict take the target's value, the source's, or a value of your own; 412 if the target changed since",
      request: { params: MergeId, ...body(Settle) },
      responses: { 200: json(Context.Merge, "resolved and written"), ...mergeErrors },
    }),
    async (c) => {
      const p = principal(c);
      const m = await Merges.settle(
        deps.db,
        p.tenantId,
        c.req.valid("param").id,
        c.req.valid("json").choices,
        who(p),
        deps.clock.now(),
      );
      return c.json(m, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/context-merges/{id}/abandon",
      tags,
      summary: "Give up an open merge: the target stays as it is",
      request: { params: MergeId },
      responses: { 200: json(Context.Merge, "abandoned"), ...errors },
    }),
    async (c) => {
      const p = principal(c);
      return c.json(
        await Merges.abandon(deps.db, p.tenantId, c.req.valid("param").id, by(p), deps.clock.now()),
        200,
      );
    },
  );
}
