CREATE TABLE "gridline"."inbox" (
	"id" text PRIMARY KEY NOT NULL,
	"platform" "gridline"."platform" NOT NULL,
	"queue" text NOT NULL,
	"payload" jsonb,
	"status" text DEFAULT 'pending' NOT NULL,
	"summary" jsonb,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"done_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "gridline"."matter_defaults" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"category" text DEFAULT '*' NOT NULL,
	"urgent" boolean,
	"size" text,
	"topic" text,
	"position" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."ref_counters" (
	"scope" text PRIMARY KEY NOT NULL,
	"last" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gridline"."topics" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"position" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "gridline"."people" ADD COLUMN "timezone" text;--> statement-breakpoint
CREATE INDEX "inbox_pending_idx" ON "gridline"."inbox" USING btree ("received_at") WHERE "gridline"."inbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "inbox_failed_idx" ON "gridline"."inbox" USING btree ("received_at") WHERE "gridline"."inbox"."status" = 'failed';--> statement-breakpoint
CREATE INDEX "matters_first_assignee_idx" ON "gridline"."matters" USING btree ("first_assignee_id","dispatched_at");--> statement-breakpoint
DROP SEQUENCE "gridline"."matter_ref_seq";