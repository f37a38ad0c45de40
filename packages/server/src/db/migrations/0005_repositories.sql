CREATE TABLE "repositories" (
	"path" text PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "repositories" ADD CONSTRAINT "repositories_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "repositories_tenant" ON "repositories" USING btree ("tenant_id");--> statement-breakpoint
-- Registered projects claim their repositories (their paths are already canonical). Should two tenants
-- hold the same path, the one that registered it first keeps it.
INSERT INTO "repositories" ("path", "tenant_id", "created_at")
SELECT DISTINCT ON ("path") "path", "tenant_id", "created_at" FROM "projects" ORDER BY "path", "created_at";
