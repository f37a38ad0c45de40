CREATE TABLE "approvals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"request" jsonb NOT NULL,
	"answer" jsonb,
	"answered_by" text,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone,
	CONSTRAINT "approvals_kind" CHECK (kind in ('permission','question')),
	CONSTRAINT "approvals_status" CHECK (status in ('pending','answered','expired','withdrawn'))
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"path" text NOT NULL,
	"base_branch" text NOT NULL,
	"setup" text,
	"copy_files" text[] DEFAULT '{}' NOT NULL,
	"retention_hours" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "projects_name" UNIQUE("tenant_id","name")
);
--> statement-breakpoint
ALTER TABLE "sessions" DROP CONSTRAINT "sessions_status";--> statement-breakpoint
ALTER TABLE "sessions" DROP CONSTRAINT "sessions_lease";--> statement-breakpoint
DROP INDEX "sessions_leased";--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "project_id" uuid;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "profile" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "usage" jsonb DEFAULT '{"input":0,"output":0,"reasoning":0,"cost":0}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "approvals_session" ON "approvals" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "approvals_pending" ON "approvals" USING btree ("tenant_id","created_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "sessions_leased" ON "sessions" USING btree ("lease_expires_at") WHERE status in ('running','degraded','waiting');--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_status" CHECK (status in ('pending','queued','running','paused','degraded','waiting','completed','partially_completed','failed','timeout','stopped','cancelled','orphaned'));--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_lease" CHECK ((status in ('running','degraded','waiting')) = (lease_owner is not null));