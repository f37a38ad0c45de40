import { createRoute, z } from "@hono/zod-openapi";
import { Context } from "@orchestrator/sdk";
import type { App, Deps } from "../api/deps.ts";
import { body, errors, json } from "../api/doc.ts";
import { AppError, notFound } from "../error.ts";
import type { Principal } from "../auth/key.ts";
import * as Access from "../work/access.ts";
import * as Store from "./store.ts";
import * as Merges from "./merges.ts";
import * as Sessions from "../session/store.ts";

/**
 * Shared context over REST. People's API keys reach every scope of their tenant; a tenant-wide document
 * needs an admin key to create. An agent's session credential reaches only the session, plan and project
 * documents of its work (work/access.ts): any other answers 404, as if it did not exist.
 */

const tags = ["Context"];
const Id = z.object({ id: z.uuid().describe("document id") });
const Create = z
  .object({
    scope: Context.Scope,
    ownerId: z.string().min(1).max(200).optional().describe("the session, plan, project or agent id"),
    name: z.string().trim().min(1).max(200),
    data: z.unknown().optional().describe("the document's first content (default {})"),
  })
  .strict()
  .meta({ id: "ContextCreate" });
const Write = z
  .object({
    ops: Context.Patch,
    lastWriterWins: z
      .boolean()
      .default(false)
      .describe("without If-Match, overwrite values others changed (can lose their update)"),
    causationId: z.string().max(200).optional().describe("what caused this change (a request, an event)"),
  })
  .strict()
  .meta({ id: "ContextWrite" });
const ListQuery = z
  .object({
    scope: Context.Scope.optional(),
    ownerId: z.string().min(1).max(200).optional(),
    name: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
const HistoryQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0).describe("changes after this version"),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    values: z
      .enum(["true", "false"])
      .optional()
      .describe(
        "true: each change also gives the touched paths' values before and after (at most 100 changes)",
      ),
  })
  .strict();
const IfMatch = z.object({
  "if-match": z
    .string()
    .regex(/^(W\/)?"?v?\d+"?$/, 'a version as its ETag: "7"')
    .optional()
    .describe("the version the patch was written against (the ETag of the document read)"),
});

/** ETag of a version, and the version an If-Match names. */
const etag = (version: number) => `"${version}"`;
const version = (v: string | undefined) => (v === undefined ? undefined : Number(/\d+/.exec(v)![0]));

/** Who a principal is in a document's history: its key, or the session and agent it acts for. */
export const actorOf = (p: Principal): Context.Actor =>
  p.work
    ? { session: p.work.sessionId, ...(p.work.agentId ? { agent: p.work.agentId } : {}) }
    : p.keyId
      ? { key: p.keyId }
      : {};

export const by = (p: Principal) =>
  p.work ? `session:${p.work.sessionId}` : p.keyId ? `key:${p.keyId}` : "dev";

/** Whether a principal may see a document: people see their tenant's, agents their work's. */
export const visible = (p: Principal, doc: Context.Document) => !p.work || Access.may(p.work, doc);

/**
 * Whether a principal may make (or merge into) a document of this scope and owner: the owner is named
 * exactly when the scope has one; a tenant-wide one needs an admin; an agent stays within its work.
 */
export function mayWrite(p: Principal, doc: { scope: Context.Scope; ownerId: string | null }): void {
  const owned = doc.scope !== "tenant" && doc.scope !== "temporary";
  if (owned !== (doc.ownerId !== null))
    throw new AppError(
      "validation_failed",
      `body.ownerId: ${owned ? `a ${doc.scope} document names its owner` : `a ${doc.scope} document has no owner`}`,
      { issues: [{ path: "body.ownerId", message: owned ? "required" : "not allowed" }] },
    );
  if (doc.scope === "tenant" && p.role !== "admin")
    throw new AppError("forbidden", "a tenant-wide document needs an admin key");
  if (p.work && !Access.may(p.work, doc))
    throw new AppError(
      "forbidden",
      "body.ownerId: a session's agent writes only its own session's, plan's and project's documents",
      {
        issues: [{ path: "body.ownerId", message: "not this session's work" }],
      },
    );
}

export function routes(app: App, deps: Deps): void {
  const principal = (c: { get(k: "principal"): Principal }) => c.get("principal");
  /** A document the caller may see, or 404; an agent's read is noted as what its session saw. */
  const read = async (p: Principal, id: string) => {
    const doc = await Store.get(deps.db, p.tenantId, id, deps.clock.now());
    if (!visible(p, doc)) throw notFound("context", id);
    if (p.work) await Store.noteRead(deps.db, p.work.sessionId, doc, deps.clock.now());
    return doc;
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/contexts",
      tags,
      summary:
        "The tenant's context documents, most recently changed first, by scope, owner and name (an agent's credential sees its work's)",
      request: { query: ListQuery },
      responses: { 200: json(z.object({ items: z.array(Context.Document) }), "documents"), ...errors },
    }),
    async (c) => {
      const p = principal(c);
      const { limit, ...f } = c.req.valid("query");
      const owners = p.work
        ? Access.scopes.map((s) => Access.ownerOf(p.work!, s)).filter((o): o is string => o !== null)
        : undefined;
      const items = (await Store.list(deps.db, p.tenantId, { ...f, owners }, deps.clock.now(), limit)).filter(
        (d) => visible(p, d),
      );
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/contexts",
      tags,
      summary: "Create a shared context document (one name per owner and scope)",
      request: body(Create),
      responses: { 201: json(Context.Document, "created"), ...errors },
    }),
    async (c) => {
      const p = principal(c);
      const input = c.req.valid("json");
      mayWrite(p, { scope: input.scope, ownerId: input.ownerId ?? null });
      const now = deps.clock.now();
      // Temporary documents live an hour (the reference's TTL); the others until their owner's end.
      const expiresAt = input.scope === "temporary" ? new Date(now.getTime() + 3_600_000) : null;
      const doc = await Store.create(
        deps.db,
        p.tenantId,
        { scope: input.scope, ownerId: input.ownerId ?? null, name: input.name, data: input.data, expiresAt },
        by(p),
        now,
        actorOf(p),
      );
      c.header("etag", etag(doc.version));
      return c.json(doc, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/contexts/{id}",
      tags,
      summary: "A context document; its ETag is its version",
      request: { params: Id },
      responses: { 200: json(Context.Document, "the document"), ...errors },
    }),
    async (c) => {
      const doc = await read(principal(c), c.req.valid("param").id);
      c.header("etag", etag(doc.version));
      return c.json(doc, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/contexts/{id}",
      tags,
      summary:
        "Change a document with JSON Patch (plus increment and append). With If-Match, a write based on an older version applies if nothing it touches changed since, else 412 with the conflicting paths and their values; without, a patch that replaces values needs lastWriterWins (428)",
      request: { params: Id, headers: IfMatch, ...body(Write) },
      responses: {
        200: json(Context.Document, "the document after the patch"),
        ...errors,
        412: json(
          z.object({ error: z.unknown() }),
          "a precondition failed: details.conflicts or the failed test",
        ),
        413: json(
          z.object({ error: z.unknown() }),
          "a value or the document is over its limit: details.path",
        ),
        428: json(z.object({ error: z.unknown() }), "a blind overwrite: send If-Match or lastWriterWins"),
      },
    }),
    async (c) => {
      const p = principal(c);
      const w = c.req.valid("json");
      const doc = await Store.patch(
        deps.db,
        p.tenantId,
        c.req.valid("param").id,
        {
          ops: w.ops,
          ifMatch: version(c.req.valid("header")["if-match"]),
          lastWriterWins: w.lastWriterWins,
          actor: actorOf(p),
          causationId: w.causationId ?? null,
        },
        deps.clock.now(),
        p.work ? (doc) => visible(p, doc) : undefined,
      );
      c.header("etag", etag(doc.version));
      return c.json(doc, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/contexts/{id}/history",
      tags,
      summary: "A document's changes, oldest first: each version's patch, the paths it touched, who, why",
      request: { params: Id, query: HistoryQuery },
      responses: { 200: json(z.object({ items: z.array(Context.Change) }), "changes"), ...errors },
    }),
    async (c) => {
      const { after, limit, values } = c.req.valid("query");
      await read(principal(c), c.req.valid("param").id);
      if (values === "true" && limit > 100)
        throw new AppError("validation_failed", "query.limit: at most 100 with values=true", {
          issues: [{ path: "query.limit", message: "at most 100 with values" }],
        });
      const items = await Store.history(
        deps.db,
        principal(c).tenantId,
        c.req.valid("param").id,
        after,
        limit,
      );
      const id = c.req.valid("param").id;
      return c.json({ items: values === "true" ? await Merges.valued(deps.db, id, items) : items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sessions/{id}/context-reads",
      tags,
      summary: "The context document versions a session's agent read: what its result was based on",
      request: { params: Id },
      responses: { 200: json(z.object({ items: z.array(Context.Read) }), "reads, first first"), ...errors },
    }),
    async (c) => {
      const p = principal(c);
      const id = c.req.valid("param").id;
      await Sessions.get(deps.db, p.tenantId, id);
      return c.json({ items: await Store.reads(deps.db, p.tenantId, id) }, 200);
    },
  );
}
