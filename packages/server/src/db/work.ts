import { bigint, index, integer, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns.ts";

/**
 * The credential of a session's current attempt (work/credential.ts): what the agent running it presents
 * to MCP and to the context API. Only a hash is kept. It is good while the attempt that minted it holds
 * the session's lease (`fence` equal to the session's), so a retry or an end revokes it without a write.
 */
export const sessionCredentials = pgTable("session_credentials", {
  sessionId: uuid("session_id").primaryKey(),
  tenantId: uuid("tenant_id").notNull(),
  hash: text("hash").notNull(),
  fence: bigint("fence", { mode: "number" }).notNull(),
  createdAt: ts("created_at").notNull(),
});

/** Which version of which context document a session's agent read: a result traces to what it saw. */
export const contextReads = pgTable(
  "context_reads",
  {
    sessionId: uuid("session_id").notNull(),
    contextId: uuid("context_id").notNull(),
    version: integer("version").notNull(),
    at: ts("at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.contextId, t.version] }),
    index("context_reads_context").on(t.contextId),
  ],
);
