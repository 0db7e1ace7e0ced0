ALTER TABLE "gridline"."identities" ADD COLUMN "last_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gridline"."people" ADD COLUMN "preferred_platform" "gridline"."platform";