CREATE TABLE "context_merges" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"source_id" uuid NOT NULL,
	"target_id" uuid NOT NULL,
	"strategy" text NOT NULL,
	"status" text NOT NULL,
	"conflicts" jsonb NOT NULL,
	"merged" jsonb,
	"source_version" bigint NOT NULL,
	"target_version" bigint NOT NULL,
	"wrote" bigint,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "context_merges_status" CHECK (status in ('applied','open','resolved','abandoned'))
);
--> statement-breakpoint
ALTER TABLE "context_merges" ADD CONSTRAINT "context_merges_source_id_contexts_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."contexts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "context_merges" ADD CONSTRAINT "context_merges_target_id_contexts_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."contexts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "context_merges_open" ON "context_merges" USING btree ("tenant_id","created_at") WHERE status = 'open';