import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { list, ts } from "./columns.ts";
import { Context } from "@orchestrator/sdk";
import { tenants } from "./schema.ts";

/** Shared context documents (context/): JSON owned by a scope, changed by patches, one version per change. */
export const contexts = pgTable(
  "contexts",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id),
    scope: text("scope").notNull(),
    /** The session, plan, project or agent it belongs to; null for the tenant's and temporary ones. */
    ownerId: text("owner_id"),
    name: text("name").notNull(),
    data: jsonb("data").notNull().default({}),
    /** Changes so far: the ETag. */
    version: bigint("version", { mode: "number" }).notNull().default(0),
    /** The size of `data` as JSON, checked against the limit at each write. */
    bytes: integer("bytes").notNull().default(2),
    expiresAt: ts("expires_at"),
    createdBy: text("created_by").notNull(),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    check("contexts_scope", sql.raw(`scope in (${list(Context.Scope.options)})`)),
    // One document of a name per owner; the tenant's and temporary ones have no owner.
    uniqueIndex("contexts_owner_name").on(t.tenantId, t.scope, sql`coalesce(${t.ownerId}, '')`, t.name),
    // The sweeper's scan: only documents that expire.
    index("contexts_expires")
      .on(t.expiresAt)
      .where(sql`${t.expiresAt} is not null`),
  ],
);

/** A document's history, append-only: each version's patch, where it touched, who made it, and why. */
export const contextChanges = pgTable(
  "context_changes",
  {
    contextId: uuid("context_id")
      .notNull()
      .references(() => contexts.id, { onDelete: "cascade" }),
    version: bigint("version", { mode: "number" }).notNull(),
    ops: jsonb("ops").notNull(),
    /** [{path, kind}]: what a later stale write is checked against (context/patch.ts `conflicts`). */
    touched: jsonb("touched").notNull(),
    actor: jsonb("actor").notNull(),
    causationId: text("causation_id"),
    at: ts("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.contextId, t.version] })],
);

/** Merges of one document into another (context/merges.ts): applied ones for the record, open ones to settle. */
export const contextMerges = pgTable(
  "context_merges",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id").notNull(),
    sourceId: uuid("source_id")
      .notNull()
      .references(() => contexts.id, { onDelete: "cascade" }),
    targetId: uuid("target_id")
      .notNull()
      .references(() => contexts.id, { onDelete: "cascade" }),
    strategy: text("strategy").notNull(),
    status: text("status").notNull(),
    /** [{path, target, source}]: what a person decides, for a manual merge. */
    conflicts: jsonb("conflicts").notNull(),
    /** The merge of all that does not conflict, computed on `target_version`. */
    merged: jsonb("merged"),
    sourceVersion: bigint("source_version", { mode: "number" }).notNull(),
    targetVersion: bigint("target_version", { mode: "number" }).notNull(),
    wrote: bigint("wrote", { mode: "number" }),
    createdBy: text("created_by").notNull(),
    createdAt: ts("created_at").notNull(),
    resolvedBy: text("resolved_by"),
    resolvedAt: ts("resolved_at"),
  },
  (t) => [
    check("context_merges_status", sql`status in ('applied','open','resolved','abandoned')`),
    index("context_merges_open")
      .on(t.tenantId, t.createdAt)
      .where(sql`status = 'open'`),
  ],
);
