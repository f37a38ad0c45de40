CREATE TABLE "context_reads" (
	"session_id" uuid NOT NULL,
	"context_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "context_reads_session_id_context_id_version_pk" PRIMARY KEY("session_id","context_id","version")
);
--> statement-breakpoint
CREATE TABLE "session_credentials" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"hash" text NOT NULL,
	"fence" bigint NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "context_reads_context" ON "context_reads" USING btree ("context_id");