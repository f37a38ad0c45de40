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
