CREATE TABLE "estimate_stats" (
	"tenant_id" uuid NOT NULL,
	"type" text NOT NULL,
	"capability" text NOT NULL,
	"samples" integer NOT NULL,
	"ratio" double precision NOT NULL,
	"minutes" double precision NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "estimate_stats_tenant_id_type_capability_pk" PRIMARY KEY("tenant_id","type","capability")
);
--> statement-breakpoint
CREATE TABLE "plan_edges" (
	"plan_id" uuid NOT NULL,
	"from_task" uuid NOT NULL,
	"to_task" uuid NOT NULL,
	"type" text NOT NULL,
	CONSTRAINT "plan_edges_from_task_to_task_pk" PRIMARY KEY("from_task","to_task"),
	CONSTRAINT "plan_edges_type" CHECK (type in ('finish_to_start','start_to_start','finish_to_finish','start_to_finish')),
	CONSTRAINT "plan_edges_self" CHECK (from_task <> to_task)
);
--> statement-breakpoint
CREATE TABLE "plan_tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"plan_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"key" text NOT NULL,
	"position" integer NOT NULL,
	"title" text NOT NULL,
	"prompt" text NOT NULL,
	"type" text NOT NULL,
	"capabilities" text[] NOT NULL,
	"agent" text,
	"profile" text,
	"priority" smallint NOT NULL,
	"estimate" jsonb,
	"trigger_rule" text NOT NULL,
	"max_attempts" integer NOT NULL,
	"write_scope" text[],
	"status" text NOT NULL,
	"step" integer DEFAULT 0 NOT NULL,
	"prev_status" text,
	"deps_pending" integer NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"session_id" uuid,
	"result" jsonb,
	"reason" jsonb,
	"merged_commit" text,
	"slack" double precision,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	CONSTRAINT "plan_tasks_key" UNIQUE("plan_id","key"),
	CONSTRAINT "plan_tasks_status" CHECK (status in ('blocked','ready','running','succeeded','failed','upstream_failed','skipped','cancelled','conflicted')),
	CONSTRAINT "plan_tasks_rule" CHECK (trigger_rule in ('all_success','all_done','none_failed','none_failed_min_one_success','one_success','always')),
	CONSTRAINT "plan_tasks_pending" CHECK (deps_pending >= 0)
);
--> statement-breakpoint
CREATE TABLE "plans" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"title" text NOT NULL,
	"goal" text,
	"status" text NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"halted" boolean DEFAULT false NOT NULL,
	"last_seq" integer DEFAULT 0 NOT NULL,
	"steps" integer DEFAULT 0 NOT NULL,
	"project_id" uuid,
	"workspace" jsonb,
	"policy" jsonb NOT NULL,
	"base_commit" text,
	"integration_branch" text,
	"created_by" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "plans_status" CHECK (status in ('draft','running','succeeded','failed','partially_succeeded','cancelled'))
);
--> statement-breakpoint
ALTER TABLE "session_events" ALTER COLUMN "session_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "session_events" ADD COLUMN "plan_id" uuid;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "plan_id" uuid;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "task_id" uuid;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "task_attempt" integer;--> statement-breakpoint
ALTER TABLE "plan_edges" ADD CONSTRAINT "plan_edges_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_tasks" ADD CONSTRAINT "plan_tasks_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "plan_edges_to" ON "plan_edges" USING btree ("to_task");--> statement-breakpoint
CREATE INDEX "plan_tasks_plan_status" ON "plan_tasks" USING btree ("plan_id","status");--> statement-breakpoint
CREATE INDEX "plan_tasks_plan_step" ON "plan_tasks" USING btree ("plan_id","step");--> statement-breakpoint
CREATE INDEX "plans_tenant_created" ON "plans" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "session_events_plan_seq" ON "session_events" USING btree ("plan_id","seq") WHERE plan_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_task_attempt" ON "sessions" USING btree ("task_id","task_attempt") WHERE task_id is not null;--> statement-breakpoint
CREATE INDEX "sessions_plan" ON "sessions" USING btree ("plan_id");--> statement-breakpoint
ALTER TABLE "session_events" ADD CONSTRAINT "session_events_log" CHECK ((session_id is null) <> (plan_id is null));