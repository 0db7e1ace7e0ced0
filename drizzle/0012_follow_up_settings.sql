ALTER TABLE "gridline"."grid_nodes" ADD COLUMN "follow_up_days" integer;--> statement-breakpoint
ALTER TABLE "gridline"."grid_nodes" ADD COLUMN "follow_up_outcomes" text[];--> statement-breakpoint
ALTER TABLE "gridline"."grid_nodes" ADD COLUMN "follow_up_ask" boolean;