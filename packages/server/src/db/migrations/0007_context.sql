CREATE TABLE "context_changes" (
	"context_id" uuid NOT NULL,
	"version" bigint NOT NULL,
	"ops" jsonb NOT NULL,
	"touched" jsonb NOT NULL,
	"actor" jsonb NOT NULL,
	"causation_id" text,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "context_changes_context_id_version_pk" PRIMARY KEY("context_id","version")
);
--> statement-breakpoint
CREATE TABLE "contexts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"scope" text NOT NULL,
	"owner_id" text,
	"name" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"bytes" integer DEFAULT 2 NOT NULL,
	"expires_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "contexts_scope" CHECK (scope in ('session','plan','project','agent','tenant','temporary'))
);
--> statement-breakpoint
ALTER TABLE "context_changes" ADD CONSTRAINT "context_changes_context_id_contexts_id_fk" FOREIGN KEY ("context_id") REFERENCES "public"."contexts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contexts" ADD CONSTRAINT "contexts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "contexts_owner_name" ON "contexts" USING btree ("tenant_id","scope",coalesce("owner_id", ''),"name");--> statement-breakpoint
CREATE INDEX "contexts_expires" ON "contexts" USING btree ("expires_at") WHERE "contexts"."expires_at" is not null;