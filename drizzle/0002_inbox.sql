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
CREATE INDEX "inbox_pending_idx" ON "gridline"."inbox" USING btree ("received_at") WHERE "gridline"."inbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "inbox_failed_idx" ON "gridline"."inbox" USING btree ("received_at") WHERE "gridline"."inbox"."status" = 'failed';