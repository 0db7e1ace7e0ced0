ALTER TABLE "gridline"."inbox" ADD COLUMN "conversation" text;--> statement-breakpoint
ALTER TABLE "gridline"."inbox" ADD COLUMN "seq" bigserial NOT NULL;--> statement-breakpoint
CREATE INDEX "inbox_conversation_pending_idx" ON "gridline"."inbox" USING btree ("conversation","seq") WHERE "gridline"."inbox"."status" = 'pending';