import { check, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { ts } from "./columns.ts";
import { plans } from "./plans.ts";
import { sessions } from "./schema.ts";

/**
 * Pull requests (GitHub) and merge requests (GitLab) opened for a session's branch or a plan's
 * integration branch (land/pr.ts): one per session or plan, its state refreshed from the forge when read.
 */
export const pullRequests = pgTable(
  "pull_requests",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id").notNull(),
    sessionId: uuid("session_id").references(() => sessions.id, { onDelete: "cascade" }),
    planId: uuid("plan_id").references(() => plans.id, { onDelete: "cascade" }),
    forge: text("forge").notNull(),
    number: integer("number").notNull(),
    url: text("url").notNull(),
    state: text("state").notNull(),
    title: text("title").notNull(),
    head: text("head").notNull(),
    base: text("base").notNull(),
    createdAt: ts("created_at").notNull(),
    checkedAt: ts("checked_at").notNull(),
  },
  (t) => [
    uniqueIndex("pull_requests_session").on(t.sessionId),
    uniqueIndex("pull_requests_plan").on(t.planId),
    check("pull_requests_owner", sql`(session_id is null) <> (plan_id is null)`),
  ],
);
