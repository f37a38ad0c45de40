CREATE TABLE "pull_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"session_id" uuid,
	"plan_id" uuid,
	"forge" text NOT NULL,
	"number" integer NOT NULL,
	"url" text NOT NULL,
	"state" text NOT NULL,
	"title" text NOT NULL,
	"head" text NOT NULL,
	"base" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"checked_at" timestamp with time zone NOT NULL,
	CONSTRAINT "pull_requests_owner" CHECK ((session_id is null) <> (plan_id is null))
);
--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "remote" jsonb;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "remote_token" text;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD CONSTRAINT "pull_requests_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD CONSTRAINT "pull_requests_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "pull_requests_session" ON "pull_requests" USING btree ("session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pull_requests_plan" ON "pull_requests" USING btree ("plan_id");