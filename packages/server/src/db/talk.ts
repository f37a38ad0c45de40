import { boolean, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns.ts";
import { sessions } from "./schema.ts";

/**
 * People's messages to a session's agent (conversation/store.ts), in the order sent. `round` is the
 * session's `retries` when it was sent (to an ended session: the round it opened). A message is marked
 * delivered once a run has handed it to the agent, so a run that dies before that hands it over on the retry.
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
    /** Sent to stop the agent's current turn (the run aborts it, then prompts with this). */
    steer: boolean("steer").notNull().default(false),
    /** Review comments on lines of the diff (sdk ReviewComment[]); `text` is the prompt made of them. */
    comments: jsonb("comments").notNull().default([]),
    createdAt: ts("created_at").notNull(),
    deliveredAt: ts("delivered_at"),
  },
  (t) => [index("session_messages_session").on(t.sessionId, t.createdAt)],
);
