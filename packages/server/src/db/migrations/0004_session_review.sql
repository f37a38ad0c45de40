ALTER TABLE "sessions" ADD COLUMN "reviewed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "sessions_tenant_started" ON "sessions" USING btree ("tenant_id","started_at");--> statement-breakpoint
CREATE INDEX "sessions_tenant_ended" ON "sessions" USING btree ("tenant_id","ended_at");--> statement-breakpoint
-- Sessions that ended before reviews existed count as reviewed: an upgrade must not flood the attention queue.
UPDATE "sessions" SET "reviewed_at" = coalesce("ended_at", "updated_at") WHERE "ended_at" IS NOT NULL;
