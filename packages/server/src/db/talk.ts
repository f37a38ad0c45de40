import { index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns.ts";
import { sessions } from "./schema.ts";

/**
 * People's follow-up messages to a session's agent (conversation/store.ts), in the order sent. A message
 * is the prompt of the round it opened (`round` = the session's `retries` then) and is marked delivered
 * once its run has handed it to the agent, so a run that dies before that hands it over on the retry.
 */
export const sessionMessages = pgTable(
  "session_messages",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id").notNull(),
    sessionId: uuid("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    author: text("author").notNull(),
    text: text("text").notNull(),
    round: integer("round").notNull(),
    createdAt: ts("created_at").notNull(),
    deliveredAt: ts("delivered_at"),
  },
  (t) => [index("session_messages_session").on(t.sessionId, t.createdAt)],
);
