CREATE TABLE "gridline"."ref_counters" (
	"scope" text PRIMARY KEY NOT NULL,
	"last" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "matters_first_assignee_idx" ON "gridline"."matters" USING btree ("first_assignee_id","dispatched_at");--> statement-breakpoint
DROP SEQUENCE "gridline"."matter_ref_seq";