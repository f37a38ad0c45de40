CREATE TABLE "agent_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "agent_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"agent_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"type" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"version" text DEFAULT '1.0.0' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"capabilities" text[] NOT NULL,
	"capacity" integer NOT NULL,
	"status" text NOT NULL,
	"mode" text,
	"endpoint" text,
	"token_hash" text,
	"signing_secret" text,
	"heartbeat_ttl_ms" integer NOT NULL,
	"last_heartbeat_at" timestamp with time zone,
	"heartbeat" jsonb,
	"card" jsonb,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "agents_kind" CHECK (kind in ('opencode','scripted','eap','a2a')),
	CONSTRAINT "agents_status" CHECK (status in ('online','degraded','draining','offline'))
);
--> statement-breakpoint
CREATE TABLE "attempts" (
	"session_id" uuid NOT NULL,
	"round" integer NOT NULL,
	"attempt" integer NOT NULL,
	"tenant_id" uuid NOT NULL,
	"agent_id" uuid,
	"type" text NOT NULL,
	"capabilities" text[] NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"acked_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"outcome" text,
	"error_code" text,
	"ended_by" text,
	"tokens_at_start" bigint DEFAULT 0 NOT NULL,
	"cost_at_start" double precision DEFAULT 0 NOT NULL,
	"tokens" bigint,
	"cost" double precision,
	CONSTRAINT "attempts_session_id_round_attempt_pk" PRIMARY KEY("session_id","round","attempt"),
	CONSTRAINT "attempts_outcome" CHECK (outcome in ('completed','partial','failed','cancelled','released'))
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "agent_id" uuid;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "routing" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "queue_reason" text;--> statement-breakpoint
ALTER TABLE "agent_events" ADD CONSTRAINT "agent_events_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_events_agent" ON "agent_events" USING btree ("agent_id","type","at");--> statement-breakpoint
CREATE UNIQUE INDEX "agents_name" ON "agents" USING btree ("tenant_id","name") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "attempts_agent_ended" ON "attempts" USING btree ("agent_id","ended_at");--> statement-breakpoint
CREATE INDEX "sessions_agent_leased" ON "sessions" USING btree ("agent_id") WHERE status in ('running','degraded','waiting');