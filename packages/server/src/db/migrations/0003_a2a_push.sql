CREATE TABLE "a2a_push" (
	"tenant_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"id" text NOT NULL,
	"url" text NOT NULL,
	"token" text DEFAULT '' NOT NULL,
	"auth" jsonb,
	"sent_seq" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "a2a_push_session_id_id_pk" PRIMARY KEY("session_id","id")
);
--> statement-breakpoint
ALTER TABLE "a2a_push" ADD CONSTRAINT "a2a_push_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;