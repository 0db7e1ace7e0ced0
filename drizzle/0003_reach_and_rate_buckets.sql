CREATE TABLE "gridline"."rate_buckets" (
	"key" text PRIMARY KEY NOT NULL,
	"tat" double precision NOT NULL,
	"wait_ms" double precision DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "gridline"."identities" ADD COLUMN "last_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gridline"."people" ADD COLUMN "preferred_platform" "gridline"."platform";